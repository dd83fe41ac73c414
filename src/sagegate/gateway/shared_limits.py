"""Stage and usage-plan limits that hold for all `--workers N` workers together.

On AWS a throttle or quota holds for the API as a whole; with N worker processes each
keeping its own bucket it would allow N times the configured rate. Here every limit has a
slot in one file-backed shared memory map in the server's run directory, and a take reads
and writes its slot under an exclusive `fcntl.flock` of the file, so two workers never
take the same token and a quota of N allows exactly N requests across all of them.

Only limits pay for this (a method without limits never touches the file), and only under
`--workers N`; one process keeps `limits.LocalLimits`, which take no lock. `python -m bench`
prints what a take costs here and in memory. The lock is the whole file, and it is released
when a worker dies holding it (flock locks belong to the open file), so a crash never
wedges the others.

Every worker makes the same limits in the same order (they compile the same API), so slot
numbers agree without any exchange; a slot that was never used reads as zeros, which both
kinds of limit take for "fresh".
"""

from __future__ import annotations

import fcntl
import mmap
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sagegate.gateway.limits import Limit, Period, period_start

FILE_NAME = "limits.bin"
# Doubles per slot: a bucket is (started, tokens, updated), a quota (period start, count).
_SLOT = 3
# The file is sparse: its size costs no disk until slots are used. 64 Ki limits per API.
MAX_SLOTS = 65_536


class SharedLimits:
    """The `LimitFactory` of a server with several workers: limits kept in `directory`."""

    def __init__(
        self,
        directory: Path,
        *,
        bucket_clock: Callable[[], float] = time.monotonic,
        quota_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`bucket_clock` must be one clock for every process (CLOCK_MONOTONIC is)."""
        self.bucket_clock = bucket_clock
        self.quota_clock = quota_clock
        size = MAX_SLOTS * _SLOT * 8
        self._fd = os.open(directory / FILE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            if os.fstat(self._fd).st_size < size:
                os.ftruncate(self._fd, size)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, size)
        self.values = memoryview(self._map).cast("d")
        self._next = 0

    def _slot(self) -> int:
        if self._next >= MAX_SLOTS:
            raise ValueError(f"more than {MAX_SLOTS} throttles and quotas in one API")
        slot = self._next * _SLOT
        self._next += 1
        return slot

    def bucket(self, rate: float, burst: int) -> Limit:
        """A token bucket all workers take from."""
        return SharedTokenBucket(self, self._slot(), rate, burst)

    def quota(self, limit: int, period: Period, offset: int) -> Limit:
        """A quota all workers count against."""
        return SharedQuota(self, self._slot(), limit, period, offset)

    def lock(self) -> None:
        """Hold the limits exclusively (one take at a time across workers)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def unlock(self) -> None:
        """Let the other workers take."""
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Unmap and close the file (the limits stop working)."""
        self.values.release()
        self._map.close()
        os.close(self._fd)


class SharedTokenBucket:
    """`limits.TokenBucket`'s rule, on a slot of the shared map."""

    __slots__ = ("_clock", "_shared", "_slot", "burst", "rate")

    def __init__(self, shared: SharedLimits, slot: int, rate: float, burst: int) -> None:
        self._shared = shared
        self._slot = slot
        self._clock = shared.bucket_clock
        self.rate = rate
        self.burst = burst

    def take(self) -> bool:
        """Take one token; False when the bucket is empty (the request is throttled)."""
        shared, slot = self._shared, self._slot
        values = shared.values
        shared.lock()
        try:
            now = self._clock()
            if values[slot] == 0.0:  # never used: a full bucket
                values[slot] = 1.0
                tokens = float(self.burst)
            else:
                elapsed = max(0.0, now - values[slot + 2])
                tokens = min(float(self.burst), values[slot + 1] + elapsed * self.rate)
            values[slot + 2] = now
            if tokens < 1.0:
                values[slot + 1] = tokens
                return False
            values[slot + 1] = tokens - 1.0
            return True
        finally:
            shared.unlock()


class SharedQuota:
    """`limits.Quota`'s rule, on a slot of the shared map."""

    __slots__ = ("_clock", "_shared", "_slot", "limit", "offset", "period")

    def __init__(
        self, shared: SharedLimits, slot: int, limit: int, period: Period, offset: int
    ) -> None:
        self._shared = shared
        self._slot = slot
        self._clock = shared.quota_clock
        self.limit = limit
        self.period: Period = period
        self.offset = offset

    def take(self) -> bool:
        """Count one request; False when this period's quota is spent."""
        start = period_start(self._clock(), self.period, self.offset).timestamp()
        shared, slot = self._shared, self._slot
        values = shared.values
        shared.lock()
        try:
            if values[slot] != start:
                values[slot] = start
                values[slot + 1] = 0.0
            if values[slot + 1] >= self.limit:
                return False
            values[slot + 1] += 1.0
            return True
        finally:
            shared.unlock()
