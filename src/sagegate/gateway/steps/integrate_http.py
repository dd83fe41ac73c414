"""Integrate over HTTP: the HTTP and HTTP_PROXY integration types.

https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
The integration request (method, URI with its path parameters filled in, query string,
headers, body) goes to its URL on a pooled keep-alive connection per origin, bounded by the
integration timeout. HTTP_PROXY passes the client's request through (its headers but Host,
its query string, its body) and the answer back as it came; HTTP goes through the mapping
templates and integration responses like any non-proxy integration.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from urllib.parse import quote, urlsplit

from sagegate.endpoint.http_client import HttpClient, HttpClientError
from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.responses import IntegrationFailure, IntegrationTimeout

# Headers of the client's request that an HTTP_PROXY integration does not pass on
# (hop-by-hop, or the gateway's own framing).
_NOT_PASSED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "expect",
        "te",
        "proxy-authenticate",
        "content-encoding",
    }
)


class HttpClients:
    """One pooled client per origin, made on first use inside the serving event loop."""

    def __init__(self) -> None:
        self._clients: dict[str, HttpClient] = {}

    def for_url(self, url: str) -> HttpClient:
        """The client of `url`'s origin."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        client = self._clients.get(origin)
        if client is None:
            client = self._clients[origin] = HttpClient(origin)
        return client

    async def close(self) -> None:
        """Close every pool."""
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()


def _target(uri: str, query: list[tuple[str, str]]) -> tuple[str, str]:
    """(origin URL, request target) of a URI plus extra query parameters."""
    parts = urlsplit(uri)
    target = parts.path or "/"
    pairs = [parts.query] if parts.query else []
    pairs.extend(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
    if pairs:
        target += "?" + "&".join(pairs)
    return f"{parts.scheme}://{parts.netloc}", target


class HttpIntegrate:
    """Sends the integration request to its URL; HTTP_PROXY passes the request through."""

    def __init__(self, *, clients: HttpClients, timeout_ms: int, proxy: bool, api_id: str) -> None:
        self.clients = clients
        self.timeout_s = timeout_ms / 1000
        self.proxy = proxy
        self.api_id = api_id

    def _proxied(self, ctx: Invocation, request: IntegrationRequest) -> None:
        """HTTP_PROXY: the client's headers, query string and body, plus the mapped ones."""
        passed = {k: v for k, v in ctx.request.headers if k.lower() not in _NOT_PASSED}
        request.headers = merged_headers(passed, request.headers)
        request.body = ctx.request.body
        request.query = [
            (key, value) for key, values in ctx.request.query.items() for value in values
        ] + request.query

    def __call__(self, ctx: Invocation) -> Awaitable[None]:
        request = ctx.integration
        assert request is not None, "the integration request step runs first"
        if self.proxy:
            self._proxied(ctx, request)
        if request.http_method == "ANY":
            # An integration method of ANY sends the client's own method.
            request.http_method = ctx.request.http_method
        request.headers.setdefault("User-Agent", f"AmazonAPIGateway_{self.api_id}")
        request.headers["X-Amzn-Apigateway-Api-Id"] = self.api_id
        return self._call(ctx, request)

    async def _call(self, ctx: Invocation, request: IntegrationRequest) -> None:
        origin, target = _target(request.uri, request.query)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                status, headers, body = await self.clients.for_url(origin).request(
                    request.http_method, target, request.body, request.headers
                )
        except TimeoutError:
            ctx.integration_error = "timeout"
            raise IntegrationTimeout() from None
        except (HttpClientError, ValueError) as exc:
            ctx.integration_error = f"{request.uri}: {type(exc).__name__}: {exc}"
            raise IntegrationFailure() from None
        finally:
            ctx.integrated(started)
        ctx.endpoint_response = InvocationResponse(status, headers, body)


def merged_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """`base` with `extra` replacing any header of the same name, whatever its case."""
    lowered = {k.lower() for k in extra}
    merged = {k: v for k, v in base.items() if k.lower() not in lowered}
    merged.update(extra)
    return merged
