"""Method response: the headers API Gateway adds to every answer.

Every response carries `x-amzn-RequestId`, `x-amz-apigw-id` (the extended request id) and,
with tracing on, `X-Amzn-Trace-Id`. The chain's error path adds the same via `stamp`.
"""

from __future__ import annotations

from sagegate.gateway.context import Invocation, MethodResponse


def stamp(ctx: Invocation, response: MethodResponse, *, tracing: bool) -> None:
    """Add the request id, the extended request id and the trace header."""
    response.headers.append((b"x-amzn-requestid", ctx.request_id.encode()))
    response.headers.append((b"x-amz-apigw-id", ctx.extended_request_id.encode()))
    if tracing:
        response.headers.append((b"x-amzn-trace-id", ctx.trace.header.encode()))
