"""Throttle: the API key check, then the usage plan's and the stage's limits.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
For parity with API Gateway, a method that does not require an API key does not count
towards a usage plan's throttle or quota. The stage's throttle applies to each method on its
own ("per-API, per-stage throttling limits are applied at the API method level",
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):
every method has its own bucket, with its method setting or else the stage-wide '/*/*' one.
A usage plan's per-method throttle replaces the plan's throttle for that method and key.
"""

from __future__ import annotations

from sagegate.gateway.context import Invocation
from sagegate.gateway.limits import Limit
from sagegate.gateway.responses import InvalidApiKey, QuotaExceeded, Throttled


class UsagePlanKey:
    """One API key's limits under its usage plan, shared by every method of the API."""

    def __init__(self, key_id: str, bucket: Limit | None, quota: Limit | None) -> None:
        self.key_id = key_id
        self.bucket = bucket
        self.quota = quota


class Throttle:
    """Checks x-api-key when the method requires one, then token buckets and quota."""

    def __init__(
        self,
        *,
        api_key_required: bool,
        keys: dict[str, UsagePlanKey],
        stage_bucket: Limit | None,
        method_key_buckets: dict[str, Limit] | None = None,
    ) -> None:
        self.api_key_required = api_key_required
        self.keys = keys
        self.stage_bucket = stage_bucket
        # The usage plan's throttle of this very method, per key value (replaces key.bucket).
        self.method_key_buckets = method_key_buckets or {}

    def __call__(self, ctx: Invocation) -> None:
        if self.api_key_required:
            value = ctx.request.header("x-api-key")
            key = self.keys.get(value) if value else None
            if key is None or value is None:
                raise InvalidApiKey()
            ctx.caller.api_key = value
            ctx.caller.api_key_id = key.key_id
            bucket = self.method_key_buckets.get(value, key.bucket)
            if bucket is not None and not bucket.take():
                raise Throttled()
            if key.quota is not None and not key.quota.take():
                raise QuotaExceeded()
        if self.stage_bucket is not None and not self.stage_bucket.take():
            raise Throttled()
