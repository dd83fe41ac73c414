import io
import json

from sagegate.gateway.context import MethodResponse
from sagegate.gateway.logs import MAX_BATCH_CHARS, AccessLog, AccessLogFormat, request_time
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
