"""The uvicorn settings every sagegate server runs with (the gateway, the runtime, the
benchmark's ceiling), so that what the tests serve is what users get.

- uvloop and httptools: the fastest loop and HTTP parser uvicorn offers (issue 6's figures).
  The protocol is uvicorn's httptools one with its writes joined per loop iteration
  (`sagegate.http_protocol`): the same bytes, in one system call per connection instead of
  one for the head and one for the body (against uvicorn's stock protocol, the gateway
  serves ~6-10% more requests per second: `python -m bench.ab protocol`).
- No `server: uvicorn` header: neither API Gateway nor the SageMaker Runtime sends `Server`.
  The `Date` header stays: both send it.
- No proxy headers: API Gateway takes `$context.identity.sourceIp` from the connection, so a
  client's own `X-Forwarded-For` must not change it (uvicorn trusts it from 127.0.0.1 by
  default). It also saves the middleware's pass over the headers on every request.
- No uvicorn access log: the gateway writes API Gateway's own.
"""

from __future__ import annotations

from typing import Any, Final

from sagegate.http_protocol import CoalescingHttpToolsProtocol

UVICORN_SETTINGS: Final[dict[str, Any]] = {
    "loop": "uvloop",
    "http": CoalescingHttpToolsProtocol,
    "lifespan": "on",
    "access_log": False,
    "proxy_headers": False,
    "server_header": False,
}
