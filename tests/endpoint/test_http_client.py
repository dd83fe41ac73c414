"""The gateway's pooled HTTP/1.1 client, against real servers on 127.0.0.1.

A `sagegate endpoint serve`-style uvicorn server for the normal exchanges, and small raw
asyncio servers for what uvicorn never does: chunked answers, `Connection: close`, idle
closes, broken and malformed answers, silence.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop

from sagegate.endpoint.http_client import HttpClient, HttpClientError
from sagegate.sigv4 import DEFAULT_ACCOUNT_ID

ECHO = """
    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        return body, accept
"""
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """`run(coro)` on each loop; fails on anything the loop's exception handler saw."""
    factory = LOOPS[request.param]

    def runner(coro: Coroutine[Any, Any, Any]) -> Any:
        seen: list[dict[str, Any]] = []
        with asyncio.Runner(loop_factory=factory) as loop_runner:
            loop_runner.get_loop().set_exception_handler(lambda _loop, ctx: seen.append(ctx))
            result = loop_runner.run(coro)
        assert not seen, seen  # e.g. "Task exception was never retrieved"
        return result

    return runner


async def read_request(reader: asyncio.StreamReader) -> tuple[list[str], bytes]:
    """One request: its head lines and body (Content-Length framed)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")[:-2]
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return head, await reader.readexactly(length)


def answer(body: bytes, *extra: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class RawServer:
    """An asyncio server on the current loop; counts connections; `handler` per connection."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.connections = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks)
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self.handler(reader, writer)
        # Cancelled by __aexit__: ends normally (asyncio logs a cancelled handler task).
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.tasks.discard(task)
            writer.close()


