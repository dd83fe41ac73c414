"""SharedTimeout: asyncio.timeout's behaviour for waits sharing one duration; SharedDeadline:
a call_later per future, served by one timer."""

from __future__ import annotations

import asyncio
import time

import pytest

from sagegate.timeouts import SharedDeadline, SharedTimeout


async def _sleep_under(shared: SharedTimeout, seconds: float) -> str:
    async with shared():
        await asyncio.sleep(seconds)
    return "finished"


def test_a_wait_that_ends_in_time_is_left_alone() -> None:
    async def main() -> str:
        shared = SharedTimeout(0.5)
        result = await _sleep_under(shared, 0.01)
        # No cancellation is left pending on the task.
        await asyncio.sleep(0.02)
        return result

    assert asyncio.run(main()) == "finished"


def test_a_wait_past_the_deadline_raises_timeout_error_and_the_task_goes_on() -> None:
    async def main() -> tuple[float, str]:
        shared = SharedTimeout(0.1)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await _sleep_under(shared, 5)
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.01)  # the task is not cancelled any more
        return elapsed, "went on"

    elapsed, after = asyncio.run(main())
    assert 0.09 <= elapsed < 1.0
    assert after == "went on"


def test_each_wait_expires_at_its_own_deadline() -> None:
    async def one(shared: SharedTimeout, delay: float, sleep: float) -> tuple[str, float]:
        await asyncio.sleep(delay)
        started = time.monotonic()
        try:
            await _sleep_under(shared, sleep)
        except TimeoutError:
            return "timeout", time.monotonic() - started
        return "finished", time.monotonic() - started

    async def main() -> list[tuple[str, float]]:
        shared = SharedTimeout(0.3)
        return list(
            await asyncio.gather(
                one(shared, 0.0, 5),
                one(shared, 0.1, 0.05),
                one(shared, 0.15, 5),
                one(shared, 0.2, 0.1),
            )
        )

    results = asyncio.run(main())
    assert [outcome for outcome, _ in results] == ["timeout", "finished", "timeout", "finished"]
    for outcome, elapsed in results:
        if outcome == "timeout":
            assert 0.28 <= elapsed < 1.0


def test_a_cancel_from_outside_stays_a_cancel() -> None:
    async def main() -> None:
        shared = SharedTimeout(5)
        task = asyncio.create_task(_sleep_under(shared, 5))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_finished_waits_do_not_pile_up() -> None:
    async def main() -> int:
        shared = SharedTimeout(30)
        for _ in range(1000):
            async with shared():
                await asyncio.sleep(0)
        return shared.pending

    assert asyncio.run(main()) <= 1


def test_works_on_one_loop_after_another() -> None:
    shared = SharedTimeout(0.05)
    for _ in range(2):
        with pytest.raises(TimeoutError):
            asyncio.run(_sleep_under(shared, 5))


def test_the_duration_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        SharedTimeout(0)


class _Late(Exception):
    pass


@pytest.mark.parametrize("runner", ["asyncio", "uvloop"])
def test_deadlines_fail_each_pending_future_at_its_own_time(runner: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadline = SharedDeadline(0.1, _Late)
        started = loop.time()
        early = loop.create_future()
        deadline.watch(early)
        await asyncio.sleep(0.05)
        answered, late = loop.create_future(), loop.create_future()
        deadline.watch(answered)
        deadline.watch(late)
        answered.set_result("in time")
        with pytest.raises(_Late):
            await early
        assert 0.09 <= loop.time() - started < 0.14
        assert not late.done()
        with pytest.raises(_Late):
            await late
        assert 0.14 <= loop.time() - started < 0.2
        assert answered.result() == "in time"
        assert deadline.pending(loop) == 0  # the loop is forgotten once nothing is left

    if runner == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        uvloop.run(main())
    else:
        asyncio.run(main())


def test_deadlines_leave_finished_and_cancelled_futures_alone() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        deadline = SharedDeadline(0.05, _Late)
        futures = [loop.create_future() for _ in range(100)]
        cancelled = loop.create_future()
        for future in [*futures, cancelled]:
            deadline.watch(future)
        for future in futures:
            future.set_result(None)
        cancelled.cancel()
        # Finished futures at the front are dropped as new ones are watched.
        assert deadline.pending(loop) == 101
        fresh = loop.create_future()
        deadline.watch(fresh)
        assert deadline.pending(loop) == 1
        fresh.set_result("done")
        await asyncio.sleep(0.1)
        assert fresh.result() == "done" and cancelled.cancelled()
        assert deadline.pending(loop) == 0

    asyncio.run(main())


def test_deadlines_work_on_one_loop_after_another() -> None:
    deadline = SharedDeadline(0.05, _Late)

    async def main() -> None:
        future = asyncio.get_running_loop().create_future()
        deadline.watch(future)
        with pytest.raises(_Late):
            await future

    asyncio.run(main())
    asyncio.run(main())
