"""THE request chain: route to a method, then that method's ordered steps, over one context.

    route -> authorize -> throttle -> validate -> integration request
          -> integrate -> integration response -> method response

Routing picks the method's plan (its steps, compiled at load by `build.py`); each step only
reads the context and writes what it produces; a step that refuses the request raises a
`GatewayError`, and `run` is the one place that turns it into the API's gateway response.
Steps are plain functions unless they wait (only integrate does): a coroutine per step per
request is overhead with nothing to await.
Access logging and tracing wrap the chain in `app.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.gateway_responses import GatewayResponses
from sagegate.gateway.responses import GatewayError
from sagegate.metrics.series import Series

# A step returns None, or an awaitable when it has to wait (integrate).
Step = Callable[[Invocation], Awaitable[None] | None]

log = logging.getLogger("sagegate.gateway")


class Plan(Protocol):
    """What routing finds: the steps of one method, and its metrics."""

    @property
    def steps(self) -> Sequence[Step]:
        """The method's steps, in order."""

    @property
    def test_steps(self) -> Sequence[Step]:
        """The steps of a console test call: all but authorization (TestInvokeMethod's)."""

    @property
    def metrics(self) -> Series:
        """The method's series (CloudWatch's ApiName, Stage, Method, Resource)."""


class Chain:
    """Routes, runs the method's steps in order, renders any gateway error as the API does."""

    def __init__(self, route: Callable[[Invocation], Plan], responses: GatewayResponses) -> None:
        self.route = route
        self.responses = responses

    async def run(self, ctx: Invocation, *, test: bool = False) -> MethodResponse:
        """Run every step and return the method response (never raises); `test` skips
        authorization, as the console's Test does."""
        try:
            plan = self.route(ctx)
            ctx.metrics = plan.metrics
            for step in plan.test_steps if test else plan.steps:
                waiting = step(ctx)
                if waiting is not None:
                    await waiting
        except GatewayError as error:
            self.responses.refuse(ctx, error)
        except Exception as exc:
            # A bug of ours must still answer as API Gateway would: a 500, never a traceback.
            log.exception("request %s failed inside the gateway", ctx.request_id)
            ctx.integration_error = ctx.integration_error or repr(exc)
            self.responses.refuse(ctx, GatewayError())
        assert ctx.response is not None, "the last step writes the method response"
        return ctx.response
