import pytest

from sagegate.gateway.mappings import Mappings
from sagegate.gateway.responses import UnsupportedMediaType
from sagegate.gateway.steps.integration_request import IntegrationRequestStep, media_type
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
