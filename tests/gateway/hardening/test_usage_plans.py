"""API keys, usage-plan throttling and quota, and stage-wide throttling, over a real server.

Time is stepped through the gateway's injected clocks: nothing sleeps to wait for a refill.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sagegate.gateway.app import GatewaySettings
from sagegate.spec import Spec, SpecError
from tests.gateway.factories import spec_gateway
from tests.gateway.hardening.support import assert_aws_error, echo_spec_data
from tests.servers import serve_in_thread

KEY_A = "key-a-0123456789abcdefghij"
KEY_B = "key-b-0123456789abcdefghij"


class SteppedClocks:
    """A monotonic clock and a UTC calendar that only move when told to."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self.now = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.seconds

    def calendar(self) -> datetime:
        return self.now


def _served(root: Path, clocks: SteppedClocks, **spec_options: Any) -> Iterator[str]:
    spec = Spec.from_mapping(echo_spec_data(root, **spec_options))
    gateway = spec_gateway(
        spec, GatewaySettings(bucket_clock=clocks.monotonic, quota_clock=clocks.calendar)
    )
    with serve_in_thread(gateway) as url:
        yield url


def _get(url: str, key: str | None = None) -> requests.Response:
    headers = {"x-api-key": key} if key is not None else {}
    return requests.get(f"{url}/v1/echo/hi", headers=headers, timeout=30)


@pytest.fixture
def clocks() -> SteppedClocks:
    return SteppedClocks()


@pytest.fixture
def keyed_api(tmp_path: Path, clocks: SteppedClocks) -> Iterator[str]:
    """api_key_required, a plan of rate 1/s burst 2 and a quota of 5 a day, two keys."""
    yield from _served(
        tmp_path,
        clocks,
        api={"api_key_required": True},
        usage_plan={
            "throttle": {"rate_limit": 1, "burst_limit": 2},
            "quota": {"limit": 5, "period": "DAY"},
            "api_keys": [KEY_A, KEY_B],
        },
    )


@pytest.mark.parametrize("key", [None, "", "not-a-key", KEY_A.upper()])
def test_missing_or_unknown_api_key_is_forbidden(keyed_api: str, key: str | None) -> None:
    assert_aws_error(_get(keyed_api, key), 403, "ForbiddenException", "Forbidden")


def test_usage_plan_throttles_per_key_and_refills_with_time(
    keyed_api: str, clocks: SteppedClocks
) -> None:
    assert [_get(keyed_api, KEY_A).status_code for _ in range(2)] == [200, 200]
    assert_aws_error(_get(keyed_api, KEY_A), 429, "TooManyRequestsException", "Too Many Requests")
    # Each key has its own bucket.
    assert _get(keyed_api, KEY_B).status_code == 200
    clocks.seconds += 1.0  # one token back at 1 request/s
    assert _get(keyed_api, KEY_A).status_code == 200
    assert _get(keyed_api, KEY_A).status_code == 429


def test_usage_plan_quota_is_spent_then_renewed_next_day(
    keyed_api: str, clocks: SteppedClocks
) -> None:
    statuses = []
    for _ in range(6):
        clocks.seconds += 10.0  # never throttled: only the quota counts here
        statuses.append(_get(keyed_api, KEY_A).status_code)
    assert statuses == [200, 200, 200, 200, 200, 429]
    clocks.seconds += 10.0
    assert_aws_error(_get(keyed_api, KEY_A), 429, "LimitExceededException", "Limit Exceeded")
    assert _get(keyed_api, KEY_B).status_code == 200  # the quota is per key
    clocks.now += timedelta(days=1)
    clocks.seconds += 10.0
    assert _get(keyed_api, KEY_A).status_code == 200


def test_throttled_requests_do_not_spend_the_quota(keyed_api: str, clocks: SteppedClocks) -> None:
    statuses = [_get(keyed_api, KEY_A).status_code for _ in range(10)]
    assert statuses == [200, 200] + [429] * 8
    for _ in range(3):
        clocks.seconds += 10.0
        assert _get(keyed_api, KEY_A).status_code == 200  # 5 in all: the quota was intact


def test_stage_wide_throttling_applies_to_everyone(tmp_path: Path, clocks: SteppedClocks) -> None:
    for url in _served(tmp_path, clocks, api={"throttling": {"rate_limit": 2, "burst_limit": 3}}):
        assert [_get(url).status_code for _ in range(3)] == [200, 200, 200]
        assert_aws_error(_get(url), 429, "TooManyRequestsException", "Too Many Requests")
        clocks.seconds += 0.5  # 2/s: one token
        assert [_get(url).status_code for _ in range(2)] == [200, 429]
        clocks.seconds += 60.0  # refills to the burst, not beyond
        assert [_get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_burst_zero_stage_throttles_every_request(tmp_path: Path, clocks: SteppedClocks) -> None:
    for url in _served(tmp_path, clocks, api={"throttling": {"rate_limit": 0, "burst_limit": 0}}):
        assert _get(url).status_code == 429


def test_api_key_without_a_usage_plan_is_refused_at_spec_load(tmp_path: Path) -> None:
    data = echo_spec_data(tmp_path, api={"api_key_required": True}, create_usage_plan=False)
    with pytest.raises(SpecError, match=r"api_key_required needs create_usage_plan: true"):
        Spec.from_mapping(data)


def test_usage_plan_block_with_create_usage_plan_false_is_refused(tmp_path: Path) -> None:
    data = echo_spec_data(tmp_path, create_usage_plan=False, usage_plan={"api_keys": [KEY_A]})
    with pytest.raises(SpecError, match=r"usage_plan is given but create_usage_plan is false"):
        Spec.from_mapping(data)
