"""What the console shows of one request: its summary, its stages and its trace.

Made from the request's context after it was answered, by the console's own timer and
never on the request's path (describing a request costs tens of microseconds); the stages
are `sagegate invoke`'s (`gateway.console.describe`). Credentials that travel in requests
(session tokens, API keys) are masked; a secret key never travels, so none can show.
"""

from __future__ import annotations

import re
from typing import Any

from sagegate.gateway.console import describe
from sagegate.gateway.context import Invocation

# The most of one stage's text the page gets (a body may be up to 10 MB).
MAX_STAGE_CHARS = 16_384
_MASKED = "********"
_SECRET_HEADER = re.compile(r"(?im)^(x-amz-security-token|x-api-key)(:[ \t]*)(\S.*)$")
_SECRET_QUERY = re.compile(r"(?i)\b(X-Amz-Security-Token=)[^&\s\"]+")


def mask(text: str) -> str:
    """`text` with session tokens and API keys masked."""
    return _SECRET_QUERY.sub(rf"\g<1>{_MASKED}", _SECRET_HEADER.sub(rf"\1\2{_MASKED}", text))


def stages(ctx: Invocation) -> list[list[str]]:
    """The stages as `sagegate invoke` prints them, masked and cut to MAX_STAGE_CHARS."""
    out = []
    for title, text in describe(ctx):
        if len(text) > MAX_STAGE_CHARS:
            text = text[:MAX_STAGE_CHARS] + f"\n... ({len(text) - MAX_STAGE_CHARS} more characters)"
        out.append([title, mask(text)])
    return out


def spans(ctx: Invocation) -> list[dict[str, Any]]:
    """The request's X-Ray-style segments, from its own clock readings: the gateway's span
    (the whole request) and, when one was called, the integration's, each with its start
    offset from the request's start and its duration, in milliseconds."""
    out: list[dict[str, Any]] = [
        {"name": "API Gateway", "start_ms": 0.0, "duration_ms": ctx.response_seconds * 1000.0}
    ]
    if ctx.integration_seconds >= 0.0:
        out.append(
            {
                "name": "Integration",
                "start_ms": (ctx.integration_started_at - ctx.started_at) * 1000.0,
                "duration_ms": ctx.integration_seconds * 1000.0,
            }
        )
    return out


def record(ctx: Invocation, worker: int, *, test: bool = False) -> dict[str, Any]:
    """The console's view of one answered request (JSON-able)."""
    request = ctx.request
    response = ctx.response
    return {
        "id": ctx.request_id,
        "time_ms": ctx.request_time_epoch_ms,
        "worker": worker,
        "test": test,
        "method": request.http_method,
        "path": mask(
            request.raw_path + (f"?{request.query_string}" if request.query_string else "")
        ),
        "resource": ctx.resource_path,
        "status": response.status if response is not None else 500,
        "latency_ms": round(ctx.response_seconds * 1000.0, 3),
        "integration_latency_ms": (
            round(ctx.integration_seconds * 1000.0, 3) if ctx.integration_seconds >= 0 else None
        ),
        "trace_id": ctx.trace.root,
        "error": ctx.error_type,
        "spans": spans(ctx),
        "stages": stages(ctx),
    }
