from datetime import UTC, datetime

import pytest

from sagegate.gateway.responses import InvalidApiKey, QuotaExceeded, Throttled
from sagegate.gateway.steps.throttle import Throttle
from sagegate.spec import ApiSettings, Quota, UsagePlanSpec
from sagegate.spec import Throttle as Limit
from tests.gateway.factories import invocation

KEY = "a-local-api-key-value-0001"


def step(**api: object) -> Throttle:
    return Throttle.from_spec(
        ApiSettings.model_validate({"api_key_required": True, **api}),
        UsagePlanSpec(
            throttle=Limit(rate_limit=1, burst_limit=2),
            quota=Quota(limit=3, period="DAY"),
            api_keys=[KEY],
        ),
        bucket_clock=lambda: 0.0,  # time stands still: no refill
        quota_clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
    )


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
    throttle = Throttle.from_spec(
        ApiSettings(api_key_required=True),
        UsagePlanSpec(quota=Quota(limit=2, period="MONTH"), api_keys=[KEY]),
        bucket_clock=lambda: 0.0,
        quota_clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
    )
    call(throttle)
    call(throttle)
    with pytest.raises(QuotaExceeded) as raised:
        call(throttle)
    assert raised.value.body() == b'{"message":"Limit Exceeded"}'


def test_stage_limit_applies_without_api_keys() -> None:
    throttle = Throttle.from_spec(
        ApiSettings(throttling=Limit(rate_limit=0, burst_limit=1)),
        None,
        bucket_clock=lambda: 0.0,
        quota_clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
    )
    call(throttle, None)
    with pytest.raises(Throttled):
        call(throttle, None)