async def echo_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Keep-alive server answering every request with its body."""
    while True:
        _, body = await read_request(reader)
        writer.write(answer(body, "Content-Type: text/plain"))
        await writer.drain()


# -- against the endpoint server -------------------------------------------------------------


def test_round_trips_status_headers_and_body(
    write_model: Any, serve_models: Any, run: Callable[..., Any]
) -> None:
    async def main(url: str) -> None:
        client = HttpClient(url)
        try:
            ok = await client.request("POST", "/endpoints/echo/invocations", b'{"a": 1}', JSON)
            missing = await client.request("POST", "/endpoints/nope/invocations", b"{}", JSON)
        finally:
            await client.close()
        assert ok.status == 200
        assert ok.body == b'{"a": 1}'
        assert [name for name, _ in ok.headers] == [
            "date",
            "content-type",
            "x-amzn-invoked-production-variant",
            "x-amzn-requestid",
            "content-length",
        ]
        assert ("content-type", "application/json") in ok.headers
        assert missing.status == 400
        assert ("x-amzn-errortype", "ValidationError") in missing.headers
        message = f"Endpoint nope of account {DEFAULT_ACCOUNT_ID} not found."
        assert missing.body == b'{"message":"' + message.encode() + b'"}'
        assert client.connections_made == 1  # the second request reused the first connection

    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        run(main(url))


def test_concurrent_requests_share_a_pool_of_reused_connections(
    write_model: Any, serve_models: Any, run: Callable[..., Any]
) -> None:
    async def main(url: str) -> None:
        client = HttpClient(url)
        try:
            for _ in range(3):
                answers = await asyncio.gather(
                    *(
                        client.request("POST", "/invocations", f"[{i}]".encode(), JSON)
                        for i in range(100)
                    )
                )
                assert [a.body for a in answers] == [f"[{i}]".encode() for i in range(100)]
            made = client.connections_made
            assert 1 <= made <= 100
            # Three rounds of 100 did not open 300 connections: idle ones were reused.
            await client.request("POST", "/invocations", b"[0]", JSON)
            assert client.connections_made == made
        finally:
            await client.close()

    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        run(main(url))


def test_a_6_mib_body_goes_and_comes_back(
    write_model: Any, serve_models: Any, run: Callable[..., Any]
) -> None:
    body = bytes(range(256)) * (6 * 1024 * 1024 // 256)

    async def main(url: str) -> None:
        client = HttpClient(url)
        try:
            headers = {"Content-Type": "application/octet-stream", "Accept": "x/y"}
            response = await client.request("POST", "/invocations", body, headers)
        finally:
            await client.close()
        assert response.status == 200
        assert response.body == body

    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        run(main(url))


# -- against raw servers ---------------------------------------------------------------------


def test_the_request_head_is_what_the_integration_sends(run: Callable[..., Any]) -> None:
    heads: list[list[str]] = []

    async def capture(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            heads.append(head)
            writer.write(answer(body))

    async def main() -> None:
        async with RawServer(capture) as url:
            client = HttpClient(url)
            await client.request("POST", "/a", b"xyz", {"Content-Type": "application/json"})
            await client.request(
                "POST", "/b", b"", {"accept": "text/csv", "Content-Length": "99", "X-É": "é"}
            )
            await client.close()
            port = url.rsplit(":", 1)[1]
        assert heads[0] == [
            "POST /a HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Content-Type: application/json",
            "Accept: */*",
            "User-Agent: sagegate/0.1.0",
            "Content-Length: 3",
        ]
        # The caller's Accept wins, its framing does not; no Accept-Encoding ever; UTF-8.
        assert heads[1] == [
            "POST /b HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "accept: text/csv",
            "X-É: é".encode().decode("latin-1"),
            "Content-Type: application/octet-stream",
            "User-Agent: sagegate/0.1.0",
            "Content-Length: 0",
        ]

    run(main())


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/x", {"X-Evil": "a\r\nInjected: yes"}),
        ("POST", "/x", {"X-Evil\n": "a"}),
        ("POST", "/x", {"X-Evil": "a\rb"}),
        ("POST", "/x HTTP/1.1\r\nInjected: yes\r\nX:", {}),
    ],
)
def test_cr_or_lf_in_a_header_is_refused_before_sending(
    run: Callable[..., Any], method: str, path: str, headers: dict[str, str]
) -> None:
    async def main() -> None:
        server = RawServer(echo_forever)
        async with server as url:
            client = HttpClient(url)
            with pytest.raises(ValueError, match="CR or LF"):
                await client.request(method, path, b"", headers)
            await client.close()
        assert server.connections == 0

    run(main())


def test_chunked_answers_are_read_whole(run: Callable[..., Any]) -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n")
            writer.write(b"5\r\nhello\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
            writer.write(b"6\r\n world\r\n0\r\n\r\n")

    async def main() -> None:
        server = RawServer(chunked)
        async with server as url:
            client = HttpClient(url)
            for _ in range(2):
                response = await client.request("POST", "/", b"", {})
                assert response == (
                    200,
                    [("Transfer-Encoding", "chunked"), ("X-A", "1")],
                    b"hello world",
                )
            await client.close()
        assert server.connections == 1

    run(main())


def test_interim_answers_are_skipped(run: Callable[..., Any]) -> None:
    async def early_hints(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            _, body = await read_request(reader)
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
            writer.write(answer(body, "X-Final: yes"))

    async def main() -> None:
        server = RawServer(early_hints)
        async with server as url:
            client = HttpClient(url)
            for word in (b"a", b"b"):
                response = await client.request("POST", "/", word, {})
                assert response == (200, [("Content-Length", "1"), ("X-Final", "yes")], word)
            await client.close()
        assert server.connections == 1

    run(main())


def test_connection_close_answers_are_not_reused(run: Callable[..., Any]) -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, body = await read_request(reader)
        writer.write(answer(body, "Connection: close"))
        await writer.drain()
        await asyncio.sleep(0.05)  # the client must not wait for the close to reuse nothing

    async def http10(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        # HTTP/1.0 without keep-alive and without a length: the body ends at EOF.
        writer.write(b"HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nuntil the end")
        await writer.drain()

    async def main() -> None:
        for handler, expected in ((once, b"ping"), (http10, b"until the end")):
            server = RawServer(handler)
            async with server as url:
                client = HttpClient(url)
                for _ in range(3):
                    response = await client.request("POST", "/", b"ping", {})
                    assert (response.status, response.body) == (200, expected)
                await client.close()
            assert server.connections == 3
            assert client.connections_made == 3

    run(main())


def test_a_connection_closed_while_idle_is_never_used(run: Callable[..., Any]) -> None:
    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, body = await read_request(reader)
        writer.write(answer(body))  # keep-alive promised ...
        await writer.drain()
        await asyncio.sleep(0.02)  # ... then the idle timeout fires

    async def main() -> None:
        server = RawServer(answer_then_close)
        async with server as url:
            client = HttpClient(url)
            for _ in range(3):
                assert (await client.request("POST", "/", b"x", {})).body == b"x"
                await asyncio.sleep(0.1)
            await client.close()
        assert server.connections == 3

    run(main())


def test_the_keep_alive_race_is_retried_once_on_a_fresh_connection(
    run: Callable[..., Any],
) -> None:
    """The server closes a reused connection without reading the request written to it."""

    async def one_request_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        _, body = await read_request(reader)
        writer.write(answer(body))
        await writer.drain()
        await reader.read(1)  # the next request's first byte: close as if idle had expired

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async def main() -> None:
        server = RawServer(one_request_per_connection)
        async with server as url:
            client = HttpClient(url)
            for word in (b"a", b"b", b"c"):
                assert (await client.request("POST", "/", word, {})).body == word
            await client.close()
        assert client.connections_made == 3
        # A fresh connection closed before the answer is an error, not a loop of retries.
        server = RawServer(hang_up)
        async with server as url:
            client = HttpClient(url)
            with pytest.raises(HttpClientError, match="Server disconnected before a response"):
                await client.request("POST", "/", b"x", {})
            await client.close()
        assert server.connections == 1

    run(main())


def test_a_close_mid_answer_is_an_error_and_the_client_recovers(
    run: Callable[..., Any],
) -> None:
    calls = 0

    async def breaks_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        while True:
            _, body = await read_request(reader)
            calls += 1
            if calls == 2:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                await writer.drain()
                return
            writer.write(answer(body))

    async def main() -> None:
        async with RawServer(breaks_once) as url:
            client = HttpClient(url)
            assert (await client.request("POST", "/", b"1", {})).body == b"1"
            with pytest.raises(HttpClientError, match="mid-response"):
                await client.request("POST", "/", b"2", {})
            assert (await client.request("POST", "/", b"3", {})).body == b"3"
            await client.close()

    run(main())


def test_a_silent_server_times_out_and_the_connection_is_discarded(
    run: Callable[..., Any],
) -> None:
    async def main() -> None:
        received, gone = asyncio.Event(), asyncio.Event()

        async def silent_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if server.connections == 1:
                await read_request(reader)
                received.set()
                await reader.read()  # until the client gives up
                gone.set()
                return
            await echo_forever(reader, writer)

        async def expire_once_received(deadline: asyncio.Timeout) -> None:
            # The caller's deadline passes while the server holds the request unanswered (a
            # fixed 0.1 s could pass before the request was even sent, on a loaded machine).
            await received.wait()
            deadline.reschedule(asyncio.get_running_loop().time())

        server = RawServer(silent_first)
        async with server as url:
            client = HttpClient(url)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(None) as deadline:
                    expiry = asyncio.ensure_future(expire_once_received(deadline))
                    await client.request("POST", "/", b"x", {})
            await expiry
            await asyncio.wait_for(gone.wait(), 5)  # the client closed it
            assert (await client.request("POST", "/", b"y", {})).body == b"y"
            await client.close()
        assert client.connections_made == 2

    run(main())


@pytest.mark.parametrize(
    "garbage",
    [b"HTTZ/1.1 200 OK\r\n\r\n", b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"],
)
def test_a_malformed_answer_is_an_error(run: Callable[..., Any], garbage: bytes) -> None:
    async def main() -> None:
        async def bad_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if server.connections == 1:
                await read_request(reader)
                writer.write(garbage)
                await reader.read()
                return
            await echo_forever(reader, writer)

        server = RawServer(bad_first)
        async with server as url:
            client = HttpClient(url)
            with pytest.raises(HttpClientError, match="malformed response"):
                await client.request("POST", "/", b"x", {})
            assert (await client.request("POST", "/", b"y", {})).body == b"y"
            await client.close()

    run(main())


def test_connect_errors_tcp_nodelay_and_use_after_close(run: Callable[..., Any]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there

    async def main() -> None:
        client = HttpClient(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpClientError, match=r"cannot connect to http://127\.0\.0\.1"):
            await client.request("POST", "/", b"", {})
        async with RawServer(echo_forever) as url:
            client = HttpClient(url)
            await client.request("POST", "/", b"", {})
            (connection,) = client._idle
            assert connection.transport is not None
            raw = connection.transport.get_extra_info("socket")
            assert raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            await client.close()
            assert connection.closed
            with pytest.raises(RuntimeError, match="closed"):
                await client.request("POST", "/", b"", {})

    run(main())


# -- https -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    root = tmp_path_factory.mktemp("tls")
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_verifies_the_certificate(
    run: Callable[..., Any], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    async def main() -> None:
        async with RawServer(echo_forever, tls=server_context) as url:
            untrusting = HttpClient(url)
            with pytest.raises(HttpClientError, match="SSLCertVerificationError"):
                await untrusting.request("POST", "/", b"x", {})
            await untrusting.close()
            trusting = HttpClient(url, ssl_context=ssl.create_default_context(cafile=cert))
            assert (await trusting.request("POST", "/", b"x", {})).body == b"x"
            assert (await trusting.request("POST", "/", b"y", {})).body == b"y"
            assert trusting.connections_made == 1
            await trusting.close()

    run(main())


# -- streamed answers ------------------------------------------------------------------------


def test_a_streamed_answer_is_read_as_it_arrives_and_its_connection_reused(
    run: Callable[..., Any],
) -> None:
    async def main() -> None:
        go_on = asyncio.Event()

        async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                await read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                await writer.drain()
                await asyncio.wait_for(go_on.wait(), 10)  # until the client saw "hello"
                go_on.clear()
                writer.write(b"6\r\n world\r\n0\r\n\r\n")

        server = RawServer(chunked)
        async with server as url:
            client = HttpClient(url)
            for _ in range(2):
                answer = await client.stream("POST", "/", b"", {})
                assert (answer.status, answer.headers) == (200, [("Transfer-Encoding", "chunked")])
                assert await answer.next_chunk() == b"hello"
                go_on.set()
                assert await answer.next_chunk() == b" world"
                assert await answer.next_chunk() is None
                assert await answer.next_chunk() is None
            await client.close()
        assert server.connections == 1

    run(main())


def test_a_streamed_answer_left_early_or_cut_drops_its_connection(
    run: Callable[..., Any],
) -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n")
        await writer.drain()

    async def main() -> None:
        server = RawServer(cut)
        async with server as url:
            client = HttpClient(url)
            answer = await client.stream("POST", "/", b"", {})
            assert await answer.next_chunk() == b"part"
            with pytest.raises(HttpClientError, match="mid-response"):
                await answer.next_chunk()  # the handler returned: connection closed mid-body
            left = await client.stream("POST", "/", b"", {})
            assert await left.next_chunk() == b"part"
            left.close()
            assert await left.next_chunk() is None
            await client.close()
        assert server.connections == 2

    run(main())
