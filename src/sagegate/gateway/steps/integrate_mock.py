"""Integrate with a MOCK integration: the status comes from the request template.

https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
The request template renders `{"statusCode": 200}`; the integration answers that status with
no body, and the integration responses do the rest. API Gateway reads the status leniently:
the CDK's CORS preflight writes `{ statusCode: 200 }`, which is not JSON, and works on AWS.
A template that gives no integer statusCode is a configuration error (500).
"""

from __future__ import annotations

import json
import re
import time

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import ApiConfigurationError

# `statusCode` as a key, quoted or not, followed by an integer.
_STATUS = re.compile(r"""(?:^|[{,\s])(?:"statusCode"|'statusCode'|statusCode)\s*:\s*(\d+)""")


def status_code(body: bytes) -> int | None:
    """The statusCode a mock's rendered request declares, or None."""
    text = body.decode("utf-8", "replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        found = _STATUS.search(text)
        return int(found.group(1)) if found else None
    if isinstance(document, dict):
        value = document.get("statusCode")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def mock_integrate(ctx: Invocation) -> None:
    """Answer the status the request template declared, with an empty body."""
    request = ctx.integration
    assert request is not None, "the integration request step runs first"
    status = status_code(request.body)
    if status is None:
        ctx.integration_error = (
            "Execution failed due to configuration error: Unable to parse statusCode. It should "
            "be an integer that is defined in the request template."
        )
        raise ApiConfigurationError()
    ctx.integrated(time.perf_counter())
    ctx.endpoint_response = InvocationResponse(status, [], b"")
