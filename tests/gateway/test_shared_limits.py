"""Limits shared by workers: two `SharedLimits` on one directory behave as one limit."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from sagegate.gateway.shared_limits import SharedLimits


class Clock:
    def __init__(self) -> None:
        self.seconds = 5_000.0
        self.now = datetime(2026, 11, 25, 23, 59, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.seconds

    def calendar(self) -> datetime:
        return self.now


def _pair(directory: Path, clock: Clock) -> tuple[SharedLimits, SharedLimits]:
    return tuple(  # type: ignore[return-value]
        SharedLimits(directory, bucket_clock=clock.monotonic, quota_clock=clock.calendar)
        for _ in range(2)
    )


def test_a_quota_counts_the_requests_of_both_workers(tmp_path: Path) -> None:
    clock = Clock()
    one, two = _pair(tmp_path, clock)
    quotas = [one.quota(5, "DAY", 0), two.quota(5, "DAY", 0)]
    taken = [quotas[i % 2].take() for i in range(8)]
    assert taken == [True] * 5 + [False] * 3
    clock.now = datetime(2026, 11, 26, 0, 0, 1, tzinfo=UTC)  # a new day, a new quota
    assert quotas[1].take() is True


def test_a_bucket_is_one_bucket_for_both_workers(tmp_path: Path) -> None:
    clock = Clock()
    one, two = _pair(tmp_path, clock)
    buckets = [one.bucket(2.0, 3), two.bucket(2.0, 3)]
    assert [buckets[i % 2].take() for i in range(4)] == [True, True, True, False]
    clock.seconds += 0.5  # one token back at 2/s, for whichever worker comes first
    assert [buckets[1].take(), buckets[0].take()] == [True, False]
    clock.seconds += 100.0  # never more than the burst
    assert sum(buckets[i % 2].take() for i in range(10)) == 3


def _take_quota(directory: str, count: int, results: multiprocessing.Queue[int]) -> None:
    limits = SharedLimits(Path(directory))
    quota = limits.quota(500, "DAY", 0)
    results.put(sum(quota.take() for _ in range(count)))


def test_processes_taking_at_once_never_exceed_the_quota(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    workers = [
        context.Process(target=_take_quota, args=(str(tmp_path), 400, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert results.get(timeout=5) + results.get(timeout=5) == 500
