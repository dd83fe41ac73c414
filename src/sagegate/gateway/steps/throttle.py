"""Throttle: the API key check, then the usage plan's and the stage's limits.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
For parity with API Gateway, a method that does not require an API key does not count
towards a usage plan's throttle or quota; the stage-wide limit applies to every request.
"""

from __future__ import annotations

from collections.abc import Callable

from sagegate.gateway.context import Invocation
from sagegate.gateway.limits import Quota, TokenBucket
from sagegate.gateway.responses import InvalidApiKey, QuotaExceeded, Throttled


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
    def build(
        cls,
        *,
        api_key_required: bool,
        api_keys: list[str],
        plan_rate: tuple[float, int] | None,
        plan_quota: tuple[int, str, int] | None,
        stage_rate: tuple[float, int] | None,
        make_bucket: Callable[[float, int], TokenBucket] = TokenBucket,
        make_quota: Callable[[int, str, int], Quota] | None = None,
    ) -> Throttle:
        """Build the step from the spec's plain values (each key gets its own limits)."""

        def quota_for() -> Quota | None:
            if plan_quota is None:
                return None
            limit, period, offset = plan_quota
            if make_quota is not None:
                return make_quota(limit, period, offset)
            return Quota(limit, period, offset)  # type: ignore[arg-type]

        keys = {
            value: UsagePlanKey(
                f"key{index}",
                make_bucket(*plan_rate) if plan_rate is not None else None,
                quota_for(),
            )
            for index, value in enumerate(api_keys, start=1)
        }
        stage = make_bucket(*stage_rate) if stage_rate is not None else None
        return cls(api_key_required=api_key_required, keys=keys, stage_bucket=stage)

    async def __call__(self, ctx: Invocation) -> None:
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
