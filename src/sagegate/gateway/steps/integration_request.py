"""Integration request: choose the template by Content-Type and build the integration's request.

https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
A missing Content-Type is taken as application/json; parameters such as ';charset' are ignored.
A Content-Type without a template passes the body through under WHEN_NO_MATCH, under
WHEN_NO_TEMPLATES only when the integration has no template at all, and never under NEVER
(the construct's choice): those answer 415 Unsupported Media Type.
Only mapped headers (`integration.request.header.*`) reach a non-proxy integration; the
construct maps one, Content-Type: 'application/json'.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
A body whose Content-Type is one of the API's binary media types stays bytes, unless the
integration converts it to text (base64); CONVERT_TO_BINARY decodes a base64 text body.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from urllib.parse import quote

from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.facts import template_inputs
from sagegate.gateway.mappings import Mappings
from sagegate.gateway.responses import ApiConfigurationError, UnsupportedMediaType
from sagegate.gateway.vtl import MappingTemplate, TemplateError

DEFAULT_CONTENT_TYPE = "application/json"


def media_type(value: str | None) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json'; None -> application/json."""
    if not value:
        return DEFAULT_CONTENT_TYPE
    return value.split(";", 1)[0].strip().lower() or DEFAULT_CONTENT_TYPE


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """True when `content_type` matches one of the API's binary media types ('image/*' too)."""
    if not content_type or not binary_media_types:
        return False
    kind, _, subtype = media_type(content_type).partition("/")
    for pattern in binary_media_types:
        want_kind, _, want_subtype = pattern.lower().partition("/")
        if want_kind in ("*", kind) and want_subtype in ("*", subtype):
            return True
    return False


def _to_binary(ctx: Invocation, body: bytes) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        ctx.integration_error = "the body is not base64 (contentHandling CONVERT_TO_BINARY)"
        raise ApiConfigurationError() from None


# contentHandling: what each conversion makes of a body (a text body that is not base64
# cannot convert to binary: a configuration error, as on AWS).
CONVERSIONS: dict[str, Callable[[Invocation, bytes], bytes]] = {
    "CONVERT_TO_TEXT": lambda ctx, body: base64.b64encode(body),
    "CONVERT_TO_BINARY": _to_binary,
}


class IntegrationRequestStep:
    """Renders the selected request template (or passes the body) into the integration request."""

    def __init__(
        self,
        templates: Mapping[str, MappingTemplate],
        *,
        passthrough: str = "NEVER",
        headers: Mappings | None = None,
        query: Mappings | None = None,
        path: Mappings | None = None,
        default_headers: Mapping[str, str] | None = None,
        tracing: bool = False,
        uri: str = "",
        http_method: str = "POST",
        content_handling: str | None = None,
        binary_media_types: tuple[str, ...] = (),
    ) -> None:
        self.templates = {content_type.lower(): t for content_type, t in templates.items()}
        # 415 when no template matches: always under NEVER, under WHEN_NO_TEMPLATES only
        # when there are templates; WHEN_NO_MATCH passes the body through.
        self.refuse_unmatched = {
            "NEVER": True,
            "WHEN_NO_TEMPLATES": bool(self.templates),
            "WHEN_NO_MATCH": False,
        }[passthrough]
        # The constant mappings are part of `fixed_headers`: only the request-read ones are
        # evaluated per request.
        self.headers = headers if headers is not None and headers.dynamic else None
        self.query = query if query else None
        self.path = path if path else None
        # The headers fixed at load: the static mappings, then API Gateway's own defaults.
        self.fixed_headers = dict(headers.constant) if headers is not None else {}
        for name, value in (default_headers or {}).items():
            if name.lower() not in {k.lower() for k in self.fixed_headers}:
                self.fixed_headers[name] = value
        self.tracing = tracing
        self.uri = uri
        self.http_method = http_method
        self.content_handling = content_handling
        self.binary_media_types = binary_media_types

    def _body(self, ctx: Invocation) -> bytes | None:
        """The body after content handling; None when it is the method request's, unchanged."""
        binary = is_binary(ctx.request.header("content-type"), self.binary_media_types)
        # A binary body converts only to text, a text body only to binary.
        if self.content_handling == ("CONVERT_TO_TEXT" if binary else "CONVERT_TO_BINARY"):
            return CONVERSIONS[self.content_handling](ctx, ctx.request.body)
        return None

    def __call__(self, ctx: Invocation) -> None:
        content_type = media_type(ctx.request.header("content-type"))
        template = self.templates.get(content_type)
        converted = self._body(ctx)
        override_headers: Mapping[str, str] | None = None
        if template is None:
            if self.refuse_unmatched:
                raise UnsupportedMediaType()
            body = ctx.request.body if converted is None else converted
        else:
            facts, context = template_inputs(ctx, template)
            try:
                output, override, _ = template.render_parts(
                    facts, context, None if converted is None else converted.decode("latin-1")
                )
            except TemplateError as exc:
                ctx.integration_error = str(exc)
                raise ApiConfigurationError() from None
            body = output.encode()
            override_headers = override.header
            ctx.selected_template = content_type
        headers = dict(self.fixed_headers)
        if self.headers is not None:
            headers.update(self.headers.evaluate(ctx))
        if self.tracing:
            # With X-Ray tracing on, API Gateway passes the trace on to the integration.
            headers["X-Amzn-Trace-Id"] = ctx.trace.header
        # The request override can set integration request headers, as on AWS.
        if override_headers:
            headers.update(override_headers)
        request = IntegrationRequest(
            body=body, headers=headers, uri=self.uri, http_method=self.http_method
        )
        if self.path is not None:
            request.uri = render_uri(self.uri, self.path.evaluate(ctx))
        if self.query is not None:
            request.query = list(self.query.evaluate(ctx).items())
        ctx.integration = request


def render_uri(uri: str, path_params: Mapping[str, str]) -> str:
    """The integration URI with each `{name}` (or greedy `{name+}`) filled in."""
    for name, value in path_params.items():
        uri = uri.replace("{" + name + "+}", quote(value, safe="/")).replace(
            "{" + name + "}", quote(value, safe="")
        )
    return uri
