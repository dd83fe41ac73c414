"""The coalescing httptools protocol: the same bytes as uvicorn's own, in fewer writes."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import uvloop

from sagegate.http_protocol import FLUSH_AT_BYTES, CoalescingTransport, _IterationFlush
from sagegate.server_settings import UVICORN_SETTINGS
from tests.servers import serve_in_thread

BIG = 5 * 1024 * 1024


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers by path: a fixed JSON, a chunked stream, a 5 MiB stream, or an echo."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if path == "/chunked":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/big":
        headers = [(b"content-length", str(BIG).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        part = b"x" * (1024 * 1024)
        for _ in range(BIG // len(part)):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    else:
        answer = body or b'{"ok":true}'
        headers = [(b"content-type", b"application/json"), (b"x-amzn-requestid", b"r-1")]
        headers.append((b"content-length", str(len(answer)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[int, int]]:
    """(port of ours, port of uvicorn's stock httptools protocol), same app."""
    with (
        serve_in_thread(app) as ours,
        serve_in_thread(app, http="httptools") as stock,
    ):
        yield int(ours.rsplit(":", 1)[1]), int(stock.rsplit(":", 1)[1])


def _complete(raw: bytes) -> bool:
    """Whether `raw` holds one whole response (by content-length, or the last chunk)."""
    head, found, body = raw.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"content-length: (\d+)", head)
    if length:
        return len(body) >= int(length.group(1))
    return body.endswith(b"0\r\n\r\n")


def _exchange(port: int, request: bytes, *, expect_close: bool = False) -> bytes:
    """Send the request; read until the server closes, or until one whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while expect_close or not _complete(received):
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            received += chunk
    return received


def _without_date(raw: bytes) -> bytes:
    return re.sub(rb"date: [^\r]*\r\n", b"", raw)


def test_the_settings_serve_with_the_coalescing_protocol() -> None:
    assert UVICORN_SETTINGS["http"].__name__ == "CoalescingHttpToolsProtocol"


@pytest.mark.parametrize(
    ("name", "request_bytes"),
    [
        ("get", b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n"),
        ("post", b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 7\r\n\r\n{\"a\":1}"),
        ("chunked", b"GET /chunked HTTP/1.1\r\nhost: a\r\n\r\n"),
        ("http/1.0", b"GET /x HTTP/1.0\r\nhost: a\r\n\r\n"),
        ("close", b"GET /x HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n"),
        ("pipelined", b"GET /x HTTP/1.1\r\nhost: a\r\n\r\nGET /x HTTP/1.1\r\nhost: a\r\n"
         b"connection: close\r\n\r\n"),
        ("bad request", b"NOT HTTP AT ALL\r\n\r\n"),
    ],
)  # fmt: skip
def test_every_answer_is_byte_for_byte_uvicorns(
    servers: tuple[int, int], name: str, request_bytes: bytes
) -> None:
    closes = name in ("http/1.0", "close", "pipelined", "bad request")
    ours, stock = (_exchange(port, request_bytes, expect_close=closes) for port in servers)

    assert _without_date(ours) == _without_date(stock)
    assert ours.startswith(b"HTTP/1.1 ")


def test_expect_100_continue_still_gets_its_interim_answer(servers: tuple[int, int]) -> None:
    head = b"POST /x HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 7\r\n\r\n"
    for port in servers:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(head)
            assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(b'{"a":1}')
            answer = b""
            while not _complete(answer):
                answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"a":1}')


def test_a_large_streamed_body_arrives_whole(servers: tuple[int, int]) -> None:
    request = b"GET /big HTTP/1.1\r\nhost: a\r\n\r\n"
    for port in servers:
        head, _, body = _exchange(port, request).partition(b"\r\n\r\n")
        assert b"content-length: 5242880" in head
        assert body == b"x" * BIG


class _Recording:
    """Stands in for the socket transport: records each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.aborted = self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _pair(loop: asyncio.AbstractEventLoop) -> tuple[_Recording, CoalescingTransport]:
    raw = _Recording()
    return raw, CoalescingTransport(raw, _IterationFlush(loop))  # type: ignore[arg-type]


