import asyncio
import io
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagegate.api.formats import CLF, JSON_WITH_STANDARD_FIELDS
from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.logs import (
    MAX_BATCH_CHARS,
    AccessLog,
    AccessLogFormat,
    request_time,
)
from sagegate.sigv4 import Identity
from tests.gateway.factories import invocation


def finished(status: int = 200, body: bytes = b'{"ratings": [1]}'):  # type: ignore[no-untyped-def]
    ctx = invocation()
    ctx.stage, ctx.resource_path = "prod", "/predicted-ratings/{user_id}"
    ctx.response = MethodResponse(status, [], body)
    return ctx


def test_request_time_format() -> None:
    assert request_time(1_732_000_000_123) == "19/Nov/2024:07:06:40 +0000"


def test_json_with_standard_fields_order_and_values() -> None:
    line = AccessLogFormat("json").render(finished())
    parsed = json.loads(line)
    assert list(parsed) == [
        "requestId",
        "ip",
        "user",
        "caller",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
    ]
    assert parsed["status"] == "200"
    assert parsed["responseLength"] == "16"
    assert parsed["user"] == "-"  # no caller: CloudWatch prints '-'
    assert parsed["resourcePath"] == "/predicted-ratings/{user_id}"


def test_caller_identity_is_logged() -> None:
    ctx = finished()
    ctx.caller.identity = Identity(access_key="AKIAX", secret_key="s", user_id="AIDAX", arn="arn:x")
    parsed = json.loads(AccessLogFormat("json").render(ctx))
    assert (parsed["user"], parsed["caller"]) == ("AIDAX", "AIDAX")


def test_clf() -> None:
    line = AccessLogFormat("clf").render(finished(403, b"{}"))
    assert line == (
        '127.0.0.1 - - [19/Nov/2024:07:06:40 +0000] "GET /predicted-ratings/{user_id} HTTP/1.1" '
        "403 2 11111111-2222-3333-4444-555555555555"
    )


def test_custom_format_with_unknown_variable_and_error_fields() -> None:
    ctx = finished(400)
    ctx.error_message = 'Missing "x"'
    fmt = AccessLogFormat(
        '{"id":"$context.requestId","e":"$context.error.message","n":"$context.nope"}'
    )
    assert json.loads(fmt.render(ctx)) == {
        "id": "11111111-2222-3333-4444-555555555555",
        "e": 'Missing "x"',
        "n": "-",
    }


def test_access_log_writes_lines() -> None:
    sink = io.StringIO()
    log = AccessLog(AccessLogFormat("clf"), sink)
    log.write(finished())
    log.write(finished())
    log.flush()
    assert sink.getvalue().count("\n") == 2 == log.lines_written


