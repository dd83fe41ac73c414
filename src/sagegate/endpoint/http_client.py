"""A lean pooled HTTP/1.1 client for one origin: the gateway's call to an HTTP endpoint.

Why not aiohttp: in front of a `sagegate endpoint serve` process, aiohttp's per-request Python
work (ClientSession._request, yarl URLs, multidicts, request/response objects, trace signals,
timers, connector bookkeeping) made the gateway serve 0.80x the requests per second at 1.5x
the CPU per request (`python -m bench.ab client`, docs/ARCHITECTURE.md); this client is
asyncio Protocols and `httptools.HttpResponseParser` (llhttp, the parser uvicorn uses), and
does only what the integration needs: POST a body, read the whole answer.

Behaviour:

- One origin (scheme, host, port) per client; `http` and `https` (certificate verification
  on, SNI = host, `ssl.create_default_context()`).
- Keep-alive pool, LIFO: the most recently used idle connection is reused first (its socket
  is warm; the others age out on the server's idle timeout). No upper bound: a request that
  finds no idle connection opens one, so there are at most as many connections as requests
  ever ran at once (the gateway's concurrency bounds that). A connection is never reused after
  `Connection: close`, an HTTP/1.0 answer without keep-alive, a parse error, an answer read
  until EOF, cancellation or any other error; it is closed instead.
- A connection the server closed while idle is dropped from the pool as soon as the loop sees
  the EOF, and is checked again (`closed`, `transport.is_closing()`) before reuse.
- The keep-alive race: the server may close an idle connection just as a request is written
  to it (uvicorn does when its keep-alive timeout fires, 5 s by default). If a *reused*
  connection is closed or reset before a single byte of the answer arrived, the request is
  sent once more on a fresh connection. This is safe for the servers this client talks to:
  they close an idle connection only when no request is in progress, so the first copy was
  never read (aiohttp does not retry, and loses the request instead). A fresh connection is
  never retried, and neither is an answer that had started to arrive.
- `stream()` is `request()` for an answer read as it arrives: status and headers first, then
  each piece of the body as the parser hands it over (for a chunked answer, about a chunk
  each); its connection goes back to the pool once the whole body was read, and is dropped
  when the caller stops early. Nothing bounds how far the server may run ahead of a slow
  reader: the pieces wait in memory (the local runtime's parts are small).
- The request is written in one `transport.write` (head + body). The head is
  `{method} {path} HTTP/1.1`, `Host`, the caller's headers as given, then the defaults aiohttp
  sent before this client replaced it, each only when the caller gave no header of that name:
  `Accept: */*`, `Content-Type: application/octet-stream`, `User-Agent: sagegate/<version>`;
  and `Content-Length` (always ours: a caller's Content-Length or Transfer-Encoding is
  dropped, the framing is this client's). No `Accept-Encoding`: an answer must reach the
  mapping templates as the endpoint produced it, never compressed. Header names and values
  with CR or LF are refused (`ValueError`) before anything is sent.
- Flow control: each connection carries one request at a time and its bytes are already in
  memory, so the transport's write buffer holds at most one request body (asyncio's default
  `pause_writing` is a no-op, which is right here: the answer cannot come before the server
  read the request, so awaiting the answer is the drain). `request()` reads the answer whole,
  as the caller needs all of it.
- Interim answers (1xx) are skipped: the caller gets the final one.
- Errors (connection refused, reset, EOF mid-answer, malformed answer, TLS) raise
  `HttpClientError`. Cancellation (the integration timeout) closes the connection in use.
- `close()` closes every idle connection; a connection still in use is closed when its
  request ends. A closed client refuses new requests (`RuntimeError`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Mapping
from typing import NamedTuple, cast
from urllib.parse import urlsplit

import httptools

from sagegate import __version__
from sagegate.sigv4.sign import host_header

_USER_AGENT = f"sagegate/{__version__}"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Framing headers are the client's own: a caller's would contradict the body sent.
_FRAMING = frozenset({"content-length", "transfer-encoding"})
# How long `close()` waits for the closing connections to be gone (TLS may say goodbye).
_CLOSE_WAIT_SECONDS = 2.0


class HttpClientError(Exception):
    """The origin could not be reached, or broke the connection or HTTP before answering."""


class ServerDisconnectedError(HttpClientError):
    """The connection ended before one byte of the answer: on a reused one, retried once.

    Named as aiohttp named the same failure, which access logs showed before this client.
    """


class HttpResponse(NamedTuple):
    """An answer: status, headers in the order received (latin-1 decoded), whole body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


