"""Prediction threads: the model's work off the event loop, at a fraction of the usual cost.

`loop.run_in_executor` pays one cross-thread hand-back to the event loop per call. These
workers take calls from one queue and hand results back in batches: the first result that
finds no drain pending schedules one, and every result that arrives before it runs rides
along. Under load that is one wake-up for many predictions; alone, it costs what the executor
costs. A slow prediction still occupies only its own thread. Measured A/B
(`python -m bench.ab workers`, docs/ARCHITECTURE.md): with `run_in_executor` a thread-served
endpoint answered 0.74x the requests per second at 1.6x the CPU per request, with one
`call_soon_threadsafe` per result 0.83x at 1.2x.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]
_Done = tuple["asyncio.Future[Any]", Any, BaseException | None]


class _Inbox:
    """Finished jobs waiting for their event loop, and whether a drain is scheduled."""

    __slots__ = ("done", "scheduled")

    def __init__(self) -> None:
        self.done: list[_Done] = []
        self.scheduled = False


class PredictionWorkers:
    """A fixed set of daemon threads running calls for asyncio callers."""

    def __init__(self, threads: int, *, name: str = "sagegate-model") -> None:
        if threads < 1:
            raise ValueError("at least one prediction thread is needed")
        self._queue: SimpleQueue[_Job | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._inboxes: dict[asyncio.AbstractEventLoop, _Inbox] = {}
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run `fn(*args)` on a worker thread; the future resolves on the caller's loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, fn, args))
        return future

    def close(self) -> None:
        """Stop the threads once they finish what they are running (without waiting)."""
        for _ in self._threads:
            self._queue.put(None)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            loop, future, fn, args = job
            if future.done():  # the caller timed out (or was cancelled) before it started
                continue
            error: BaseException | None = None
            result: Any = None
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the awaiting coroutine
                error = exc
            self._deliver(loop, (future, result, error))

    def _deliver(self, loop: asyncio.AbstractEventLoop, done: _Done) -> None:
        with self._lock:
            inbox = self._inboxes.get(loop)
            if inbox is None:
                inbox = self._inboxes[loop] = _Inbox()
            inbox.done.append(done)
            if inbox.scheduled:
                return
            inbox.scheduled = True
        try:
            loop.call_soon_threadsafe(self._drain, loop)
        except RuntimeError:  # the loop closed while the prediction ran: nobody is waiting
            with self._lock:
                self._inboxes.pop(loop, None)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            # Forget the loop between batches, so a closed loop is never kept alive here.
            inbox = self._inboxes.pop(loop)
            finished = inbox.done
        for future, result, error in finished:
            if future.done():
                continue  # the caller timed out (or was cancelled) and moved on
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
