"""Route: match the stage, resource and method; anything else is Missing Authentication Token.

For parity with API Gateway, an unknown path or method answers 403 Missing Authentication
Token rather than 404, so that probing does not reveal which resources exist
(https://repost.aws/knowledge-center/api-gateway-authentication-token-errors).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import MissingAuthenticationToken
from sagegate.gateway.router import Router

T = TypeVar("T")


class Route(Generic[T]):
    """Finds the method a request names and records the match on the context."""

    def __init__(self, router: Router[T]) -> None:
        self.router = router
        self.stage = router.stage

    def __call__(self, ctx: Invocation) -> T:
        request = ctx.request
        found = self.router.match(request.http_method, request.raw_path)
        if found is None:
            raise MissingAuthenticationToken()
        value, ctx.resource_path, ctx.path_params = found
        ctx.stage = self.stage
        return value
