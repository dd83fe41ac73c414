"""Throttle: the API key check, then the usage plan's and the stage's limits.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
For parity with API Gateway, a method that does not require an API key does not count
towards a usage plan's throttle or quota; the stage-wide limit applies to every request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sagegate.gateway.context import Invocation
from sagegate.gateway.limits import Quota, TokenBucket
from sagegate.gateway.responses import InvalidApiKey, QuotaExceeded, Throttled
from sagegate.spec import ApiSettings, UsagePlanSpec
from sagegate.spec import Throttle as SpecThrottle


class UsagePlanKey:
    """One API key's limits under the usage plan."""

    def __init__(self, key_id: str, bucket: TokenBucket | None, quota: Quota | None) -> None:
        self.key_id = key_id
        self.bucket = bucket
        self.quota = quota


class Throttle:
    """Checks x-api-key when required, then token buckets and quota."""

    def __init__(
        self,
        *,
        api_key_required: bool,
        keys: dict[str, UsagePlanKey],
        stage_bucket: TokenBucket | None,
    ) -> None:
        self.api_key_required = api_key_required
        self.keys = keys
        self.stage_bucket = stage_bucket

    @classmethod
    def from_spec(
        cls,
        api: ApiSettings,
        plan: UsagePlanSpec | None,
        *,
        bucket_clock: Callable[[], float],
        quota_clock: Callable[[], datetime],
    ) -> Throttle:
        """The step for a spec's API settings and usage plan; each key gets its own limits."""

        def bucket(limit: SpecThrottle | None) -> TokenBucket | None:
            if limit is None:
                return None
            return TokenBucket(limit.rate_limit, limit.burst_limit, clock=bucket_clock)

        def quota() -> Quota | None:
            if plan is None or plan.quota is None:
                return None
            q = plan.quota
            return Quota(q.limit, q.period, q.offset, clock=quota_clock)

        keys = (
            {
                value: UsagePlanKey(f"key{index}", bucket(plan.throttle), quota())
                for index, value in enumerate(plan.api_keys, start=1)
            }
            if plan is not None
            else {}
        )
        return cls(
            api_key_required=api.api_key_required,
            keys=keys,
            stage_bucket=bucket(api.throttling),
        )

    def __call__(self, ctx: Invocation) -> None:
        if self.api_key_required:
            value = ctx.request.header("x-api-key")
            key = self.keys.get(value) if value else None
            if key is None:
                raise InvalidApiKey()
            ctx.caller.api_key = value
            ctx.caller.api_key_id = key.key_id
            if key.bucket is not None and not key.bucket.take():
                raise Throttled()
            if key.quota is not None and not key.quota.take():
                raise QuotaExceeded()
        if self.stage_bucket is not None and not self.stage_bucket.take():
            raise Throttled()
