"""Hypothesis fuzzing of the in-process chain: paths, queries, headers, bodies, templates.

Every answer must be API Gateway-shaped: a documented status, an `x-amzn-RequestId`, and a
JSON body with `message`/`Message` (or the model's own answer); and the chain must never
reach its last-resort handler for a bug ("failed inside the gateway").
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sagegate.endpoint.targets import Target
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import build_gateway
from sagegate.gateway.context import Invocation, MethodRequest
from sagegate.spec import Spec, SpecError
from tests.gateway.factories import spec_target
from tests.gateway.hardening.support import echo_spec_data, write_model

# Statuses the gateway documents (the model's own 4xx/5xx are mapped to 400/500).
DOCUMENTED = {200, 400, 403, 413, 415, 429, 431, 500, 504}
EXAMPLES = 250
TEMPLATE_EXAMPLES = 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# No sleeping, no failing on purpose: the fuzzer must not stall the executor.
FUZZ_SCRIPT = """
import json

def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    return {"echo": data}
"""


@dataclass
class InternalErrors(logging.Handler):
    """Counts the chain's last-resort log records: each one is a bug of ours."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        if "failed inside the gateway" in record.getMessage():
            self.records.append(record)

    def __hash__(self) -> int:
        return id(self)


@dataclass
class Harness:
    """A running loop, a started target, and gateways built on them."""

    loop: asyncio.AbstractEventLoop
    target: Target
    spec_data: dict[str, object]
    gateway: Gateway
    errors: InternalErrors

    def build(self, **overrides: object) -> Gateway:
        spec = Spec.from_mapping(self.spec_data | overrides)
        return build_gateway(spec, identities=None, access_log=io.StringIO(), target=self.target)

    def handle(self, request: MethodRequest, gateway: Gateway | None = None) -> Invocation:
        return self.loop.run_until_complete((gateway or self.gateway).handle(request))


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    root = tmp_path_factory.mktemp("fuzz")
    data = echo_spec_data(
        root,
        endpoint={"model_dir": str(write_model(root, FUZZ_SCRIPT))},
        api={"integration_timeout_ms": 5000, "stage_variables": {"env": "fuzz"}},
        additional_request_templates={
            "text/plain": '{"word": "$util.escapeJavaScript($input.body)"}'
        },
    )
    spec = Spec.from_mapping(data)
    target = spec_target(spec)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(target.start())
    errors = InternalErrors()
    logger = logging.getLogger("sagegate.gateway")
    logger.addHandler(errors)
    gateway = build_gateway(spec, identities=None, access_log=io.StringIO(), target=target)
    try:
        yield Harness(loop, target, data, gateway, errors)
    finally:
        logger.removeHandler(errors)
        loop.run_until_complete(target.close())
        loop.close()


def request(
    path: str = "/v1/echo/word",
    *,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    method: str = "GET",
) -> MethodRequest:
    return MethodRequest(
        http_method=method,
        raw_path=path,
        query_string=query,
        headers=headers if headers is not None else [("Host", "localhost")],
        body=body,
        source_ip="127.0.0.1",
    )


def assert_aws_shaped(ctx: Invocation, harness: Harness) -> None:
    response = ctx.response
    assert response is not None
    assert response.status in DOCUMENTED, (response.status, response.body)
    names = {name.lower() for name, _ in response.headers}
    assert b"x-amzn-requestid" in names and b"x-amz-apigw-id" in names
    assert ctx.access_log_line is not None and "\n" not in ctx.access_log_line
    json.loads(ctx.access_log_line)  # jsonWithStandardFields stays valid JSON
    if response.status != 200:
        document = json.loads(response.body)
        assert isinstance(document, dict)
        assert "message" in document or "Message" in document, document
        if ctx.error_type is not None:  # a gateway response, not a passed-through endpoint one
            assert (b"x-amzn-errortype", ctx.error_type.encode()) in response.headers
    assert harness.errors.records == [], harness.errors.records[-1].getMessage()


# Text that may appear in a path or query on the wire: ASCII printable plus latin-1 and a
# sprinkle of percent escapes, some of them broken.
WIRE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="#"),
    max_size=80,
) | st.lists(st.sampled_from(["%", "%2", "%2F", "%00", "%zz", "%E2%82", "/", "..", "//", "?"])).map(
    "".join
)


@FUZZ
@given(path=WIRE)
def test_fuzzed_paths(harness: Harness, path: str) -> None:
    for candidate in (path, "/" + path, "/v1/echo/" + path, "/v1/" + path):
        assert_aws_shaped(harness.handle(request(candidate)), harness)


@FUZZ
@given(query=WIRE)
def test_fuzzed_query_strings(harness: Harness, query: str) -> None:
    assert_aws_shaped(harness.handle(request(query=query)), harness)
    assert_aws_shaped(harness.handle(request(query=f"word={query}&sleep={query}")), harness)