class _RecordingSink(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_lines_are_written_in_batches_of_whole_lines() -> None:
    """Every write to the sink is whole lines and at most MAX_BATCH_CHARS: atomic for
    O_APPEND files and pipes, so workers sharing a log never cut each other's lines."""
    sink = _RecordingSink()
    log = AccessLog(AccessLogFormat("json"), sink)
    lines = [log.write(finished()) for _ in range(200)]
    log.flush()
    assert len(sink.writes) > 1
    for batch in sink.writes:
        assert batch.endswith("\n") and len(batch) <= MAX_BATCH_CHARS
    assert sink.getvalue().splitlines() == lines


def test_nothing_waits_after_a_flush() -> None:
    sink = io.StringIO()
    log = AccessLog(AccessLogFormat("clf"), sink)
    log.write(finished())
    assert sink.getvalue() == ""
    log.flush()
    assert sink.getvalue().count("\n") == 1


def test_percent_signs_in_a_custom_format_are_literal() -> None:
    line = AccessLogFormat("100% $context.requestId %s %(x)d").render(finished())
    assert line == "100% 11111111-2222-3333-4444-555555555555 %s %(x)d"


# --- The compiled format against the reference renderer it replaced (lambdas + per-value
# text), byte for byte, for every variable, every kind of format and awkward values.


def _reference_render(source: str, ctx: Invocation) -> str:
    import re

    source = {"json": JSON_WITH_STANDARD_FIELDS, "clf": CLF}.get(source, source)

    def identity(attribute: str) -> Callable[[Invocation], object]:
        return lambda c: (
            getattr(c.caller.identity, attribute) if c.caller.identity is not None else None
        )

    getters: dict[str, Callable[[Invocation], object]] = {
        "requestId": lambda c: c.request_id,
        "extendedRequestId": lambda c: c.extended_request_id,
        "requestTime": lambda c: request_time(c.request_time_epoch_ms),
        "requestTimeEpoch": lambda c: c.request_time_epoch_ms,
        "httpMethod": lambda c: c.request.http_method,
        "resourcePath": lambda c: c.resource_path or None,
        "path": lambda c: c.request.path,
        "stage": lambda c: c.stage or None,
        "protocol": lambda c: c.request.protocol,
        "status": lambda c: c.response.status if c.response else None,
        "responseLength": lambda c: len(c.response.body) if c.response else None,
        "integrationLatency": lambda c: c.integration_latency_ms,
        "integration.latency": lambda c: c.integration_latency_ms,
        "integrationStatus": lambda c: c.endpoint_response.status if c.endpoint_response else None,
        "integration.status": lambda c: c.endpoint_response.status if c.endpoint_response else None,
        "integration.error": lambda c: c.integration_error,
        "integrationErrorMessage": lambda c: c.integration_error,
        "error.message": lambda c: c.error_message,
        "error.messageString": lambda c: f'"{c.error_message}"' if c.error_message else None,
        "error.responseType": lambda c: c.response_type,
        "xrayTraceId": lambda c: c.trace.root,
        "responseLatency": lambda c: c.response_latency_ms,
        "apiId": lambda c: c.api_id,
        "accountId": lambda c: c.account_id,
        "identity.sourceIp": lambda c: c.request.source_ip,
        "identity.userAgent": lambda c: c.request.header("user-agent"),
        "identity.caller": identity("user_id"),
        "identity.user": identity("user_id"),
        "identity.userArn": identity("arn"),
        "identity.accessKey": identity("access_key"),
        "identity.accountId": identity("account_id"),
        "identity.apiKey": lambda c: c.caller.api_key,
        "identity.apiKeyId": lambda c: c.caller.api_key_id,
    }
    pattern = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
    needs = re.compile(r'[\x00-\x1f"\\\x7f\u2028\u2029]')

    def json_text(value: object) -> str:
        text = "-" if value is None or value == "" else str(value)
        return json.dumps(text, ensure_ascii=False)[1:-1] if needs.search(text) else text

    def line_text(value: object) -> str:
        text = "-" if value is None or value == "" else str(value)
        return text.replace("\r", "\\r").replace("\n", "\\n")

    text = json_text if source.lstrip().startswith("{") else line_text
    return pattern.sub(lambda m: text(getters.get(m.group(1), lambda c: None)(ctx)), source)


_ALL_VARIABLES = [
    "requestId",
    "extendedRequestId",
    "requestTime",
    "requestTimeEpoch",
    "httpMethod",
    "resourcePath",
    "path",
    "stage",
    "protocol",
    "status",
    "responseLength",
    "integrationLatency",
    "integration.latency",
    "integrationStatus",
    "integration.status",
    "integration.error",
    "integrationErrorMessage",
    "error.message",
    "error.messageString",
    "error.responseType",
    "xrayTraceId",
    "responseLatency",
    "apiId",
    "accountId",
    "identity.sourceIp",
    "identity.userAgent",
    "identity.caller",
    "identity.user",
    "identity.userArn",
    "identity.accessKey",
    "identity.accountId",
    "identity.apiKey",
    "identity.apiKeyId",
    "nope",
    "unknown.thing",
]
_FORMATS = [
    "json",
    "clf",
    "{" + ",".join(f'"{name}":"$context.{name}"' for name in _ALL_VARIABLES) + "}",
    " ".join(f"$context.{name}" for name in _ALL_VARIABLES),
    '  {"a":"$context.requestId", "pct":"100% {x} \\\\ \'$context.status\'"}',
    "100%s %d {} {{x}} ' \" \\ \n $context.requestId$context.status",
    "$context.requestId",
    "no variables at all % {}",
    "",
]


def _awkward(value: str | None, *, with_response: bool, with_identity: bool) -> Invocation:
    from sagegate.endpoint.response import InvocationResponse

    ctx = finished()
    if not with_response:
        ctx.response = None
    else:
        ctx.endpoint_response = InvocationResponse(503, [], b"")
    if value is not None:
        ctx.error_message = value
        ctx.integration_error = value
        ctx.response_type = value
        ctx.stage = value
        ctx.resource_path = value
        ctx.request.headers = [("User-Agent", value)]
        ctx.request.raw_path = "/prod/" + value.replace("%", "%25")
        ctx.caller.api_key = value
        ctx.integration_latency_ms = 0
        ctx.response_latency_ms = 12
    if with_identity:
        ctx.caller.identity = Identity(
            access_key="AKIA", secret_key="s", user_id=value or "", arn="arn:aws:iam::1:user/x"
        )
    return ctx


_VALUES = [
    None,
    "",
    "-",
    "plain",
    'q"uote',
    "back\\slash",
    "line\nbreak",
    "cr\rx",
    "\x00\x1f\x7f",
    "\u2028\u2029",
    "nbsp\xa0zwsp\u200b",  # not printable, yet nothing to escape
    "é ünï 日本",
    "%41{x}%s",
    "tab\there",
]


@pytest.mark.parametrize("fmt", _FORMATS)
@pytest.mark.parametrize("value", _VALUES)
def test_compiled_format_matches_reference(fmt: str, value: str | None) -> None:
    compiled = AccessLogFormat(fmt)
    for with_response in (True, False):
        for with_identity in (True, False):
            ctx = _awkward(value, with_response=with_response, with_identity=with_identity)
            assert compiled.render(ctx) == _reference_render(fmt, ctx)


@settings(max_examples=300, deadline=None)
@given(value=st.text(), fmt=st.sampled_from(_FORMATS[2:4]))
def test_compiled_format_matches_reference_for_any_text(value: str, fmt: str) -> None:
    ctx = _awkward(value, with_response=True, with_identity=True)
    assert AccessLogFormat(fmt).render(ctx) == _reference_render(fmt, ctx)


def test_extra_getters_are_called() -> None:
    fmt = AccessLogFormat(
        '{"x":"$context.custom","y":"$context.requestId"}',
        extra={"custom": lambda c: 'a"b', "requestId": lambda c: 7},
    )
    assert fmt.render(finished()) == '{"x":"a\\"b","y":"7"}'


def test_given_the_loop_a_batch_leaves_at_the_end_of_the_iteration_in_one_write() -> None:
    sink = _RecordingSink()
    log = AccessLog(AccessLogFormat("clf"), sink)

    async def run() -> tuple[list[str], list[str]]:
        loop = asyncio.get_running_loop()
        lines = [log.write(finished(), loop) for _ in range(3)]
        before = list(sink.writes)
        await asyncio.sleep(0)
        return before, lines

    before, lines = asyncio.run(run())

    assert before == []
    assert sink.writes == ["\n".join(lines) + "\n"]
