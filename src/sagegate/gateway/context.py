"""One typed invocation context per request; each step writes the fields it produces.

The names follow what each stage of API Gateway produces: the method request (as received),
the route match, the caller, the integration request, the endpoint response, and the
method response that goes back to the client.

The classes made for every request write their own `__init__` (`init=False`): mypyc compiles
the methods written in the source, while the ones the dataclass decorator generates run as
interpreted Python (see docs/ARCHITECTURE.md, "The compiled build").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.trace import TraceIds
from sagegate.gateway.vtl.values import ContextMap
from sagegate.metrics.series import Series
from sagegate.sigv4 import Identity
from sagegate.sigv4.canonical import unquote_cached


@dataclass(slots=True, init=False)
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

    def __init__(
        self,
        http_method: str,
        raw_path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str = "HTTP/1.1",
        _header_map: dict[str, str] | None = None,
        _query: dict[str, list[str]] | None = None,
    ) -> None:
        self.http_method = http_method
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.source_ip = source_ip
        self.protocol = protocol
        self._header_map = _header_map
        self._query = _query

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


@dataclass(slots=True, init=False)
class Caller:
    """Who called: what $context.identity shows."""

    identity: Identity | None = None
    api_key: str | None = None
    api_key_id: str | None = None

    def __init__(
        self,
        identity: Identity | None = None,
        api_key: str | None = None,
        api_key_id: str | None = None,
    ) -> None:
        self.identity = identity
        self.api_key = api_key
        self.api_key_id = api_key_id


@dataclass(slots=True, init=False)
class IntegrationRequest:
    """What the gateway sends to the integration (the SageMaker Runtime, a URL, a mock)."""

    body: bytes
    headers: dict[str, str]
    # The integration URI with its path parameters filled in (HTTP integrations), the
    # integration's HTTP method, and the query string it sends.
    uri: str = ""
    http_method: str = "POST"
    query: list[tuple[str, str]] = field(default_factory=list)

    def __init__(
        self,
        body: bytes,
        headers: dict[str, str],
        uri: str = "",
        http_method: str = "POST",
        query: list[tuple[str, str]] | None = None,
    ) -> None:
        self.body = body
        self.headers = headers
        self.uri = uri
        self.http_method = http_method
        self.query = [] if query is None else query


@dataclass(slots=True, init=False)
class MethodResponse:
    """What goes back to the client."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


@dataclass(slots=True, init=False)
class Invocation:
    """The context of one request as it moves through the chain.

    Made with what the request starts with (the fields up to `stage_variables`); every
    later field starts at its default and is written by the step that produces it.
    """

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
    # Told each part of a streamed integration as it arrives (`sagegate invoke` prints them).
    part_listener: Callable[[bytes], None] | None = None
    access_log_line: str | None = None
    # the gateway error, when one ended the chain
    error_type: str | None = None
    error_message: str | None = None
    response_type: str | None = None

    def __init__(
        self,
        request: MethodRequest,
        request_id: str,
        extended_request_id: str,
        request_time_epoch_ms: int,
        trace: TraceIds,
        api_id: str,
        account_id: str,
        region: str,
        stage_variables: dict[str, str] | None = None,
    ) -> None:
        self.request = request
        self.request_id = request_id
        self.extended_request_id = extended_request_id
        self.request_time_epoch_ms = request_time_epoch_ms
        self.trace = trace
        self.api_id = api_id
        self.account_id = account_id
        self.region = region
        self.stage_variables = stage_variables
        self.started_at = 0.0
        self.stage = ""
        self.resource_path = ""
        self.path_params = {}
        self.metrics = None
        self.caller = Caller()
        self.template_context = None
        self.selected_template = None
        self.response_template = None
        self.integration = None
        self.endpoint_response = None
        self.integration_latency_ms = None
        self.integration_started_at = 0.0
        self.integration_seconds = -1.0
        self.integration_error = None
        self.response = None
        self.response_latency_ms = None
        self.response_seconds = 0.0
        self.part_listener = None
        self.access_log_line = None
        self.error_type = None
        self.error_message = None
        self.response_type = None

    def integrated(self, started: float) -> None:
        """Record the integration's span: it started at `started` and has just answered."""
        seconds = time.perf_counter() - started
        self.integration_started_at = started
        self.integration_seconds = seconds
        self.integration_latency_ms = round(seconds * 1000)
