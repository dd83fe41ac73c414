from datetime import UTC, datetime

from sagegate.gateway.limits import Quota, TokenBucket, period_start


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refills_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5  # one token back at 2/s
    assert [bucket.take() for _ in range(2)] == [True, False]
    clock.now = 100.0  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3


def test_quota_resets_each_period() -> None:
    now = [datetime(2026, 11, 25, 23, 59, tzinfo=UTC)]
    quota = Quota(2, "DAY", clock=lambda: now[0])
    assert [quota.take() for _ in range(3)] == [True, True, False]
    now[0] = datetime(2026, 11, 26, 0, 0, 1, tzinfo=UTC)
    assert quota.take() is True
    assert quota.remaining == 1


def test_period_starts() -> None:
    wed = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert period_start(wed, "WEEK") == datetime(2026, 11, 23, tzinfo=UTC)
    assert period_start(wed, "MONTH") == datetime(2026, 11, 1, tzinfo=UTC)
    assert period_start(wed, "MONTH", offset=27) == datetime(2026, 10, 28, tzinfo=UTC)
