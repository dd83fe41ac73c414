import pytest

from sagegate.endpoint.response import InvocationResponse
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


def test_selection_is_remembered_per_status_and_stays_right_past_the_bound() -> None:
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
    for _ in range(2):  # the first pass fills the memo (up to its bound), the second reads it
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


@pytest.mark.parametrize(
    "accept", [None, "", "text/plain", "application/xml, */*;q=0.1", "TEXT/HTML"]
)
def test_a_single_template_is_chosen_whatever_the_accept_header(accept: str | None) -> None:
    # The step skips select_template with one template: it must choose as select_template does.
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
