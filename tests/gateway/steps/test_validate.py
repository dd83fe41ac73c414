import fastjsonschema
import pytest

from sagegate.gateway.responses import BadRequestBody, BadRequestParameters
from sagegate.gateway.steps.validate import Validate
from tests.gateway.factories import invocation

STEP = Validate(["method.request.path.user_id", "method.request.querystring.items"])


@pytest.mark.parametrize("query", ["", "items=", "items=%20", "other=1"])
def test_missing_or_blank_is_refused_with_aws_message(query: str) -> None:
    ctx = invocation(query=query)
    ctx.path_params = {"user_id": "321"}
    with pytest.raises(BadRequestParameters) as raised:
        STEP(ctx)
    assert raised.value.status_code == 400
    assert raised.value.message == "Missing required request parameters: [items]"


def test_lists_every_missing_parameter_sorted_by_full_key() -> None:
    # AWS lists method.request.header.* before path.* before querystring.*, whatever the
    # declared order (recorded: "Missing required request parameters: [X-B, id, a]").
    step = Validate(
        [
            "method.request.querystring.b",
            "method.request.querystring.a",
            "method.request.path.id",
            "method.request.header.X-B",
        ]
    )
    with pytest.raises(BadRequestParameters) as raised:
        step(invocation())
    assert raised.value.message == "Missing required request parameters: [X-B, id, a, b]"


def test_present_passes() -> None:
    ctx = invocation(query="items=101,131", headers=[("X-B", "1")])
    ctx.path_params = {"user_id": "321"}
    STEP(ctx)


@pytest.mark.parametrize(
    ("query", "refused"), [("items=&items=5", False), ("items=5&items=", True)]
)
def test_a_repeated_parameter_is_judged_by_its_last_value(query: str, refused: bool) -> None:
    # API Gateway keeps the last value of a repeated parameter as its single value (the
    # queryStringParameters of a proxy event; LocalStack's AWS-validated parser does the same).
    ctx = invocation(query=query)
    ctx.path_params = {"user_id": "321"}
    if refused:
        with pytest.raises(BadRequestParameters):
            STEP(ctx)
    else:
        STEP(ctx)


def test_a_blank_header_or_path_parameter_is_missing() -> None:
    step = Validate(["method.request.header.X-B", "method.request.path.id"])
    ctx = invocation(headers=[("X-B", " ")])
    ctx.path_params = {"id": ""}
    with pytest.raises(BadRequestParameters) as raised:
        step(ctx)
    assert raised.value.message == "Missing required request parameters: [X-B, id]"


NEEDS_A = fastjsonschema.compile({"type": "object", "required": ["a"]})


@pytest.mark.parametrize(
    ("content_type", "body", "valid"),
    [
        ("application/json", b'{"a": 1}', True),
        ("application/json; charset=utf-8", b'{"b": 1}', False),
        ("Application/JSON", b"[1]", False),
        ("application/json", b"not json", False),
        ("application/json", b"", False),  # an empty body is validated as {}
        ("text/plain", b"anything", True),  # no model for the type, no $default
        (None, b'{"b": 1}', False),  # no Content-Type: application/json
    ],
)
def test_the_body_is_checked_against_the_model_for_its_content_type(
    content_type: str | None, body: bytes, valid: bool
) -> None:
    step = Validate([], body_checks={"application/json": NEEDS_A})
    headers = [("Host", "h")] + ([("Content-Type", content_type)] if content_type else [])
    ctx = invocation(method="POST", headers=headers, body=body)
    if valid:
        step(ctx)
        return
    with pytest.raises(BadRequestBody) as raised:
        step(ctx)
    assert (raised.value.status_code, raised.value.message) == (400, "Invalid request body")


def test_the_default_model_checks_the_other_types() -> None:
    step = Validate([], body_checks={"$default": NEEDS_A})
    with pytest.raises(BadRequestBody):
        step(invocation(method="POST", headers=[("Content-Type", "text/csv")], body=b"{}"))
    step(invocation(method="POST", headers=[("Content-Type", "text/csv")], body=b'{"a": 0}'))


def test_present_headers_and_names_with_dots_pass() -> None:
    step = Validate(["method.request.header.X-B", "method.request.header.X.Dotted"])
    step(invocation(headers=[("x-b", "1"), ("X.Dotted", "2")]))
    with pytest.raises(BadRequestParameters) as raised:
        step(invocation(headers=[("x-b", "1")], query="X.Dotted=2"))
    assert raised.value.message == "Missing required request parameters: [X.Dotted]"
