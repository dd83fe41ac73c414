"""One typed invocation context per request; each step writes the fields it produces.

The names follow what each stage of API Gateway produces: the method request (as received),
the route match, the caller, the integration request, the endpoint response, and the
method response that goes back to the client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.trace import TraceIds
from sagegate.gateway.vtl.values import ContextMap
from sagegate.metrics.series import Series
from sagegate.sigv4 import Identity
from sagegate.sigv4.canonical import unquote_cached


@dataclass(slots=True)
class MethodRequest:
    """The request as the client sent it."""

    http_method: str
    raw_path: str  # as on the wire, percent-encoded
    query_string: str  # raw, without '?'
    headers: list[tuple[str, str]]  # as received, names in original case
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"
    _header_map: dict[str, str] | None = None
    _query: dict[str, list[str]] | None = None

    @property
    def path(self) -> str:
        """The decoded path."""
        return unquote(self.raw_path)

    def header(self, name: str) -> str | None:
        """A header's value, case-insensitively; repeated headers joined with ','."""
        return self.header_map.get(name.lower())

    @property
    def header_map(self) -> dict[str, str]:
        """Lower-cased header names to values (repeated ones joined by ',')."""
        if self._header_map is None:
            merged: dict[str, str] = {}
            for name, value in self.headers:
                key = name.lower()
                merged[key] = f"{merged[key]},{value}" if key in merged else value
            self._header_map = merged
        return self._header_map

    @property
    def query(self) -> dict[str, list[str]]:
        """Multi-valued query string parameters, in order, decoded as API Gateway does."""
        if self._query is None:
            self._query = parse_query(self.query_string)
        return self._query


def parse_query(query_string: str) -> dict[str, list[str]]:
    """Split a raw query string; '+' is a space and a key without '=' has an empty value."""
    result: dict[str, list[str]] = {}
    if not query_string:
        return result
    for pair in query_string.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        # Most names and values hold no escape; the escaped ones (a credential scope, a
        # list of ids) repeat from request to request (measured: 6.0 -> 1.9 µs for a
        # presigned URL's nine parameters).
        if "+" in key:
            key = key.replace("+", " ")
        if "%" in key:
            key = unquote_cached(key)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote_cached(value)
        values = result.get(key)
        if values is None:
            result[key] = [value]
        else:
            values.append(value)
    return result


@dataclass(slots=True)
class Caller:
    """Who called: what $context.identity shows."""

    identity: Identity | None = None
    api_key: str | None = None
    api_key_id: str | None = None


@dataclass(slots=True)
class IntegrationRequest:
    """What the gateway sends to the integration (the SageMaker Runtime, a URL, a mock)."""

    body: bytes
    headers: dict[str, str]
    # The integration URI with its path parameters filled in (HTTP integrations), the
    # integration's HTTP method, and the query string it sends.
    uri: str = ""
    http_method: str = "POST"
    query: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class MethodResponse:
    """What goes back to the client."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(slots=True)
class Invocation:
    """The context of one request as it moves through the chain."""

    request: MethodRequest
    request_id: str
    extended_request_id: str
    request_time_epoch_ms: int
    trace: TraceIds
    api_id: str
    account_id: str
    region: str
    stage_variables: dict[str, str] | None = None
    # When the gateway took the request (time.perf_counter): the start of its trace.
    started_at: float = 0.0
    # route (and the routed method's metrics)
    stage: str = ""
    resource_path: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    metrics: Series | None = None
    # authorize / api key
    caller: Caller = field(default_factory=Caller)
    # $context, built by the first template that names it (responseOverride lives in it)
    template_context: ContextMap | None = None
    selected_template: str | None = None
    response_template: str | None = None
    # integration request / integrate / integration response
    integration: IntegrationRequest | None = None
    # What the SageMaker Runtime answered, exactly as its HTTP response would carry it.
    endpoint_response: InvocationResponse | None = None
    integration_latency_ms: int | None = None
    # The integration's span, unrounded: its start (time.perf_counter) and length in
    # seconds (-1: no integration was called).
    integration_started_at: float = 0.0
    integration_seconds: float = -1.0
    integration_error: str | None = None
    response: MethodResponse | None = None
    response_latency_ms: int | None = None
    response_seconds: float = 0.0
    access_log_line: str | None = None
    # the gateway error, when one ended the chain
    error_type: str | None = None
    error_message: str | None = None
    response_type: str | None = None

    def integrated(self, started: float) -> None:
        """Record the integration's span: it started at `started` and has just answered."""
        seconds = time.perf_counter() - started
        self.integration_started_at = started
        self.integration_seconds = seconds
        self.integration_latency_ms = round(seconds * 1000)
