"""A SageMaker-container stand-in that misbehaves on request, for fault-injection tests.

A plain asyncio server (not ASGI) so that it can break HTTP itself: close mid-body, or
close without answering. The behaviour is chosen by the `word` field of the JSON body that
the echo spec's request template sends.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ModelError = {
    "ErrorCode": "CLIENT_ERROR_FROM_MODEL",
    "OriginalStatusCode": 400,
    "OriginalMessage": "bad input",
    "message": 'Received client error (400) from primary with message "bad input".',
}


def _response(status: int, reason: str, body: bytes, **headers: str) -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def _error(status: int, reason: str, error_type: str, message: str) -> bytes:
    body = json.dumps({"message": message}).encode()
    return _response(
        status, reason, body, Content_Type="application/json", x_amzn_ErrorType=error_type
    )


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return await reader.readexactly(length)


_OPEN: set[asyncio.StreamWriter] = set()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    _OPEN.add(writer)
    try:
        while True:
            try:
                body = await _read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            word = json.loads(body).get("word", "")
            if word == "slow":
                await asyncio.sleep(2)
                writer.write(_response(200, "OK", b'{"echo": {"word": "late"}}'))
            elif word == "model-error":
                body_424 = json.dumps(ModelError).encode()
                writer.write(
                    _response(
                        424,
                        "Failed Dependency",
                        body_424,
                        Content_Type="application/json",
                        x_amzn_ErrorType="ModelError",
                    )
                )
            elif word == "internal":
                writer.write(_error(500, "Internal Server Error", "InternalFailure", "boom"))
            elif word == "unavailable":
                writer.write(_error(503, "Service Unavailable", "ServiceUnavailable", "later"))
            elif word == "invalid-json":
                writer.write(_response(200, "OK", b"{not json", Content_Type="application/json"))
            elif word == "mid-body":
                # Promise 100 bytes, send 10, hang up.
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"echo": {')
                await writer.drain()
                writer.close()
                return
            elif word == "hang-up":
                writer.close()  # no answer at all
                return
            else:
                echo = json.dumps({"echo": {"word": word}}).encode()
                writer.write(_response(200, "OK", echo, Content_Type="application/json"))
            await writer.drain()
    finally:
        _OPEN.discard(writer)
        writer.close()


@contextmanager
def fault_server() -> Iterator[str]:
    """Run the stand-in on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, asyncio.Server] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(_handle, "127.0.0.1", 0)
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="fault-server", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the fault server did not start")
    port = holder["server"].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:

        async def stop() -> None:
            server = holder["server"]
            server.close()
            for writer in list(_OPEN):
                writer.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
