"""`asyncio.timeout` for many concurrent waits that share one duration, at a fraction of its cost.

`asyncio.timeout` arms and cancels one loop timer per use (measured here on uvloop: 3-4 µs per
`async with`, twice per gateway request: the integration timeout and the endpoint's). Every
wait under a `SharedTimeout` has the same duration, so deadlines expire in the order the waits
began: the waits queue up in a deque and one loop timer, armed for the oldest live deadline,
serves them all. A wait that ends only marks its entry; the timer drops such entries lazily.

Expiry behaves exactly as `asyncio.timeout`'s: the waiting task is cancelled, and the
cancellation leaves the `async with` as `TimeoutError` unless something else cancelled the
task too. https://docs.python.org/3/library/asyncio-task.html#asyncio.timeout
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class _Wait:
    """One `async with` under a SharedTimeout."""

    __slots__ = ("cancelling", "deadline", "done", "expired", "owner", "task")

    def __init__(self, owner: SharedTimeout, deadline: float) -> None:
        self.owner = owner
        self.deadline = deadline
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


class SharedTimeout:
    """Hands out `async with` windows of `seconds`, all served by one loop timer per loop.

    Use from one event loop (each server process has its own gateway and loop).
    """

    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the timeout must be positive")
        self.seconds = seconds
        self._waits: deque[_Wait] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> _Wait:
        """A window that ends `seconds` from now: `async with shared(): ...`."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new loop (tests run several): what was queued belongs to the old one.
            self._reset(loop)
        waits = self._waits
        # Waits end roughly in the order they began: drop the finished ones at the front,
        # so the queue stays as long as the requests in flight.
        while waits and waits[0].done:
            waits.popleft()
        wait = _Wait(self, loop.time() + self.seconds)
        waits.append(wait)
        if self._timer is None:
            self._timer = loop.call_at(wait.deadline, self._expire)
        return wait

    def _reset(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._waits.clear()
        self._loop = loop

    def _expire(self) -> None:
        self._timer = None
        loop = self._loop
        assert loop is not None
        now = loop.time()
        waits = self._waits
        while waits:
            wait = waits[0]
            if wait.done:
                waits.popleft()
            elif wait.deadline <= now:
                waits.popleft()
                if wait.task is not None and not wait.task.done():
                    wait.expired = True
                    wait.task.cancel()
            else:
                self._timer = loop.call_at(wait.deadline, self._expire)
                return

    @property
    def pending(self) -> int:
        """Waits still queued (finished ones are dropped when the timer next fires)."""
        return len(self._waits)
