"""Timeouts for many concurrent waits that share one duration, at a fraction of the usual cost.

`asyncio.timeout` (or a `call_later` + `cancel`) arms and cancels one loop timer per use
(measured here on uvloop: 3-4 µs per `async with`). When every wait has the same duration,
deadlines expire in the order the waits began: the waits queue up in a deque and one loop
timer, armed for the oldest live deadline, serves them all. A wait that ends only marks its
entry; finished entries are dropped from the front as new waits arrive, or when the timer fires.

- `SharedTimeout`: `asyncio.timeout` for a block of code (the gateway's integration timeout).
  Expiry behaves exactly as `asyncio.timeout`'s: the waiting task is cancelled, and the
  cancellation leaves the `async with` as `TimeoutError` unless something else cancelled the
  task too. https://docs.python.org/3/library/asyncio-task.html#asyncio.timeout
- `SharedDeadline`: fails a watched future with a given error when it is still pending at its
  deadline (the endpoint host's invocation timeout).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Timers(Generic[T]):
    """Items whose deadlines fall in the order they were added, one loop timer per loop.

    Every item gets the same duration, so the oldest live item always has the next deadline:
    items queue up in a deque, and one timer armed for the oldest live deadline serves them
    all. `finished(item)` tells an item that needs no more timing (dropped from the front as
    new items arrive, or when the timer fires); `expire(item)` is called for an item still
    live at its deadline. When the timer armed for deadline D fires, every item due by D
    expires, as its own timer for D would have fired then (uvloop's timers have millisecond
    resolution and may fire a little early). A loop is forgotten once it has nothing left to
    time, so a loop that closed with nothing pending is not kept alive here.
    """

    def __init__(
        self, seconds: float, finished: Callable[[T], bool], expire: Callable[[T], None]
    ) -> None:
        if seconds <= 0:
            raise ValueError("the timeout must be positive")
        self.seconds = seconds
        self._finished = finished
        self._expire_item = expire
        self._queues: dict[asyncio.AbstractEventLoop, _Queue[T]] = {}

    def add(self, loop: asyncio.AbstractEventLoop, item: T) -> None:
        """Start `item`'s clock (call on `loop`'s thread)."""
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        entries = queue.entries
        finished = self._finished
        while entries and finished(entries[0][1]):
            entries.popleft()
        deadline = loop.time() + self.seconds
        entries.append((deadline, item))
        if queue.timer is None:
            queue.armed = deadline
            queue.timer = loop.call_at(deadline, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        queue = self._queues[loop]
        queue.timer = None
        now = max(loop.time(), queue.armed)
        entries = queue.entries
        while entries:
            deadline, item = entries[0]
            if self._finished(item):
                entries.popleft()
            elif deadline <= now:
                entries.popleft()
                self._expire_item(item)
            else:
                queue.armed = deadline
                queue.timer = loop.call_at(deadline, self._fire, loop)
                return
        del self._queues[loop]

    def pending(self, loop: asyncio.AbstractEventLoop) -> int:
        """Items still queued on `loop` (finished ones are dropped lazily)."""
        queue = self._queues.get(loop)
        return 0 if queue is None else len(queue.entries)


class _Queue(Generic[T]):
    """The items one loop is timing, oldest first, and the deadline its timer is armed for."""

    __slots__ = ("armed", "entries", "timer")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, T]] = deque()
        self.timer: asyncio.TimerHandle | None = None
        self.armed = 0.0


class _Wait:
    """One `async with` under a SharedTimeout."""

    __slots__ = ("cancelling", "done", "expired", "task")

    def __init__(self) -> None:
        self.task: asyncio.Task[object] | None = None
        self.cancelling = 0
        self.done = False
        self.expired = False

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("SharedTimeout must be used inside a task")
        self.task = task
        self.cancelling = task.cancelling()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.done = True
        if self.expired:
            assert self.task is not None
            # As asyncio.timeout: our cancel becomes TimeoutError unless another one is pending.
            if self.task.uncancel() <= self.cancelling and exc_type is asyncio.CancelledError:
                raise TimeoutError from exc

    @staticmethod
    def finished(wait: _Wait) -> bool:
        return wait.done

    @staticmethod
    def expire(wait: _Wait) -> None:
        task = wait.task
        if task is not None and not task.done():
            wait.expired = True
            task.cancel()


class SharedTimeout:
    """Hands out `async with` windows of `seconds`, all served by one loop timer per loop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timers: _Timers[_Wait] = _Timers(seconds, _Wait.finished, _Wait.expire)

    def __call__(self) -> _Wait:
        """A window that ends `seconds` from now: `async with shared(): ...`."""
        wait = _Wait()
        self._timers.add(asyncio.get_running_loop(), wait)
        return wait

    @property
    def pending(self) -> int:
        """Waits still queued on the running loop (finished ones are dropped lazily)."""
        return self._timers.pending(asyncio.get_running_loop())


class SharedDeadline:
    """Fails every watched future with `error()` if it is still pending `seconds` after it
    was watched: a `call_later` per future, served by one loop timer per loop."""

    def __init__(self, seconds: float, error: Callable[[], BaseException]) -> None:
        self.seconds = seconds
        self._error = error
        self._timers: _Timers[asyncio.Future[Any]] = _Timers(
            seconds, lambda future: future.done(), self._fail
        )

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Start `future`'s clock (call on its loop's thread)."""
        self._timers.add(future.get_loop(), future)

    def _fail(self, future: asyncio.Future[Any]) -> None:
        future.set_exception(self._error())

    def pending(self, loop: asyncio.AbstractEventLoop) -> int:
        """Futures still queued on `loop` (finished ones are dropped lazily)."""
        return self._timers.pending(loop)
