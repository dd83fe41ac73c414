"""Parameter mappings: every source kind API Gateway accepts, and the ones it refuses.

https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
Repeated query parameters and headers give their last value, the multivalue forms all of them
joined by commas (what LocalStack's AWS-validated parameter mapper does).
"""

from __future__ import annotations

import pytest

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import Invocation
from sagegate.gateway.mappings import MappingError, Mappings, constant
from tests.gateway.factories import invocation

STAGE = {"color": "blue", "empty": ""}
ANSWER = InvocationResponse(
    200,
    [("X-Up", "1"), ("x-up", "2"), ("Content-Type", "application/json")],
    b' {"score": 3.5, "tags": ["a", "b"], "nested": {"k": "v"}} ',
)


def request(body: bytes = b'{"user": {"id": 7, "name": "ann"}, "list": [1, 2]}') -> Invocation:
    ctx = invocation(
        method="POST",
        query="items=1&items=2&one=x&blank=",
        headers=[("Host", "h"), ("X-A", "first"), ("x-a", "second"), ("X-Empty", "")],
        body=body,
    )
    ctx.path_params = {"user_id": "321"}
    return ctx


def mapped(source: str, *, side: str = "request", ctx: Invocation | None = None) -> str | None:
    """The value `source` maps for the standard request (and answer on the response side)."""
    mappings = Mappings(
        {"integration.request.header.out": source}, "integration.request.header.", STAGE, side=side
    )
    return mappings.evaluate(ctx or request(), ANSWER).get("out")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'static value'", "static value"),
        ("''", ""),
        ("stageVariables.color", "blue"),
        ("stageVariables.missing", None),
        ("context.requestId", "11111111-2222-3333-4444-555555555555"),
        ("context.identity.sourceIp", "127.0.0.1"),
        ("context.identity", None),  # a map is no parameter value
        ("context.nope.deeper", None),
        ("method.request.path.user_id", "321"),
        ("method.request.path.other", None),
        ("method.request.querystring.items", "2"),
        ("method.request.querystring.blank", None),
        ("method.request.multivaluequerystring.items", "1,2"),
        ("method.request.multivaluequerystring.none", None),
        ("method.request.header.x-A", "second"),
        ("method.request.header.X-Empty", None),
        ("method.request.header.missing", None),
        ("method.request.multivalueheader.X-A", "first,second"),
        ("method.request.body", '{"user": {"id": 7, "name": "ann"}, "list": [1, 2]}'),
        ("method.request.body.user.name", "ann"),
        ("method.request.body.user.id", "7"),
        ("method.request.body.user", '{"id":7,"name":"ann"}'),
        ("method.request.body.list[-1]", "2"),
        ("method.request.body.missing", None),
    ],
)
def test_request_side_sources(source: str, value: str | None) -> None:
    assert mapped(source) == value


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b"name=ann", None),  # not JSON-looking: read as {}
        (b'  {"name": "ann"}  ', "ann"),
        (b'{"name": ', None),  # looks like JSON, is not: {}
        (b'[{"name": "ann"}]', None),
        (b"", None),
    ],
)
def test_a_body_is_read_as_json_only_when_it_looks_like_json(
    body: bytes, value: str | None
) -> None:
    assert mapped("method.request.body.name", ctx=request(body)) == value


def test_a_json_string_body_maps_its_text() -> None:
    assert mapped("method.request.body", ctx=request(b'"quoted"')) == '"quoted"'
    assert mapped("method.request.body.x", ctx=request(b'"quoted"')) is None


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("integration.response.header.X-UP", "2"),
        ("integration.response.multivalueheader.x-up", "1,2"),
        ("integration.response.header.missing", None),
        ("integration.response.body", ' {"score": 3.5, "tags": ["a", "b"], "nested": {"k": "v"}} '),
        ("integration.response.body.score", "3.5"),
        ("integration.response.body.tags", '["a","b"]'),
        ("integration.response.body.nested.k", "v"),
        ("method.request.path.user_id", None),  # the method request is not a response source
    ],
)
def test_response_side_sources(source: str, value: str | None) -> None:
    if source.startswith("method."):
        with pytest.raises(MappingError):
            mapped(source, side="response")
        return
    assert mapped(source, side="response") == value


