"""Prediction threads: results, errors, cancellation, batching, and a slow call alone."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from sagegate.endpoint.workers import PredictionWorkers


def test_results_and_errors_reach_the_caller() -> None:
    workers = PredictionWorkers(2)

    async def main() -> None:
        assert await workers.submit(lambda a, b: a + b, 2, 3) == 5
        with pytest.raises(ZeroDivisionError):
            await workers.submit(lambda: 1 / 0)

    try:
        asyncio.run(main())
    finally:
        workers.close()


def test_work_runs_off_the_event_loop_thread() -> None:
    workers = PredictionWorkers(1)

    async def main() -> None:
        ran_on = await workers.submit(threading.current_thread)
        assert ran_on is not threading.current_thread()
        assert ran_on.name.startswith("sagegate-model")

    try:
        asyncio.run(main())
    finally:
        workers.close()


def test_many_results_share_few_wake_ups() -> None:
    workers = PredictionWorkers(2)
    drains = 0
    original = workers._drain

    def counting(loop: asyncio.AbstractEventLoop) -> None:
        nonlocal drains
        drains += 1
        original(loop)

    workers._drain = counting  # type: ignore[method-assign]

    async def main() -> list[int]:
        return list(await asyncio.gather(*(workers.submit(lambda i=i: i) for i in range(500))))

    try:
        assert asyncio.run(main()) == list(range(500))
    finally:
        workers.close()
    # Handed back in batches: at least ten results a wake-up on average (one result a
    # wake-up, the plain form, would be 500; a quiet machine sees 1).
    assert drains <= 50, drains


def test_a_slow_call_does_not_hold_up_a_fast_one() -> None:
    workers = PredictionWorkers(2)

    async def main() -> None:
        slow = workers.submit(time.sleep, 1.0)
        started = time.monotonic()
        assert await workers.submit(lambda: "fast") == "fast"
        assert time.monotonic() - started < 0.5
        slow.cancel()

    try:
        asyncio.run(main())
    finally:
        workers.close()


def test_a_cancelled_caller_is_skipped_and_the_workers_go_on() -> None:
    workers = PredictionWorkers(1)

    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await workers.submit(time.sleep, 0.3)
        assert await workers.submit(lambda: 7) == 7

    try:
        asyncio.run(main())
    finally:
        workers.close()


def test_results_for_a_closed_loop_are_dropped_quietly() -> None:
    workers = PredictionWorkers(1)
    release = threading.Event()

    async def submit_and_leave() -> None:
        workers.submit(release.wait, 5)

    asyncio.run(submit_and_leave())  # the loop closes with the call still running
    release.set()

    async def later() -> int:
        return await workers.submit(lambda: 1)

    try:
        assert asyncio.run(later()) == 1
    finally:
        workers.close()


def test_a_result_for_a_future_already_done_is_dropped_quietly() -> None:
    workers = PredictionWorkers(1)
    release = threading.Event()

    async def main() -> None:
        loop_errors: list[object] = []
        asyncio.get_running_loop().set_exception_handler(lambda _l, c: loop_errors.append(c))
        future = workers.submit(release.wait, 5)
        future.set_exception(LookupError("expired"))  # as the invocation timeout does
        release.set()
        with pytest.raises(LookupError):
            await future
        skipped = workers.submit(lambda: 1)
        skipped.set_result(2)  # done before its result comes back: the result is dropped
        assert await workers.submit(lambda: 7) == 7
        assert loop_errors == []

    try:
        asyncio.run(main())
    finally:
        workers.close()
