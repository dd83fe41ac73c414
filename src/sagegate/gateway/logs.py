"""Access logs: one line per request, in API Gateway's formats.

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
`json` is the CDK's `AccessLogFormat.jsonWithStandardFields()` (the construct's default),
`clf` is `AccessLogFormat.clf()`, anything else a custom `$context` format. A variable
without a value prints '-', as in CloudWatch.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from typing import TextIO

from sagegate.gateway.context import Invocation

JSON_WITH_STANDARD_FIELDS = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"user":"$context.identity.user","caller":"$context.identity.caller",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength"}'
)
CLF = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId"
)
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
_NEEDS_JSON_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f\u2028\u2029]')
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Getter = Callable[[Invocation], object]


def request_time(epoch_ms: int) -> str:
    """API Gateway's $context.requestTime: 'dd/MMM/yyyy:HH:mm:ss +0000'."""
    return _request_time_of_second(epoch_ms // 1000)


# Every request of the same second shows the same text: format it once per second.
@functools.lru_cache(maxsize=4)
def _request_time_of_second(epoch_seconds: int) -> str:
    t = time.gmtime(epoch_seconds)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def _identity(attribute: str) -> Getter:
    def get(ctx: Invocation) -> object:
        identity = ctx.caller.identity
        return getattr(identity, attribute) if identity is not None else None

    return get


_GETTERS: dict[str, Getter] = {
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
    "identity.caller": _identity("user_id"),
    "identity.user": _identity("user_id"),
    "identity.userArn": _identity("arn"),
    "identity.accessKey": _identity("access_key"),
    "identity.accountId": _identity("account_id"),
    "identity.apiKey": lambda c: c.caller.api_key,
    "identity.apiKeyId": lambda c: c.caller.api_key_id,
}


class AccessLogFormat:
    """A compiled access-log format: a %-template and one getter per $context variable."""

    def __init__(self, spec_value: str, *, extra: dict[str, Getter] | None = None) -> None:
        source = {"json": JSON_WITH_STANDARD_FIELDS, "clf": CLF}.get(spec_value, spec_value)
        known = _GETTERS | (extra or {})
        # JSON formats put values inside quotes: escape them so every line stays valid JSON.
        self._escape = source.lstrip().startswith("{")
        pieces: list[str] = []
        self._getters: list[Getter] = []
        position = 0
        for match in _VARIABLE.finditer(source):
            pieces.append(source[position : match.start()].replace("%", "%%"))
            pieces.append("%s")
            self._getters.append(known.get(match.group(1), _missing))
            position = match.end()
        pieces.append(source[position:].replace("%", "%%"))
        self._template = "".join(pieces)

    def render(self, ctx: Invocation) -> str:
        """One log line (without the newline)."""
        escape = _json_text if self._escape else _line_text
        return self._template % tuple([escape(get(ctx)) for get in self._getters])


def _json_text(value: object) -> str:
    text = "-" if value is None or value == "" else str(value)
    # JSON string escaping (quotes, backslashes, control characters), only for the rare
    # value that needs it: most are ids, numbers and '-'.
    if _NEEDS_JSON_ESCAPE.search(text):
        return json.dumps(text, ensure_ascii=False)[1:-1]
    return text


def _line_text(value: object) -> str:
    text = "-" if value is None or value == "" else str(value)
    # One request, one line: a value never breaks a line of another format.
    if "\n" in text or "\r" in text:
        return text.replace("\r", "\\r").replace("\n", "\\n")
    return text


def _missing(ctx: Invocation) -> object:
    return None


# The most a batch of whole lines may hold before it is written: a write of up to PIPE_BUF
# (4,096) bytes to a pipe is atomic, and an O_APPEND write to a local file is; so with
# `--workers N` sharing one log file (or one stdout), lines of two workers never interleave.
# Counted in characters, which is bytes for the ASCII lines of the standard formats.
MAX_BATCH_CHARS = 4096


class AccessLog:
    """Writes one line per request to a text sink, in batches of whole lines.

    Lines wait in a batch until it would pass MAX_BATCH_CHARS or the gateway goes idle
    (`flush`); each batch is one write to the sink followed by a flush, so the sink's own
    buffer never cuts a line between two writes.
    """

    def __init__(self, log_format: AccessLogFormat, sink: TextIO) -> None:
        self.format = log_format
        self.sink = sink
        self.lines_written = 0
        self._batch: list[str] = []
        self._batch_chars = 0

    def write(self, ctx: Invocation) -> str:
        """Render the line for `ctx` and queue it for the next batch; returns it."""
        line = self.format.render(ctx) + "\n"
        if self._batch_chars + len(line) > MAX_BATCH_CHARS:
            self.flush()
        self._batch.append(line)
        self._batch_chars += len(line)
        self.lines_written += 1
        return line[:-1]

    def flush(self) -> None:
        """Write the waiting lines as one batch and flush the sink (at idle, at shutdown)."""
        if self._batch:
            self.sink.write("".join(self._batch))
            self._batch.clear()
            self._batch_chars = 0
        self.sink.flush()