def test_a_response_getter_without_an_answer_maps_nothing() -> None:
    mappings = Mappings(
        {"method.response.header.h": "integration.response.header.X-Up"},
        "method.response.header.",
        STAGE,
        side="response",
    )
    assert mappings.evaluate(request()) == {}


@pytest.mark.parametrize(
    ("source", "side", "message"),
    [
        (
            "method.request.querystring",
            "request",
            "'method.request.querystring' names no parameter",
        ),
        (
            "method.request.cookie.a",
            "request",
            "method.request.cookie is not a request parameter location",
        ),
        (
            "method.request.body",
            "gateway",
            "'method.request.body': a gateway response cannot map the body",
        ),
        (
            "integration.response.header.x",
            "request",
            "'integration.response.header.x' is not a mapping source API Gateway accepts here",
        ),
        (
            "integration.response.cookie.x",
            "response",
            "'integration.response.cookie.x' is not a mapping source API Gateway accepts here",
        ),
        (
            "integration.response.abc",
            "response",
            "'integration.response.abc' is not a mapping source API Gateway accepts here",
        ),
        ("method.request.abc", "request", "'method.request.abc' names no parameter"),
        (
            "method.request.zzz.a",
            "request",
            "method.request.zzz is not a request parameter location",
        ),
        (
            "integration.response.header",
            "response",
            "'integration.response.header' is not a mapping source API Gateway accepts here",
        ),
        (
            "method.request.body.a b",
            "request",
            "'a b' is not a JSONPath expression: unsupported JSONPath at 3: '$.a b'",
        ),
        ("'", "request", '"\'" is not a mapping source API Gateway accepts here'),
        ("value", "request", "'value' is not a mapping source API Gateway accepts here"),
    ],
)
def test_sources_api_gateway_refuses(source: str, side: str, message: str) -> None:
    with pytest.raises(MappingError) as refused:
        mapped(source, side=side)
    assert str(refused.value) == message


def test_the_gateway_side_maps_request_parameters() -> None:
    assert mapped("method.request.header.X-A", side="gateway") == "second"


def test_constants_are_known_at_load_in_declared_order_and_the_rest_per_request() -> None:
    mappings = Mappings(
        {
            "integration.request.header.b": "'2'",
            "integration.request.querystring.q": "'not this prefix'",
            "integration.request.header.a": "stageVariables.color",
            "integration.request.header.none": "stageVariables.missing",
            "integration.request.header.empty": "stageVariables.empty",
            "integration.request.header.user": "method.request.path.user_id",
            "integration.request.header.absent": "method.request.header.missing",
        },
        "integration.request.header.",
        STAGE,
        side="request",
    )
    assert list(mappings.constant.items()) == [("b", "2"), ("a", "blue"), ("empty", "")]
    assert mappings.evaluate(request()) == {"b": "2", "a": "blue", "empty": "", "user": "321"}
    assert bool(mappings)
    assert not Mappings({}, "integration.request.header.", STAGE, side="request")
    only_dynamic = {"integration.request.header.u": "method.request.path.user_id"}
    assert Mappings(only_dynamic, "integration.request.header.", STAGE, side="request")


def test_a_destination_must_name_a_parameter() -> None:
    with pytest.raises(MappingError, match=r"^'integration.request.header.' names no parameter$"):
        Mappings(
            {"integration.request.header.": "'x'"},
            "integration.request.header.",
            STAGE,
            side="request",
        )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'x'", (True, "x")),
        ("''", (True, "")),
        ("'", (False, None)),
        ("x'", (False, None)),
        ("'x", (False, None)),
        ("stageVariables.a", (True, "A")),
        ("stageVariables.unset", (True, None)),
        ("context.a", (False, None)),
    ],
)
def test_constants_are_known_at_load(source: str, expected: tuple[bool, str | None]) -> None:
    assert constant(source, {"a": "A"}) == expected
