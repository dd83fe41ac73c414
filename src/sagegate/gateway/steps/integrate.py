"""Integrate: call the SageMaker Runtime, bounded by the integration timeout.

https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
Past the timeout (29 s by default) API Gateway answers 504 "Endpoint request timed out";
an endpoint that cannot be reached is an integration failure, never a hang.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.targets import NowInvoke, Target, TargetUnreachable
from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.responses import IntegrationFailure, IntegrationTimeout
from sagegate.gateway.trace import Tracer
from sagegate.timeouts import SharedTimeout


class Integrate:
    """Sends the integration request to the target that serves the endpoint name."""

    def __init__(
        self, *, target: Target, endpoint_name: str, timeout_ms: int, tracer: Tracer
    ) -> None:
        self.target = target
        self._invoke_now: NowInvoke | None = getattr(target, "invoke_now", None)
        self.tracer = tracer
        self.endpoint_name = endpoint_name
        self.timeout = SharedTimeout(timeout_ms / 1000)
        self._exporting = tracer.exporting  # fixed when the tracer is made

    async def _invoke(self, request: IntegrationRequest) -> InvocationResponse:
        async with self.timeout():
            return await self.target.invoke(self.endpoint_name, request.body, request.headers)

    def __call__(self, ctx: Invocation) -> Awaitable[None] | None:
        """Answer at once when the target can (an in-process prediction on the event loop:
        no timer, since nothing could interrupt it, and no coroutine); else return the wait."""
        request = ctx.integration
        assert request is not None, "the integration request step runs first"
        if self._exporting or self._invoke_now is None:
            return self._call(ctx, request)
        started = time.perf_counter()
        answer = self._invoke_now(self.endpoint_name, request.body, request.headers)
        if answer is None:
            return self._call(ctx, request, started)
        ctx.integration_latency_ms = round((time.perf_counter() - started) * 1000)
        ctx.endpoint_response = answer
        return None

    async def _call(
        self, ctx: Invocation, request: IntegrationRequest, started: float | None = None
    ) -> None:
        if started is None:
            started = time.perf_counter()
        try:
            if self._exporting:
                with self.tracer.span("SageMaker Runtime", ctx.trace, endpoint=self.endpoint_name):
                    answer = (
                        None
                        if self._invoke_now is None
                        else self._invoke_now(self.endpoint_name, request.body, request.headers)
                    )
                    if answer is None:
                        answer = await self._invoke(request)
            else:
                # No span to make: not even the shared no-op's enter and exit.
                answer = await self._invoke(request)
        except TimeoutError:
            ctx.integration_error = "timeout"
            raise IntegrationTimeout() from None
        except TargetUnreachable as exc:
            ctx.integration_error = str(exc)
            raise IntegrationFailure() from None
        finally:
            ctx.integration_latency_ms = round((time.perf_counter() - started) * 1000)
        ctx.endpoint_response = answer
