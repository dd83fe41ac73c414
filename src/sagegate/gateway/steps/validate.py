"""Validate: the method's request validator, on parameters and on the body.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
A missing or blank required parameter answers 400
`{"message": "Missing required request parameters: [items]"}`, the names sorted by their full
key (`method.request.header.*` before `path.*` before `querystring.*`), as AWS lists them.
A body that fails the method's request model (JSON Schema draft 4; an empty body is `{}`)
answers 400 `{"message": "Invalid request body"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import BadRequestBody, BadRequestParameters
from sagegate.gateway.steps.integration_request import media_type

# A compiled schema: returns None, raises on an invalid document.
BodyCheck = Callable[[Any], Any]


def _query_value(ctx: Invocation, name: str) -> str | None:
    # A repeated parameter counts by its last value, API Gateway's single value for it.
    values = ctx.request.query.get(name)
    return values[-1] if values else None


# Where a required parameter is looked up, by the location its key names.
_LOOKUPS: dict[str, Callable[[Invocation, str], str | None]] = {
    "path": lambda ctx, name: ctx.path_params.get(name),
    "querystring": _query_value,
    "header": lambda ctx, name: ctx.request.header(name),
}


class Validate:
    """Checks required path, query string and header parameters, then the body's model."""

    def __init__(
        self,
        required: Iterable[str],
        *,
        body_checks: dict[str, BodyCheck] | None = None,
    ) -> None:
        # 'method.request.querystring.items' -> (lookup, 'items'), in AWS's order.
        self._required: list[tuple[Callable[[Invocation, str], str | None], str]] = []
        for key in sorted(set(required)):
            _, _, location, name = key.split(".", 3)
            # API Gateway's locations are these three; anything else reads as a header.
            self._required.append((_LOOKUPS.get(location, _LOOKUPS["header"]), name))
        self._body_checks = body_checks or None

    def __call__(self, ctx: Invocation) -> None:
        # For parity with API Gateway, a blank value counts as missing.
        missing = [name for lookup, name in self._required if not (lookup(ctx, name) or "").strip()]
        if missing:
            raise BadRequestParameters(
                f"Missing required request parameters: [{', '.join(missing)}]"
            )
        if self._body_checks is not None:
            self._check_body(ctx)

    def _check_body(self, ctx: Invocation) -> None:
        assert self._body_checks is not None
        checks = self._body_checks
        check = checks.get(media_type(ctx.request.header("content-type"))) or checks.get("$default")
        if check is None:
            return
        try:
            check(orjson.loads(ctx.request.body or b"{}"))
        except Exception:  # not JSON, or not valid for the model
            raise BadRequestBody("Invalid request body") from None