# A streamed answer's pieces as they arrive: bytes, then None at the end (or an error).
_Chunks = asyncio.Queue[bytes | HttpClientError | None]


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time; the parser's callbacks are here."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.gone: asyncio.Future[None] = client.loop.create_future()
        self._waiter: asyncio.Future[HttpResponse] | None = None
        self._received = False
        self._headers_done = False
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._chunks: _Chunks | None = None

    # -- the exchange ----------------------------------------------------------------------

    def send(self, data: bytes, chunks: _Chunks | None = None) -> asyncio.Future[HttpResponse]:
        """Write one request; the future is the whole answer (or the error). With `chunks`,
        the future is the status and headers, and the body's pieces go to `chunks`."""
        assert self.transport is not None and self._waiter is None
        self._waiter = waiter = self._client.loop.create_future()
        self._received = self._headers_done = self.reusable = False
        self._headers = []
        self._body = []
        self._chunks = chunks
        self.transport.write(data)
        return waiter

    def abort(self) -> None:
        """Drop the connection now (cancellation, errors): never back in the pool."""
        self.reusable = False
        self._waiter = None
        self._chunks = None
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: HttpClientError) -> None:
        waiter = self._waiter
        self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        elif self._chunks is not None:  # a streamed answer, after its head
            chunks, self._chunks = self._chunks, None
            chunks.put_nowait(error)

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpClientError(f"malformed response: {type(exc).__name__}: {exc}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        idle = self._client._idle
        if self in idle:
            idle.remove(self)
        if self._waiter is not None or self._chunks is not None:
            if self._headers_done and self._framed_by_eof():
                self.on_message_complete()
            else:
                reason = f"{type(exc).__name__}: {exc}" if exc is not None else "EOF"
                if self._received:
                    self._fail(HttpClientError(f"connection closed mid-response ({reason})"))
                else:
                    self._fail(
                        ServerDisconnectedError(f"Server disconnected before a response ({reason})")
                    )
        if not self.gone.done():
            self.gone.set_result(None)

    def _framed_by_eof(self) -> bool:
        """An answer with neither Content-Length nor chunked encoding ends at EOF."""
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == "content-length" or (
                lowered == "transfer-encoding" and "chunked" in value.lower()
            ):
                return False
        return True

    # -- httptools callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._waiter is None:
            # Bytes nobody asked for: the stream cannot be trusted any more.
            raise HttpClientError("unsolicited data")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self._parser.get_status_code()
        if self._chunks is not None and self._status >= 200:
            waiter = self._waiter
            self._waiter = None
            if waiter is not None and not waiter.done():
                waiter.set_result(HttpResponse(self._status, self._headers, b""))

    def on_body(self, body: bytes) -> None:
        if self._chunks is not None:
            self._chunks.put_nowait(body)
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        if self._status < 200:
            # An interim answer (100 Continue, 103 Early Hints): the real one follows.
            self._headers_done = False
            self._headers = []
            self._body = []
            return
        waiter = self._waiter
        self._waiter = None
        self.reusable = not self.closed and self._parser.should_keep_alive()
        chunks = self._chunks
        if chunks is not None:
            self._chunks = None
            chunks.put_nowait(None)
        elif waiter is not None and not waiter.done():
            waiter.set_result(HttpResponse(self._status, self._headers, b"".join(self._body)))


class HttpClient:
    """Pooled keep-alive HTTP/1.1 client for the origin of `base_url` (its path is ignored).

    Made inside the running event loop it serves. `ssl_context` replaces the default
    verifying context for `https` (tests trust their own certificate authority with it).
    """

    def __init__(self, base_url: str, *, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        # The Host value the SigV4 signer signs (no default port), so AwsTarget's signature holds.
        self._host_header = host_header(parts)
        self.origin = f"{parts.scheme}://{self._host_header}"
        self._ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._ssl = ssl_context or ssl.create_default_context()
        self._idle: list[_Connection] = []
        self._closed = False
        self.loop = asyncio.get_running_loop()
        # Connections opened so far (tests and diagnostics: is the pool reusing?).
        self.connections_made = 0

    async def request(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> HttpResponse:
        """Send one request on a pooled connection; return the whole answer.

        Raises `HttpClientError` when the origin cannot be reached or breaks the exchange,
        `ValueError` for a header that would inject CR/LF, `RuntimeError` after `close()`.
        """
        connection, response = await self._exchange(method, path, body, headers, None)
        self._release(connection)
        return response

    async def stream(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> StreamedResponse:
        """`request()` whose answer's body is read as it arrives (see `StreamedResponse`)."""
        chunks: _Chunks = asyncio.Queue()
        connection, response = await self._exchange(method, path, body, headers, chunks)
        return StreamedResponse(self, connection, response.status, response.headers, chunks)

    async def _exchange(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        chunks: _Chunks | None,
    ) -> tuple[_Connection, HttpResponse]:
        """Send one request on a pooled connection, retried once for the keep-alive race."""
        if self._closed:
            raise RuntimeError(f"HttpClient for {self.origin} is closed")
        data = self._encode(method, path, body, headers)
        connection = self._reuse()
        reused = connection is not None
        if connection is None:
            connection = await self._connect()
        while True:
            try:
                response = await connection.send(data, chunks)
            except ServerDisconnectedError:
                connection.abort()
                if not reused:
                    raise
                reused = False  # the keep-alive race: once more, on a fresh connection
                connection = await self._connect()
                continue
            except BaseException:
                # Cancelled or failed mid-exchange: the connection's state is unknown.
                connection.abort()
                raise
            return connection, response

    def _release(self, connection: _Connection) -> None:
        """A connection whose exchange is over: back to the pool, or closed."""
        if connection.reusable and not self._closed:
            self._idle.append(connection)
        elif connection.transport is not None:
            connection.transport.close()

    async def close(self) -> None:
        """Close every idle connection and refuse further requests."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            if connection.transport is not None:
                connection.transport.close()
        if idle:
            await asyncio.wait([c.gone for c in idle], timeout=_CLOSE_WAIT_SECONDS)

    def _reuse(self) -> _Connection | None:
        idle = self._idle
        while idle:
            connection = idle.pop()
            transport = connection.transport
            if not connection.closed and transport is not None and not transport.is_closing():
                return connection
        return None

    async def _connect(self) -> _Connection:
        try:
            # TCP_NODELAY: asyncio and uvloop both set it on every TCP transport they make.
            _, connection = await self.loop.create_connection(
                lambda: _Connection(self),
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self._ssl is not None else None,
            )
        except OSError as exc:  # ssl.SSLError and TimeoutError included
            raise HttpClientError(
                f"cannot connect to {self.origin}: {type(exc).__name__}: {exc}"
            ) from None
        self.connections_made += 1
        return connection

    def _encode(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
        """The request's bytes: head (UTF-8, as aiohttp wrote it) and body, one buffer."""
        names = {name.lower() for name in headers}
        items: Iterable[tuple[str, str]] = headers.items()
        if not names.isdisjoint(_FRAMING):
            items = [(k, v) for k, v in items if k.lower() not in _FRAMING]
        head = [f"{method} {path} HTTP/1.1\r\n"]
        if "host" not in names:
            head.append(f"Host: {self._host_header}\r\n")
        head.extend([f"{name}: {value}\r\n" for name, value in items])
        if "accept" not in names:
            head.append("Accept: */*\r\n")
        if "content-type" not in names:
            head.append("Content-Type: application/octet-stream\r\n")
        if "user-agent" not in names:
            head.append(f"User-Agent: {_USER_AGENT}\r\n")
        head.append(f"Content-Length: {len(body)}\r\n\r\n")
        text = "".join(head)
        # Every line was written with exactly one CRLF (the last with two): any other CR or
        # LF came from a method, path, name or value, and would start a header of its own.
        lines = len(head) + 1
        if text.count("\n") != lines or text.count("\r") != lines:
            raise ValueError(f"CR or LF in the request line or a header: {text!r}")
        return text.encode() + body


class StreamedResponse:
    """An answer read as it arrives: `status` and `headers` (in the order received), then the
    body's pieces from `next_chunk()`, which gives None at the end. Call `close()` to stop
    early: the connection is dropped (a finished one went back to the pool already)."""

    def __init__(
        self,
        client: HttpClient,
        connection: _Connection,
        status: int,
        headers: list[tuple[str, str]],
        chunks: _Chunks,
    ) -> None:
        self.status = status
        self.headers = headers
        self._client = client
        self._connection: _Connection | None = connection
        self._chunks = chunks

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body; None once it is all read. Raises HttpClientError when
        the connection breaks before the end."""
        connection = self._connection
        if connection is None:
            return None
        item = await self._chunks.get()
        if isinstance(item, bytes):
            return item
        self._connection = None
        if item is None:
            self._client._release(connection)
            return None
        connection.abort()
        raise item

    def close(self) -> None:
        """Stop reading: an unfinished answer's connection is dropped."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.abort()
