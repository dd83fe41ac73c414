"""Integrate: call the SageMaker Runtime, bounded by the integration timeout.

The endpoint name is the integration URI's (`.../runtime.sagemaker:path/endpoints/NAME/
invocations`), fixed at load, or, when the URI takes it from a path parameter
(`endpoints/{name}/invocations`), the rendered URI's; a name no target serves is answered as
the SageMaker Runtime answers an unknown endpoint (400 ValidationError "not found").

https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
Past the timeout (29 s by default) API Gateway answers 504 "Endpoint request timed out";
an endpoint that cannot be reached is an integration failure, never a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping

from sagegate.api.model import SAGEMAKER_URI
from sagegate.endpoint.errors import endpoint_not_found
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.targets import NowInvoke, Target, TargetUnreachable
from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.responses import IntegrationFailure, IntegrationTimeout
from sagegate.gateway.trace import Tracer


class Integrate:
    """Sends the integration request to the target that serves the endpoint name."""

    def __init__(
        self,
        *,
        target: Target | None,
        endpoint_name: str | None,
        timeout_ms: int,
        tracer: Tracer,
        targets: Mapping[str, Target] | None = None,
    ) -> None:
        """A static `endpoint_name` has its `target`; a dynamic one (None) looks in `targets`."""
        self.target = target
        self._invoke_now: NowInvoke | None = getattr(target, "invoke_now", None)
        self.tracer = tracer
        self.endpoint_name = endpoint_name
        self.targets = targets or {}
        self.timeout_s = timeout_ms / 1000
        self._exporting = tracer.exporting  # fixed when the tracer is made

    def __call__(self, ctx: Invocation) -> Awaitable[None] | None:
        """Answer at once when the target can (an in-process prediction on the event loop:
        no timer, since nothing could interrupt it, and no coroutine); else return the wait."""
        request = ctx.integration
        assert request is not None, "the integration request step runs first"
        target, name = self.target, self.endpoint_name
        if target is None or name is None:
            found = SAGEMAKER_URI.match(request.uri)
            name = found.group("name") if found else ""
            target = self.targets.get(name)
            if target is None:
                ctx.endpoint_response = endpoint_not_found(name, ctx.account_id).to_response(
                    ctx.request_id
                )
                return None
            return self._call(ctx, request, target, name)
        if self._exporting or self._invoke_now is None:
            return self._call(ctx, request, target, name)
        started = time.perf_counter()
        answer = self._invoke_now(name, request.body, request.headers)
        if answer is None:
            return self._call(ctx, request, target, name, started)
        ctx.integrated(started)
        ctx.endpoint_response = answer
        return None

    async def _call(
        self,
        ctx: Invocation,
        request: IntegrationRequest,
        target: Target,
        name: str,
        started: float | None = None,
    ) -> None:
        if started is None:
            started = time.perf_counter()
        now = getattr(target, "invoke_now", None) if self._exporting else None
        try:
            if self._exporting:
                with self.tracer.span("SageMaker Runtime", ctx.trace, endpoint=name):
                    answer = None if now is None else now(name, request.body, request.headers)
                    if answer is None:
                        answer = await self._invoke(target, name, request)
            else:
                # No span to make: not even the shared no-op's enter and exit.
                answer = await self._invoke(target, name, request)
        except TimeoutError:
            ctx.integration_error = "timeout"
            raise IntegrationTimeout() from None
        except TargetUnreachable as exc:
            ctx.integration_error = str(exc)
            raise IntegrationFailure() from None
        finally:
            ctx.integrated(started)
        ctx.endpoint_response = answer

    async def _invoke(
        self, target: Target, name: str, request: IntegrationRequest
    ) -> InvocationResponse:
        async with asyncio.timeout(self.timeout_s):
            return await target.invoke(name, request.body, request.headers)