def test_the_writes_of_one_iteration_leave_together_at_its_end() -> None:
    async def run() -> list[list[bytes]]:
        loop = asyncio.get_running_loop()
        flush = _IterationFlush(loop)
        raws = [_Recording() for _ in range(3)]
        transports = [CoalescingTransport(raw, flush) for raw in raws]  # type: ignore[arg-type]
        for index, transport in enumerate(transports):
            transport.write(b"head%d|" % index)
            transport.write(b"body%d" % index)
        held = [list(raw.writes) for raw in raws]
        await asyncio.sleep(0)
        return held + [raw.writes for raw in raws]

    seen = uvloop.run(run())
    assert seen[:3] == [[], [], []]
    assert seen[3:] == [[b"head0|body0"], [b"head1|body1"], [b"head2|body2"]]


def test_close_and_eof_flush_first_and_big_writes_do_not_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        raw, transport = _pair(loop)
        transport.write(b"head|")
        assert transport.get_write_buffer_size() == 5
        transport.writelines([b"a", b"b"])
        transport.close()
        assert raw.writes == [b"head|ab"] and raw.closed
        raw, transport = _pair(loop)
        transport.write(b"held")
        transport.abort()
        await asyncio.sleep(0)
        assert raw.writes == [] and raw.aborted
        # Closed under the wrapper (by a holder of the raw transport): dropped, quietly.
        raw, transport = _pair(loop)
        transport.write(b"held")
        raw.close()
        await asyncio.sleep(0)
        assert raw.writes == []
        raw, transport = _pair(loop)
        transport.write(b"h")
        transport.write(b"x" * FLUSH_AT_BYTES)
        assert raw.writes == [b"h" + b"x" * FLUSH_AT_BYTES]
        assert transport.get_extra_info("peername") == "info:peername"
        await asyncio.sleep(0)
        assert len(raw.writes) == 1  # the iteration's flush finds nothing left

    uvloop.run(run())
    assert caplog.records == []


def test_a_connection_that_closed_meanwhile_drops_its_bytes_and_the_others_still_leave(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A real uvloop connection closed under the wrapper between the write and the flush."""

    class Server(asyncio.Protocol):
        def __init__(self) -> None:
            self.transport: asyncio.Transport | None = None
            self.lost = asyncio.get_running_loop().create_future()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport  # type: ignore[assignment]

        def connection_lost(self, exc: Exception | None) -> None:
            self.lost.set_result(None)

    async def run() -> list[bytes]:
        loop = asyncio.get_running_loop()
        servers: list[Server] = []

        def make() -> Server:
            servers.append(Server())
            return servers[-1]

        listener = await loop.create_server(make, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        client, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        while not servers or servers[0].transport is None:
            await asyncio.sleep(0.001)
        flush = _IterationFlush(loop)
        gone = CoalescingTransport(servers[0].transport, flush)  # type: ignore[arg-type]
        raw = _Recording()
        other = CoalescingTransport(raw, flush)  # type: ignore[arg-type]
        gone.write(b"response")
        other.write(b"response")
        servers[0].transport.abort()  # type: ignore[union-attr]
        await servers[0].lost  # the connection is gone before the iteration's flush runs...
        flush.flush()  # ... which must neither raise nor skip the other connection
        client.close()
        listener.close()
        return raw.writes

    assert uvloop.run(run()) == [b"response"]
    assert caplog.records == []  # dropped quietly: not a failed write


def test_a_failing_flush_is_logged_and_does_not_hold_the_other_connections(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(_Recording):
        def write(self, data: bytes) -> None:
            raise OSError("broken")

    async def run() -> list[bytes]:
        flush = _IterationFlush(asyncio.get_running_loop())
        broken, fine = Broken(), _Recording()
        for raw in (broken, fine):
            CoalescingTransport(raw, flush).write(b"x")  # type: ignore[arg-type]
        await asyncio.sleep(0)
        return fine.writes

    assert uvloop.run(run()) == [b"x"]
    assert [r.getMessage() for r in caplog.records] == ["writing a response failed"]
