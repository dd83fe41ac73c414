import pytest

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import ApiConfigurationError
from sagegate.gateway.steps.integration_response import (
    IntegrationResponse,
    IntegrationResponseStep,
    select_template,
)
from sagegate.gateway.vtl import MappingTemplate
from tests.gateway.factories import invocation

CONSTRUCT = IntegrationResponseStep(
    [
        IntegrationResponse(200),
        IntegrationResponse(500, r"5\d{2}"),
        IntegrationResponse(400, r"4\d{2}"),
    ]
)


@pytest.mark.parametrize(
    ("status", "chosen"), [(200, 200), (424, 400), (404, 400), (503, 500), (302, 200)]
)
def test_the_constructs_selection(status: int, chosen: int) -> None:
    assert CONSTRUCT.select(status).status_code == chosen


def test_the_constructs_selection_for_every_status() -> None:
    step = IntegrationResponseStep(
        [
            IntegrationResponse(200),
            IntegrationResponse(500, r"5\d{2}"),
            IntegrationResponse(400, r"4\d{2}"),
        ]
    )
    expected = {
        status: 500 if 500 <= status <= 599 else 400 if 400 <= status <= 499 else 200
        for status in range(-5, 3000)
    }
    assert {s: step.select(s).status_code for s in expected} == expected


def test_selection_pattern_must_match_the_whole_status() -> None:
    # For parity with AWS (and unlike a prefix match), '4\\d' does not select 424.
    step = IntegrationResponseStep([IntegrationResponse(200), IntegrationResponse(400, r"4\d")])
    assert step.select(424).status_code == 200


def test_response_template_by_accept_then_json_then_first() -> None:
    templates = {"application/json": MappingTemplate("j"), "text/plain": MappingTemplate("t")}
    assert select_template(templates, "text/plain;q=0.9")[0] == "text/plain"
    assert select_template(templates, "application/xml")[0] == "application/json"
    assert select_template({"text/plain": templates["text/plain"]}, None)[0] == "text/plain"


def test_error_answers_pass_through_without_a_template() -> None:
    step = IntegrationResponseStep(
        [
            IntegrationResponse(200, None, {"application/json": MappingTemplate('{"ok": 1}')}),
            IntegrationResponse(400, r"4\d{2}"),
        ]
    )
    ctx = invocation()
    ctx.endpoint_response = InvocationResponse(424, [], b'{"ErrorCode": "X"}')
    step(ctx)
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (400, b'{"ErrorCode": "X"}')
    # Passed through under the method response's type, as the construct's 4xx/5xx answers.
    assert ctx.response.headers == [(b"content-type", b"application/json")]
    assert ctx.response_template is None


@pytest.mark.parametrize(
    "accept", [None, "", "text/plain", "application/xml, */*;q=0.1", "TEXT/HTML"]
)
def test_a_single_template_is_chosen_whatever_the_accept_header(accept: str | None) -> None:
    template = MappingTemplate('{"t": "$input.path(\'$.a\')"}')
    templates = {"text/html": template}
    assert select_template(templates, accept) == ("text/html", template)
    step = IntegrationResponseStep([IntegrationResponse(200, None, templates)])
    headers = [("Host", "localhost")] + ([("Accept", accept)] if accept is not None else [])
    ctx = invocation(headers=headers)
    ctx.endpoint_response = InvocationResponse(200, [], b'{"a": "\\u00e9"}')
    step(ctx)
    assert ctx.response is not None
    assert ctx.response_template == "text/html"
    assert ctx.response.headers == [(b"content-type", b"text/html")]
    assert ctx.response.body == '{"t": "é"}'.encode()


def answered(
    step: IntegrationResponseStep,
    *,
    accept: str | None = None,
    status: int = 200,
    body: bytes = b'{"a": 1}',
) -> Invocation:
    """The invocation after `step` mapped an endpoint answer, for a client sending `accept`."""
    headers = [("Host", "localhost")] + ([("Accept", accept)] if accept is not None else [])
    ctx = invocation(headers=headers)
    ctx.endpoint_response = InvocationResponse(status, [], body)
    step(ctx)
    return ctx


def refused(step: IntegrationResponseStep, *, status: int = 200, body: bytes = b"{}") -> Invocation:
    """The invocation after `step` refused an endpoint answer as a configuration error."""
    ctx = invocation()
    ctx.endpoint_response = InvocationResponse(status, [], body)
    with pytest.raises(ApiConfigurationError):
        step(ctx)
    assert ctx.response is None
    return ctx


