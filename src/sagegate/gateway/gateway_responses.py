"""Gateway responses: how a refused request is answered, with the API's customisations.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
Each response type has API Gateway's default (its status, `{"message": ...}` and the
`x-amzn-ErrorType` header). An API may customise a type, or DEFAULT_4XX / DEFAULT_5XX for every
type of that class it does not customise itself: the status code, headers mapped from
`method.request.*`, `stageVariables.*`, `context.*` or static values, and body templates that
see `$context.error.message`, `.messageString`, `.responseType` and `.validationErrorString`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from sagegate.api.model import GatewayResponse
from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.facts import template_inputs
from sagegate.gateway.mappings import Mappings
from sagegate.gateway.responses import GatewayError, render_error
from sagegate.gateway.steps.integration_response import select_template
from sagegate.gateway.vtl import ContextMap, MappingTemplate, TemplateError

log = logging.getLogger("sagegate.gateway")


class _Custom:
    """One customised gateway response, compiled."""

    def __init__(self, definition: GatewayResponse, stage_variables: Mapping[str, str]) -> None:
        self.status = int(definition.status_code) if definition.status_code else None
        self.headers = Mappings(
            definition.response_parameters,
            "gatewayresponse.header.",
            stage_variables,
            side="gateway",
        )
        self.templates = {
            content_type.lower(): MappingTemplate(source)
            for content_type, source in definition.response_templates.items()
        }


class GatewayResponses:
    """Renders a `GatewayError` as the API answers it."""

    def __init__(
        self, custom: Mapping[str, GatewayResponse], stage_variables: Mapping[str, str]
    ) -> None:
        self._custom = {
            response_type: _Custom(definition, stage_variables)
            for response_type, definition in custom.items()
        }

    def __bool__(self) -> bool:
        return bool(self._custom)

    def refuse(self, ctx: Invocation, error: GatewayError) -> MethodResponse:
        """API Gateway's answer for `error`, recorded on the context for the access log."""
        ctx.error_type = error.instance_error_type
        ctx.error_message = error.message
        ctx.response_type = error.response_type
        status, headers, body = render_error(error)
        # A front-door limit is refused before the API: none of its gateway responses apply.
        custom = None if error.front_door else self._custom_for(error)
        if custom is not None:
            status, headers, body = self._customised(ctx, error, custom, status, headers, body)
        ctx.response = MethodResponse(status=status, headers=headers, body=body)
        return ctx.response

    def _custom_for(self, error: GatewayError) -> _Custom | None:
        custom = self._custom.get(error.response_type)
        if custom is None:
            # DEFAULT_4XX customises every 4XX type, DEFAULT_5XX every 5XX one.
            custom = self._custom.get(f"DEFAULT_{str(error.status_code)[0]}XX")
        return custom

    def _customised(
        self,
        ctx: Invocation,
        error: GatewayError,
        custom: _Custom,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if custom.status is not None:
            status = custom.status
        if custom.templates:
            content_type, template = select_template(custom.templates, ctx.request.header("accept"))
            facts, context = template_inputs(ctx, template)
            if context is not None:
                context["error"] = ContextMap(
                    message=error.message,
                    messageString=json.dumps(error.message),
                    responseType=error.response_type,
                    validationErrorString="",
                )
            try:
                body = template.render_parts(facts, context, None)[0].encode()
            except TemplateError as exc:
                log.warning(
                    "request %s: the %s gateway response template failed: %s",
                    ctx.request_id,
                    error.response_type,
                    exc,
                )
            else:
                headers = [
                    (b"content-type", content_type.encode()),
                    (b"x-amzn-errortype", error.instance_error_type.encode()),
                ]
        if custom.headers:
            mapped = custom.headers.evaluate(ctx)
            replaced = {name.lower() for name in mapped}
            headers = [(k, v) for k, v in headers if k.decode() not in replaced]
            headers.extend((k.lower().encode(), v.encode()) for k, v in mapped.items())
        return status, headers, body
