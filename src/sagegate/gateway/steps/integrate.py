"""Integrate: call the SageMaker Runtime, bounded by the integration timeout.

https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
Past the timeout (29 s by default) API Gateway answers 504 "Endpoint request timed out";
an endpoint that cannot be reached is an integration failure, never a hang.
"""

from __future__ import annotations

import time

from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.targets import Target, TargetUnreachable
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
        self.tracer = tracer
        self.endpoint_name = endpoint_name
        self.timeout = SharedTimeout(timeout_ms / 1000)
        self._exporting = tracer.exporting  # fixed when the tracer is made

    async def _invoke(self, request: IntegrationRequest) -> InvocationResponse:
        async with self.timeout():
            return await self.target.invoke(self.endpoint_name, request.body, request.headers)

    async def __call__(self, ctx: Invocation) -> None:
        request = ctx.integration
        assert request is not None, "the integration request step runs first"
        started = time.perf_counter()
        try:
            if self._exporting:
                with self.tracer.span("SageMaker Runtime", ctx.trace, endpoint=self.endpoint_name):
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
