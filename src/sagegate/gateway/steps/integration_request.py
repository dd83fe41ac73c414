"""Integration request: choose the template by Content-Type and render the endpoint's body.

https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
The construct sets passthroughBehavior NEVER, so a Content-Type without a template is 415.
A missing Content-Type is taken as application/json; parameters such as ';charset' are ignored.
The construct maps `integration.request.header.Content-Type` to 'application/json'.
"""

from __future__ import annotations

from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.facts import template_inputs
from sagegate.gateway.responses import ApiConfigurationError, UnsupportedMediaType
from sagegate.gateway.vtl import MappingTemplate, TemplateError

DEFAULT_CONTENT_TYPE = "application/json"


def media_type(value: str | None) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json'; None -> application/json."""
    if not value:
        return DEFAULT_CONTENT_TYPE
    return value.split(";", 1)[0].strip().lower() or DEFAULT_CONTENT_TYPE


class IntegrationRequestStep:
    """Renders the selected request template into the endpoint request."""

    def __init__(self, templates: dict[str, MappingTemplate], *, tracing: bool = False) -> None:
        self.templates = {content_type.lower(): t for content_type, t in templates.items()}
        self.tracing = tracing

    def __call__(self, ctx: Invocation) -> None:
        content_type = media_type(ctx.request.header("content-type"))
        template = self.templates.get(content_type)
        if template is None:
            raise UnsupportedMediaType()
        facts, context = template_inputs(ctx, template)
        try:
            output, override, _ = template.render_parts(facts, context, None)
        except TemplateError as exc:
            ctx.integration_error = str(exc)
            raise ApiConfigurationError() from None
        # Only mapped headers reach an AWS service integration; the construct maps one.
        headers = {"Content-Type": "application/json"}
        if self.tracing:
            # With X-Ray tracing on, API Gateway passes the trace on to the integration.
            headers["X-Amzn-Trace-Id"] = ctx.trace.header
        # The request override can set integration request headers, as on AWS.
        if override.header:
            headers.update(override.header)
        ctx.integration = IntegrationRequest(body=output.encode(), headers=headers)
        ctx.selected_template = content_type
