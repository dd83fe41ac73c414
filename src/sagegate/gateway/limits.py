"""Token buckets and quotas, as API Gateway applies stage and usage-plan limits.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
These keep their state in this process, with no lock; with `--workers N` the limits are
`shared_limits`' instead, whose state all workers share (a limit holds for the API as a
whole, as on AWS). Both are made by a `LimitFactory`, once per limit at load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol


class Limit(Protocol):
    """A bucket or a quota: `take` counts one request, False when it is over the limit."""

    def take(self) -> bool:
        """Count one request; False when the limit refuses it."""


Period = Literal["DAY", "WEEK", "MONTH"]


class LimitFactory(Protocol):
    """Makes the limits of an API at load: in this process, or shared by workers."""

    def bucket(self, rate: float, burst: int) -> Limit:
        """A token bucket: `rate` tokens per second, at most `burst`."""

    def quota(self, limit: int, period: Period, offset: int) -> Limit:
        """At most `limit` requests per calendar period."""


class TokenBucket:
    """`rate` tokens per second refill a bucket of `burst`; a request takes one token."""

    __slots__ = ("_clock", "_tokens", "_updated", "burst", "rate")

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> bool:
        """Take one token; False when the bucket is empty (the request is throttled)."""
        now = self._clock()
        elapsed = now - self._updated
        self._updated = now
        tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True


def period_start(now: datetime, period: Period, offset: int = 0) -> datetime:
    """The UTC start of the quota period containing `now` (weeks start on Monday).

    `offset` shifts the start: days into the week or month, as the usage plan's quota offset.
    """
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "DAY":
        return day
    if period == "WEEK":
        start = day - timedelta(days=day.weekday()) + timedelta(days=offset)
        return start if start <= day else start - timedelta(days=7)
    start = day.replace(day=1) + timedelta(days=offset)
    if start <= day:
        return start
    previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    return previous + timedelta(days=offset)


class Quota:
    """At most `limit` requests per calendar period."""

    __slots__ = ("_clock", "_count", "_start", "limit", "offset", "period")

    def __init__(
        self,
        limit: int,
        period: Period,
        offset: int = 0,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.limit = limit
        self.period: Period = period
        self.offset = offset
        self._clock = clock
        self._start: datetime | None = None
        self._count = 0

    def take(self) -> bool:
        """Count one request; False when this period's quota is spent."""
        start = period_start(self._clock(), self.period, self.offset)
        if start != self._start:
            self._start, self._count = start, 0
        if self._count >= self.limit:
            return False
        self._count += 1
        return True

    @property
    def remaining(self) -> int:
        """Requests left in the current period."""
        start = period_start(self._clock(), self.period, self.offset)
        return self.limit if start != self._start else max(0, self.limit - self._count)


class LocalLimits:
    """Limits whose state lives in this process (one worker, or a test client)."""

    def __init__(
        self,
        bucket_clock: Callable[[], float] = time.monotonic,
        quota_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bucket_clock = bucket_clock
        self.quota_clock = quota_clock

    def bucket(self, rate: float, burst: int) -> Limit:
        """A `TokenBucket` on this process' clock."""
        return TokenBucket(rate, burst, clock=self.bucket_clock)

    def quota(self, limit: int, period: Period, offset: int) -> Limit:
        """A `Quota` on this process' calendar."""
        return Quota(limit, period, offset, clock=self.quota_clock)
