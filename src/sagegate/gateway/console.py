"""`sagegate invoke`: one request through the whole chain, every stage printed.

Like the API Gateway console's Test button, which shows the method request, the endpoint
request after the mapping template, the endpoint response and the method response
(https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-test-method.html).
"""

from __future__ import annotations

import json

from rich.console import Console

from sagegate.gateway.assemble import ServeOptions
from sagegate.gateway.context import Invocation
from sagegate.testing import GatewayTestClient


def _pretty(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def describe(ctx: Invocation) -> list[tuple[str, str]]:
    """The stages of an invocation as (title, text) pairs, in the order they happened."""
    request = ctx.request
    stages = [
        (
            "Method request",
            f"{request.http_method} {request.raw_path}"
            + (f"?{request.query_string}" if request.query_string else "")
            + "".join(f"\n{k}: {v}" for k, v in request.headers)
            + (f"\n\n{request.body.decode('utf-8', 'replace')}" if request.body else ""),
        ),
    ]
    if ctx.resource_path:
        stages.append(("Resource", f"{ctx.resource_path}  path parameters: {ctx.path_params}"))
    if ctx.caller.identity is not None:
        stages.append(("Caller", ctx.caller.identity.arn or ctx.caller.identity.access_key))
    if ctx.selected_template is not None:
        stages.append(("Request template", f"selected for Content-Type {ctx.selected_template}"))
    if ctx.integration is not None:
        headers = "".join(f"{k}: {v}\n" for k, v in ctx.integration.headers.items())
        # Exactly as the template rendered it: whitespace matters when debugging templates.
        body = ctx.integration.body.decode("utf-8", "replace")
        stages.append(("Endpoint request", headers + "\n" + body))
    if ctx.endpoint_response is not None:
        answer = ctx.endpoint_response
        headers = "".join(f"{k}: {v}\n" for k, v in answer.headers)
        latency = f"  ({ctx.integration_latency_ms} ms)" if ctx.integration_latency_ms else ""
        stages.append(
            (
                "Endpoint response",
                f"status {answer.status}{latency}\n{headers}\n{_pretty(answer.body)}",
            )
        )
    if ctx.integration_error:
        stages.append(("Integration error", ctx.integration_error))
    if ctx.response is not None:
        response = ctx.response
        if ctx.endpoint_response is not None:
            template = ctx.response_template or "none (body passed through)"
            stages.append(
                ("Integration response", f"status {response.status}; response template: {template}")
            )
        headers = "".join(f"{k.decode()}: {v.decode()}\n" for k, v in response.headers)
        stages.append(
            ("Method response", f"status {response.status}\n{headers}\n{_pretty(response.body)}")
        )
    if ctx.access_log_line is not None:
        stages.append(("Access log", ctx.access_log_line))
    return stages


def run_invoke(
    options: ServeOptions,
    path: str,
    *,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: str,
    method: str,
    sign: bool,
) -> int:
    """Run the request and print every stage; exit code 0 for a 2xx answer, else 1."""
    console = Console(highlight=False, soft_wrap=True)
    with GatewayTestClient(
        options.spec_path,
        endpoints=options.endpoints,
        region=options.region or "us-east-1",
        api=options.api,
        stage=options.stage,
        stage_variables=options.stage_variables,
        parameters=options.parameters,
    ) as client:
        grouped: dict[str, list[str]] = {}
        for key, value in query:
            grouped.setdefault(key, []).append(value)
        response = client.request(
            method, path, query=grouped, headers=headers, body=body, sign=sign
        )
    for title, text in describe(response.invocation):
        console.rule(title, align="left")
        console.print(text, markup=False)
    return 0 if 200 <= response.status < 300 else 1