def templated(*content_types: str) -> IntegrationResponseStep:
    """One default response whose template for each type writes that type's name."""
    templates = {kind: MappingTemplate(f"as {kind}") for kind in content_types}
    return IntegrationResponseStep([IntegrationResponse(200, None, templates)])


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("application/xml", "application/xml"),
        ("text/html, application/xml;q=0.9", "application/xml"),
        (" TEXT/PLAIN ; charset=utf-8", "text/plain"),
        ("image/png", "application/json"),  # no template for it: application/json
        ("", "application/json"),
        (None, "application/json"),
    ],
)
def test_the_step_maps_with_the_template_the_client_accepts(
    accept: str | None, chosen: str
) -> None:
    # AWS picks the response template by the method request's Accept header, else
    # application/json (what LocalStack's AWS-validated handler does, and its notes say).
    ctx = answered(templated("text/plain", "application/xml", "application/json"), accept=accept)
    assert ctx.response is not None
    assert ctx.response_template == chosen
    assert ctx.response.headers == [(b"content-type", chosen.encode())]
    assert ctx.response.body == f"as {chosen}".encode()


def test_without_a_json_template_the_first_one_maps() -> None:
    ctx = answered(templated("text/plain", "application/xml"), accept="image/png")
    assert ctx.response is not None
    assert (ctx.response_template, ctx.response.body) == ("text/plain", b"as text/plain")


def override_status(value: int) -> IntegrationResponseStep:
    template = MappingTemplate(f"#set($context.responseOverride.status = {value})ok")
    return IntegrationResponseStep([IntegrationResponse(200, None, {"application/json": template})])


@pytest.mark.parametrize("status", [100, 204, 599])
def test_a_template_may_override_the_status_with_any_method_response_code(status: int) -> None:
    # A method response status code is [1-5]\d\d on AWS (its ValidationException for any
    # other statusCode, recorded in LocalStack's AWS snapshots).
    ctx = answered(override_status(status))
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (status, b"ok")


@pytest.mark.parametrize("status", [99, 600, 0, -200])
def test_an_override_outside_the_status_codes_is_a_configuration_error(status: int) -> None:
    ctx = refused(override_status(status))
    assert ctx.integration_error == f"invalid $context.responseOverride.status: {status}"


def test_no_match_and_no_default_is_a_configuration_error() -> None:
    ctx = refused(IntegrationResponseStep([IntegrationResponse(400, r"4\d{2}")]))
    assert ctx.integration_error == (
        "Execution failed due to configuration error: No match for output mapping and no "
        "default output mapping specified. Endpoint Response Status Code: 200"
    )


def test_an_empty_selection_pattern_is_the_default_response() -> None:
    step = IntegrationResponseStep(
        [IntegrationResponse(500, r"5\d{2}"), IntegrationResponse(201, "")]
    )
    assert step.select(200).status_code == 201
    assert step.select(503).status_code == 500


@pytest.mark.parametrize(
    ("handling", "body", "passed"),
    [
        ("CONVERT_TO_TEXT", b"\x00\xff", b"AP8="),
        ("CONVERT_TO_BINARY", b"AP8=", b"\x00\xff"),
    ],
)
def test_content_handling_converts_a_body_that_passes_through(
    handling: str, body: bytes, passed: bytes
) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
    step = IntegrationResponseStep([IntegrationResponse(200, content_handling=handling)])
    ctx = answered(step, body=body)
    assert ctx.response is not None
    assert ctx.response.body == passed


@pytest.mark.parametrize("body", [b"AP8", b"A*P8=", b"AP8=\n"])
def test_converting_a_body_that_is_not_base64_to_binary_is_a_configuration_error(
    body: bytes,
) -> None:
    step = IntegrationResponseStep([IntegrationResponse(200, content_handling="CONVERT_TO_BINARY")])
    ctx = refused(step, body=body)
    assert ctx.integration_error == "the body is not base64 (contentHandling CONVERT_TO_BINARY)"


def test_a_failing_response_template_is_a_configuration_error() -> None:
    failing = {"application/json": MappingTemplate("$input.path('predictions')")}
    ctx = refused(IntegrationResponseStep([IntegrationResponse(200, None, failing)]))
    assert ctx.integration_error == (
        "mapping template failed to render: JSONPath must start with '$': 'predictions'"
    )
