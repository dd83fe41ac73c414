"""uvicorn's httptools protocol, writing each loop iteration's output in one go per connection.

uvicorn writes a response's head and its body with two `transport.write` calls, each a
`send` system call and, with TCP_NODELAY, a segment of its own that wakes the client. Here
the writes of one loop iteration are held per connection and leave together when the
iteration's callbacks are done: one system call per connection per iteration, and a client
reading many connections is woken once for all the responses that became ready together.
Nothing waits longer than the rest of the iteration it was written in.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("sagegate.http")

# Above this many bytes held, a connection's writes leave at once: large bodies keep the
# transport's own buffering and flow control.
FLUSH_AT_BYTES = 64 * 1024


class _IterationFlush:
    """The connections of one loop holding bytes; flushed by one callback per iteration."""

    __slots__ = ("_loop", "_pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weak: this object is the value of a weak-keyed map of loops.
        self._loop = weakref.ref(loop)
        self._pending: list[CoalescingTransport] = []

    def add(self, transport: CoalescingTransport) -> None:
        if not self._pending:
            loop = self._loop()
            if loop is None:  # only a transport outliving its loop gets here
                transport.flush()
                return
            loop.call_soon(self.flush)
        self._pending.append(transport)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for transport in pending:
            try:
                transport.flush()
            except Exception:  # one connection's failure must not hold the others' bytes
                logger.exception("writing a response failed")


class CoalescingTransport:
    """A transport whose writes are joined until the end of the loop iteration."""

    __slots__ = ("_chunks", "_flush", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport, flush: _IterationFlush) -> None:
        self._transport = transport
        self._flush = flush
        self._chunks: list[bytes] = []
        self._held = 0

    def write(self, data: bytes) -> None:
        chunks = self._chunks
        chunks.append(data)
        self._held += len(data)
        if self._held >= FLUSH_AT_BYTES:
            self.flush()
        elif len(chunks) == 1:
            self._flush.add(self)

    def writelines(self, lines: Iterable[bytes]) -> None:
        for data in lines:
            self.write(data)

    def get_write_buffer_size(self) -> int:
        return self._held + self._transport.get_write_buffer_size()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def flush(self) -> None:
        chunks = self._chunks
        if chunks:
            self._chunks = []
            self._held = 0
            if self._transport.is_closing():
                # Closed under us after the bytes were written (aborted, or closed by a
                # holder of the raw transport): nobody reads them, and a closed uvloop
                # transport refuses the write.
                return
            self._transport.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._chunks = []
        self._held = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


_FLUSHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _IterationFlush] = (
    weakref.WeakKeyDictionary()
)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a `CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        flush = _FLUSHES.get(self.loop)
        if flush is None:
            flush = _FLUSHES[self.loop] = _IterationFlush(self.loop)
        super().connection_made(CoalescingTransport(transport, flush))  # type: ignore[arg-type]