HEADER_NAME = st.sampled_from(
    [
        "Content-Type",
        "Accept",
        "X-Amzn-Trace-Id",
        "Authorization",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "x-api-key",
        "Host",
        "User-Agent",
        "word",
    ]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=20)
HEADER_VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=120)


@FUZZ
@given(headers=st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=12))
def test_fuzzed_headers(harness: Harness, headers: list[tuple[str, str]]) -> None:
    assert_aws_shaped(harness.handle(request(headers=[("Host", "localhost"), *headers])), harness)


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "text/plain",
        "text/plain;charset=latin-1",
        "application/octet-stream",
        "",
        ";",
        "multipart/form-data; boundary=x",
    ]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
).map(lambda value: json.dumps(value).encode())


@FUZZ
@given(body=st.binary(max_size=2000) | JSONISH, content_type=CONTENT_TYPES)
def test_fuzzed_bodies(harness: Harness, body: bytes, content_type: str) -> None:
    headers = [("Host", "localhost"), ("Content-Type", content_type)]
    ctx = harness.handle(request(headers=headers, body=body))
    assert_aws_shaped(ctx, harness)
    if content_type.split(";")[0].strip().lower() in ("application/json", "text/plain", ""):
        assert ctx.response is not None and ctx.response.status != 415


VTL_TOKENS = st.sampled_from(
    [
        "#set($x = ",
        "#set($l = [1, 2, 3])",
        "#foreach($i in $l)",
        "#foreach($i in $input.path('$'))",
        "#if($x == 1)",
        "#elseif($x)",
        "#else",
        "#end",
        "#macro(m)",
        "#evaluate('x')",
        "#stop",
        "#break",
        "$x",
        "$!x",
        "${x}",
        "$input.params('word')",
        "$input.params()",
        "$input.path('$.a.b[0]')",
        "$input.path('$[')",
        "$input.json('$')",
        "$input.body",
        "$input.body.length()",
        "$input.body.split('(')",
        "$input.body.substring(5, 2)",
        "$input.body.matches('[')",
        "$util.parseJson($input.body)",
        "$util.base64Decode($input.body)",
        "$util.urlDecode('%zz')",
        "$util.escapeJavaScript($x)",
        "$util.nothing()",
        "$context.requestId",
        "$context.identity.sourceIp",
        "$context.responseOverride.status",
        "#set($context.responseOverride.status = 'abc')",
        "#set($context.responseOverride.status = 999)",
        "#set($context.responseOverride.header.X = $x)",
        "#set($context.requestOverride.header.X = 'y')",
        "$stageVariables.env",
        "$foreach.hasNext",
        "$x.foo().bar",
        "1 / 0",
        "$x / 0",
        '"',
        "'",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ",",
        " ",
        "\n",
        "##",
        "#*",
        "*#",
        "\\",
        "$",
        "#",
        "text",
    ]
)
TEMPLATE = st.lists(VTL_TOKENS, max_size=25).map("".join)


def _template_case(harness: Harness, source: str, key: str) -> None:
    try:
        gateway = harness.build(**{key: source})
    except SpecError:
        return  # refused at load: the outcome AWS gives at deployment
    for body in (b'{"a": {"b": [1, 2]}, "word": "w"}', b"not json"):
        headers = [("Host", "localhost"), ("Content-Type", "application/json")]
        ctx = harness.handle(request(headers=headers, body=body), gateway)
        response = ctx.response
        assert response is not None
        if response.status >= 500 and ctx.error_type is not None:
            # A template that fails at render time is API Gateway's 500 configuration error.
            assert response.status == 500
            assert json.loads(response.body) == {"message": "Internal server error"}
        assert harness.errors.records == [], harness.errors.records[-1].getMessage()
        names = {name.lower() for name, _ in response.headers}
        assert b"x-amzn-requestid" in names
        assert 100 <= response.status <= 599


@settings(FUZZ, max_examples=TEMPLATE_EXAMPLES)
@given(source=TEMPLATE)
def test_fuzzed_request_templates(harness: Harness, source: str) -> None:
    if not source.strip():
        return  # an empty request template is refused by the spec's own check
    _template_case(harness, source, "request_mapping_template")


@settings(FUZZ, max_examples=TEMPLATE_EXAMPLES)
@given(source=TEMPLATE)
# Found by this fuzzer: an out-of-range override became the HTTP status line.
@example(source="#set($context.responseOverride.status = 999)")
@example(source="#set($context.responseOverride.status = 0)")
def test_fuzzed_response_templates(harness: Harness, source: str) -> None:
    _template_case(harness, source, "response_mapping_template")
