import json

import pytest

from sagegate.gateway.mappings import Mappings
from sagegate.gateway.responses import ApiConfigurationError, UnsupportedMediaType
from sagegate.gateway.steps.integration_request import (
    IntegrationRequestStep,
    is_binary,
    media_type,
)
from sagegate.gateway.vtl import MappingTemplate
from tests.gateway.factories import invocation

# The construct's integration request: Content-Type mapped to 'application/json'.
CONSTRUCT_HEADERS = Mappings(
    {"integration.request.header.Content-Type": "'application/json'"},
    "integration.request.header.",
    {},
    side="request",
)
STEP = IntegrationRequestStep(
    {
        "application/json": MappingTemplate('{"user": "$input.params(\'user_id\')"}'),
        "text/plain": MappingTemplate(
            "#set($context.requestOverride.header.X-Extra = 'yes')plain:$input.body"
        ),
    },
    headers=CONSTRUCT_HEADERS,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("Application/JSON; charset=UTF-8", "application/json"),
        ("text/plain", "text/plain"),
        (" ; charset=utf-8", "application/json"),
    ],
)
def test_media_type(header: str | None, expected: str) -> None:
    assert media_type(header) == expected


def test_missing_content_type_uses_the_json_template() -> None:
    ctx = invocation()
    ctx.path_params = {"user_id": "321"}
    STEP(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == b'{"user": "321"}'
    assert ctx.integration.headers == {"Content-Type": "application/json"}
    assert ctx.selected_template == "application/json"


def test_template_by_content_type_and_request_override_header() -> None:
    ctx = invocation(headers=[("Content-Type", "text/plain; charset=utf-8")], body=b"hi")
    STEP(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == b"plain:hi"
    assert ctx.integration.headers["X-Extra"] == "yes"
    # The construct sends JSON to SageMaker whatever the client sent.
    assert ctx.integration.headers["Content-Type"] == "application/json"


def test_other_content_type_is_415_with_passthrough_never() -> None:
    ctx = invocation(headers=[("Content-Type", "application/xml")])
    with pytest.raises(UnsupportedMediaType) as raised:
        STEP(ctx)
    assert raised.value.status_code == 415
    assert raised.value.body() == b'{"message":"Unsupported Media Type"}'


def passthrough_step(passthrough: str, *, with_template: bool) -> IntegrationRequestStep:
    templates = {"application/json": MappingTemplate("mapped")} if with_template else {}
    return IntegrationRequestStep(templates, passthrough=passthrough)


# API Gateway's passthrough table (integration-passthrough-behaviors.html): a template for
# application/json, or none, and a request of each content type.
@pytest.mark.parametrize(
    ("passthrough", "with_template", "content_type", "sent"),
    [
        ("WHEN_NO_MATCH", True, None, b"mapped"),
        ("WHEN_NO_MATCH", True, "application/xml", b"<a/>"),
        ("WHEN_NO_TEMPLATES", True, "application/json", b"mapped"),
        ("WHEN_NO_TEMPLATES", True, "application/xml", None),
        ("NEVER", True, "APPLICATION/JSON", b"mapped"),
        ("NEVER", True, "application/xml", None),
        ("WHEN_NO_MATCH", False, "application/xml", b"<a/>"),
        ("WHEN_NO_TEMPLATES", False, "application/xml", b"<a/>"),
        ("NEVER", False, "application/xml", None),
    ],
)
def test_passthrough_behaviours_as_aws_documents_them(
    passthrough: str, with_template: bool, content_type: str | None, sent: bytes | None
) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    ctx = invocation(method="POST", headers=headers, body=b"<a/>")
    step = passthrough_step(passthrough, with_template=with_template)
    if sent is None:
        with pytest.raises(UnsupportedMediaType):
            step(ctx)
        return
    step(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == sent
    assert ctx.selected_template == ("application/json" if sent == b"mapped" else None)


def test_template_keys_match_whatever_their_case() -> None:
    step = IntegrationRequestStep({"Text/Plain": MappingTemplate("t")})
    ctx = invocation(headers=[("Content-Type", "text/plain")])
    step(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == b"t"


def test_a_failing_template_is_a_configuration_error() -> None:
    step = IntegrationRequestStep({"application/json": MappingTemplate("$input.path('x')")})
    ctx = invocation()
    with pytest.raises(ApiConfigurationError):
        step(ctx)
    assert ctx.integration_error == (
        "mapping template failed to render: JSONPath must start with '$': 'x'"
    )
    assert ctx.integration is None


def mappings(prefix: str, **sources: str) -> Mappings:
    return Mappings({prefix + k: v for k, v in sources.items()}, prefix, {}, side="request")


def test_the_integration_request_uri_query_and_headers() -> None:
    step = IntegrationRequestStep(
        {},
        passthrough="WHEN_NO_MATCH",
        headers=mappings(
            "integration.request.header.",
            **{"content-type": "'text/csv'", "X-User": "method.request.path.user_id"},
        ),
        query=mappings("integration.request.querystring.", q="method.request.querystring.q"),
        path=mappings(
            "integration.request.path.",
            id="method.request.path.user_id",
            rest="method.request.path.rest",
        ),
        default_headers={"Content-Type": "application/json", "Accept": "application/json"},
        tracing=True,
        uri="https://h/items/{id}/files/{rest+}",
        http_method="PUT",
    )
    ctx = invocation(query="q=a%20b&q=2")
    ctx.path_params = {"user_id": "a b/c", "rest": "x y/z"}
    step(ctx)
    request = ctx.integration
    assert request is not None
    assert request.uri == "https://h/items/a%20b%2Fc/files/x%20y/z"
    assert request.http_method == "PUT"
    assert request.query == [("q", "2")]
    # A mapped header wins over API Gateway's default of the same name, whatever its case.
    assert request.headers == {
        "content-type": "text/csv",
        "Accept": "application/json",
        "X-User": "a b/c",
        "X-Amzn-Trace-Id": ctx.trace.header,
    }


@pytest.mark.parametrize(
    ("handling", "content_type", "body", "sent"),
    [
        (None, "image/png", b"\x00\xff", b"\x00\xff"),
        ("CONVERT_TO_TEXT", "image/png", b"\x00\xff", b"AP8="),
        ("CONVERT_TO_TEXT", "IMAGE/PNG; q=1", b"\x00\xff", b"AP8="),
        ("CONVERT_TO_TEXT", "text/plain", b"\x00\xff", b"\x00\xff"),  # not binary: as is
        ("CONVERT_TO_BINARY", "text/plain", b"AP8=", b"\x00\xff"),
        ("CONVERT_TO_BINARY", "image/png", b"AP8=", b"AP8="),  # binary already: as is
    ],
)
def test_content_handling_of_a_body_that_passes_through(
    handling: str | None, content_type: str, body: bytes, sent: bytes
) -> None:
    step = IntegrationRequestStep(
        {},
        passthrough="WHEN_NO_MATCH",
        content_handling=handling,
        binary_media_types=("image/*",),
    )
    ctx = invocation(method="POST", headers=[("Content-Type", content_type)], body=body)
    step(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == sent


def test_a_template_sees_a_converted_body() -> None:
    step = IntegrationRequestStep(
        {"image/png": MappingTemplate("[$input.body]")},
        content_handling="CONVERT_TO_TEXT",
        binary_media_types=("image/png",),
    )
    ctx = invocation(method="POST", headers=[("Content-Type", "image/png")], body=b"\x00\xff")
    step(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == b"[AP8=]"


def test_a_body_that_is_not_base64_cannot_convert_to_binary() -> None:
    step = IntegrationRequestStep(
        {}, passthrough="WHEN_NO_MATCH", content_handling="CONVERT_TO_BINARY"
    )
    ctx = invocation(method="POST", headers=[("Content-Type", "text/plain")], body=b"AP8=\n")
    with pytest.raises(ApiConfigurationError):
        step(ctx)
    assert ctx.integration_error == "the body is not base64 (contentHandling CONVERT_TO_BINARY)"


@pytest.mark.parametrize(
    ("content_type", "types", "binary"),
    [
        ("image/png", ("image/png",), True),
        ("image/png", ("*/*",), True),
        ("image/png", ("image/*",), True),
        ("image/png", ("Image/PNG",), True),
        ("image/png", ("image/jpeg", "text/*"), False),
        ("image/png", ("application/png",), False),
        ("image/png", (), False),
        (None, ("*/*",), False),
        ("", ("*/*",), False),
    ],
)
def test_is_binary(content_type: str | None, types: tuple[str, ...], binary: bool) -> None:
    assert is_binary(content_type, types) is binary


def test_content_handling_read_from_a_file() -> None:
    # The model's strings come from JSON or YAML: equal to the names, not the same objects.
    handling = json.loads('"CONVERT_TO_TEXT"')
    step = IntegrationRequestStep(
        {}, passthrough="WHEN_NO_MATCH", content_handling=handling, binary_media_types=("*/*",)
    )
    ctx = invocation(method="POST", headers=[("Content-Type", "image/png")], body=b"\x00\xff")
    step(ctx)
    assert ctx.integration is not None
    assert ctx.integration.body == b"AP8="
