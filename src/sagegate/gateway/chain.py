"""THE request chain: one ordered list of steps over one invocation context.

    route -> authorize -> throttle -> validate -> integration request
          -> integrate -> integration response -> method response

Each step only reads the context and writes what it produces; a step that refuses the request
raises a `GatewayError`, and `run` is the one place that turns it into API Gateway's answer.
Steps are plain functions unless they wait (only integrate does): a coroutine per step per
request is overhead with nothing to await.
Access logging and tracing wrap the chain in `app.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.responses import GatewayError, render_error

# A step returns None, or an awaitable when it has to wait (integrate).
Step = Callable[[Invocation], Awaitable[None] | None]

log = logging.getLogger("sagegate.gateway")


class Chain:
    """Runs the steps in order; renders any gateway error as API Gateway does."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)

    async def run(self, ctx: Invocation) -> MethodResponse:
        """Run every step and return the method response (never raises)."""
        try:
            for step in self.steps:
                waiting = step(ctx)
                if waiting is not None:
                    await waiting
        except GatewayError as error:
            refuse(ctx, error)
        except Exception as exc:
            # A bug of ours must still answer as API Gateway would: a 500, never a traceback.
            log.exception("request %s failed inside the gateway", ctx.request_id)
            ctx.integration_error = ctx.integration_error or repr(exc)
            refuse(ctx, GatewayError())
        assert ctx.response is not None, "the last step writes the method response"
        return ctx.response


def refuse(ctx: Invocation, error: GatewayError) -> MethodResponse:
    """API Gateway's answer for `error`, recorded on the context for the access log."""
    status, headers, body = render_error(error)
    ctx.error_type = error.instance_error_type
    ctx.error_message = error.message
    ctx.response_type = error.response_type
    ctx.response = MethodResponse(status=status, headers=headers, body=body)
    return ctx.response
