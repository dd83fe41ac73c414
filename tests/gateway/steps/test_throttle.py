from datetime import UTC, datetime

import pytest

from sagegate.gateway.limits import Quota, TokenBucket
from sagegate.gateway.responses import InvalidApiKey, QuotaExceeded, Throttled
from sagegate.gateway.steps.throttle import Throttle, UsagePlanKey
from tests.gateway.factories import invocation

KEY = "a-local-api-key-value-0001"


def still() -> float:
    return 0.0  # time stands still: no refill


def today() -> datetime:
    return datetime(2026, 11, 25, tzinfo=UTC)


def step(*, burst: int = 2, quota: int = 3, period: str = "DAY") -> Throttle:
    key = UsagePlanKey(
        "key1",
        TokenBucket(1, burst, clock=still),
        Quota(quota, period, clock=today),  # type: ignore[arg-type]
    )
    return Throttle(api_key_required=True, keys={KEY: key}, stage_bucket=None)


def call(throttle: Throttle, key: str | None = KEY) -> None:
    headers = [("Host", "localhost")] + ([("x-api-key", key)] if key else [])
    throttle(invocation(headers=headers))


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_missing_or_unknown_key_is_forbidden(key: str | None) -> None:
    with pytest.raises(InvalidApiKey) as raised:
        call(step(), key)
    assert raised.value.body() == b'{"message":"Forbidden"}'


def test_usage_plan_burst_then_throttled() -> None:
    throttle = step()
    call(throttle)
    call(throttle)
    with pytest.raises(Throttled) as raised:
        call(throttle)
    assert (raised.value.status_code, raised.value.message) == (429, "Too Many Requests")


def test_quota_then_limit_exceeded() -> None:
    throttle = Throttle(
        api_key_required=True,
        keys={KEY: UsagePlanKey("key1", None, Quota(2, "MONTH", clock=today))},
        stage_bucket=None,
    )
    call(throttle)
    call(throttle)
    with pytest.raises(QuotaExceeded) as raised:
        call(throttle)
    assert raised.value.body() == b'{"message":"Limit Exceeded"}'


def test_stage_limit_applies_without_api_keys() -> None:
    throttle = Throttle(
        api_key_required=False, keys={}, stage_bucket=TokenBucket(0, 1, clock=still)
    )
    call(throttle, None)
    with pytest.raises(Throttled):
        call(throttle, None)
