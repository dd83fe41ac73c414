"""Integration response: pick the status by selectionPattern, render the response template.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
`selectionPattern` is a Java regular expression matched against the whole status code of an
AWS integration (LocalStack matches a prefix; AWS needs a full match). The construct maps
`4\\d{2}` to 400 and `5\\d{2}` to 500; the default response (no pattern) is 200.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.facts import template_inputs
from sagegate.gateway.mappings import Mappings
from sagegate.gateway.responses import ApiConfigurationError
from sagegate.gateway.steps.integration_request import CONVERSIONS
from sagegate.gateway.vtl import MappingTemplate, TemplateError


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """One integration response: the status it gives and, optionally, its templates."""

    status_code: int
    selection_pattern: str | None = None
    templates: dict[str, MappingTemplate] | None = None
    # method.response.header.* mappings (from integration.response.*, context, static...)
    headers: Mappings | None = None
    # CONVERT_TO_TEXT (base64 of the body) or CONVERT_TO_BINARY (base64 decoded), or None.
    content_handling: str | None = None


def select_template(
    templates: dict[str, MappingTemplate], accept: str | None
) -> tuple[str, MappingTemplate]:
    """The template for the client's Accept header, else application/json, else the first."""
    if accept:
        for item in accept.split(","):
            wanted = item.partition(";")[0].strip().lower()
            if wanted in templates:
                return wanted, templates[wanted]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    content_type = next(iter(templates))
    return content_type, templates[content_type]


class IntegrationResponseStep:
    """Maps the endpoint response to the method response."""

    def __init__(self, responses: list[IntegrationResponse]) -> None:
        # AWS takes an empty selection pattern as no pattern: the default response.
        self.default = next((r for r in responses if not r.selection_pattern), None)
        self.patterned = [
            (re.compile(r.selection_pattern), r) for r in responses if r.selection_pattern
        ]

    def select(self, status: int) -> IntegrationResponse | None:
        """The first integration response whose pattern matches the whole status code, else
        the default (if any)."""
        code = str(status)
        return next((r for pattern, r in self.patterned if pattern.fullmatch(code)), self.default)

    def __call__(self, ctx: Invocation) -> None:
        answer = ctx.endpoint_response
        assert answer is not None, "the integrate step runs first"
        chosen = self.select(answer.status)
        if chosen is None:
            ctx.integration_error = (
                "Execution failed due to configuration error: No match for output mapping and "
                "no default output mapping specified. Endpoint Response Status Code: "
                f"{answer.status}"
            )
            raise ApiConfigurationError()
        status = chosen.status_code
        if not chosen.templates:
            # Without a template the body passes through under the method response's type.
            headers = [(b"content-type", b"application/json")]
            if chosen.headers is not None:
                _map_headers(ctx, chosen.headers, headers)
            body = answer.body
            if chosen.content_handling is not None:
                body = CONVERSIONS[chosen.content_handling](ctx, body)
            ctx.response = MethodResponse(status=status, headers=headers, body=body)
            return
        content_type, template = select_template(chosen.templates, ctx.request.header("accept"))
        facts, context = template_inputs(ctx, template)
        try:
            output, _, override = template.render_parts(
                facts, context, answer.body.decode("utf-8", "replace")
            )
        except TemplateError as exc:
            ctx.integration_error = str(exc)
            raise ApiConfigurationError() from None
        body = output.encode()
        ctx.response_template = content_type
        if override.status is not None:
            # A method response status is a three-digit code ([1-5]\d\d on AWS); any
            # other override is a configuration error, never a malformed status line.
            if not 100 <= override.status <= 599:
                ctx.integration_error = (
                    f"invalid $context.responseOverride.status: {override.status}"
                )
                raise ApiConfigurationError()
            status = override.status
        headers = [(b"content-type", content_type.encode())]
        if chosen.headers is not None:
            _map_headers(ctx, chosen.headers, headers)
        if override.header:
            headers.extend((k.lower().encode(), v.encode()) for k, v in override.header.items())
        ctx.response = MethodResponse(status=status, headers=headers, body=body)


def _map_headers(ctx: Invocation, mappings: Mappings, headers: list[tuple[bytes, bytes]]) -> None:
    """Add the mapped method response headers; a mapped name replaces the default one."""
    mapped = mappings.evaluate(ctx, ctx.endpoint_response)
    names = {name.lower().encode() for name in mapped}
    headers[:] = [(k, v) for k, v in headers if k not in names]
    headers.extend((name.lower().encode(), value.encode()) for name, value in mapped.items())
