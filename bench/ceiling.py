"""The ceiling: a raw ASGI app answering a constant 60-byte JSON, under `sagegate serve`'s
uvicorn settings (uvloop, httptools, one worker, no access log). Nothing Python serves on this
machine can answer faster, so every scenario is reported as a fraction of it.

Run as `python -m bench.ceiling --port P`.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY = b'{"message":"ceiling","padding":"' + b"x" * 26 + b'"}'
assert len(BODY) == 60
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"60")],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with the same 60 bytes; accept lifespan events."""
    if scope["type"] == "http":
        await send(_START)
        await send(_BODY)
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def main() -> None:
    """Serve `app` as `sagegate serve` serves the gateway."""
    import uvicorn

    from sagegate.server_settings import UVICORN_SETTINGS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_level="warning",
        **UVICORN_SETTINGS,
    )


if __name__ == "__main__":
    main()
