"""InvokeEndpointWithResponseStream's answer: the parts of a streamed prediction as they come.

The host answers once the model has produced its first part (until then every failure is an
ordinary InvokeEndpoint error); an `InvocationStream` then yields that part and each further
one as the model's iterator produces it, each ``next()`` run on a prediction thread. The next
part is asked for as soon as one is handed over, so the model works while the caller sends.
A stream that fails later ends with a ``ModelStreamError`` item, after the parts already
given. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from sagegate.endpoint.errors import STREAM_TIMEOUT, ModelStreamError
from sagegate.endpoint.handler import InferenceError, PartStream
from sagegate.endpoint.workers import PredictionWorkers

logger = logging.getLogger("sagegate.endpoint")

StreamItem = bytes | ModelStreamError


class ResponseStream(Protocol):
    """A streamed answer, from the local runtime or a container: `status`, `headers`, then
    ``async for`` over its items; `cancel()` when the caller stops early."""

    status: int
    headers: list[tuple[str, str]]

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        """The items: parts' bytes, and at most one ModelStreamError, last."""
        ...

    def cancel(self) -> None:
        """Stop reading and release what the stream holds."""
        ...


class _Expired(Exception):
    """The stream's time ran out while the model was working on a part."""


class _Cancelled(Exception):
    """The caller stopped reading (it went away)."""


class InvocationStream:
    """A started stream: `status` 200, the response `headers`, then ``async for`` over its
    items: each part's bytes, and at most one `ModelStreamError`, last.

    `deadline` (event-loop time) is when the whole stream must be over: a part still being
    made then ends the stream with ModelInvocationTimeExceeded. `broken` turns the message of a
    model's failure mid-stream into the ModelStreamError the caller gets. A caller that stops early
    calls `cancel()`, which closes the model's iterator (its ``finally`` blocks run) on a
    prediction thread.
    """

    status = 200

    def __init__(
        self,
        headers: list[tuple[str, str]],
        first: bytes,
        rest: PartStream | None,
        *,
        workers: PredictionWorkers,
        deadline: float,
        broken: Callable[[str], ModelStreamError],
        name: str = "",
    ) -> None:
        self.headers = headers
        self.name = name
        self._first: bytes | None = first
        self._rest = rest
        self._workers = workers
        self._broken = broken
        self._pending: asyncio.Future[bytes | None] | None = None
        self._abandoned = False
        self._timer: asyncio.TimerHandle | None = None
        if rest is not None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._expire)

    def __aiter__(self) -> InvocationStream:
        return self

    async def __anext__(self) -> StreamItem:
        first = self._first
        if first is not None:
            self._first = None
            self._ask()
            if first:
                return first
        pending = self._pending
        if pending is None:
            raise StopAsyncIteration
        try:
            part = await pending
        except _Expired:
            self._end(close=True)
            logger.error("stream %s: the model did not finish in time", self.name)
            return STREAM_TIMEOUT
        except _Cancelled:
            raise StopAsyncIteration from None
        except InferenceError as exc:
            self._end(close=True)
            logger.error("stream %s failed after it started", self.name, exc_info=exc.__cause__)
            return self._broken(exc.message)
        if part is None:
            self._end(close=False)
            raise StopAsyncIteration
        self._ask()
        return part

    def cancel(self) -> None:
        """Stop: the model's iterator is closed (on a prediction thread) and the stream ends.
        Does nothing once the stream is over."""
        pending = self._pending
        if pending is not None:
            if not pending.done():
                pending.set_exception(_Cancelled())
            if not pending.cancelled():
                pending.exception()  # retrieved: nobody may await it any more
        self._end(close=True)

    def _ask(self) -> None:
        """Have a prediction thread make the next part (None: the model has no more)."""
        if self._rest is None or self._abandoned:
            self._pending = None
        else:
            self._pending = self._workers.submit(self._pull, self._rest)

    def _pull(self, rest: PartStream) -> bytes | None:
        # On a prediction thread.
        if self._abandoned:
            return None
        return next(rest, None)

    def _expire(self) -> None:
        self._timer = None
        pending = self._pending
        if pending is not None and not pending.done():
            pending.set_exception(_Expired())
        else:
            # Between parts: the next one is not asked for, and the caller learns at once.
            future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
            future.set_exception(_Expired())
            self._pending = future
            self._close_model()

    def _end(self, *, close: bool) -> None:
        """The stream is over: finished (`close` False: the model's iterator is done), or
        failed, timed out or cancelled."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending = None
        if close:
            self._close_model()
        else:
            self._abandoned = True

    def _close_model(self) -> None:
        if not self._abandoned and self._rest is not None:
            self._abandoned = True
            # PartStream.close waits for a next() still running on another thread.
            self._workers.submit(self._rest.close)
