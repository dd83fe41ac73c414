"""The gateway for one REST API stage: builds the chain once, and serves it as an ASGI app.

Everything that can be done at start-up is done here (templates compiled, routes parsed,
limits built, signing keys cached by the verifier); `handle` does only per-request work.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from binascii import b2a_base64
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from sagegate.api.formats import JSON_WITH_STANDARD_FIELDS
from sagegate.api.model import RestApi
from sagegate.endpoint.targets import Target
from sagegate.gateway.build import BuildSettings, RouteInfo, compile_api
from sagegate.gateway.chain import Chain
from sagegate.gateway.context import Invocation, MethodRequest
from sagegate.gateway.gateway_responses import GatewayResponses
from sagegate.gateway.limits import LimitFactory, LocalLimits
from sagegate.gateway.logs import AccessLog, AccessLogFormat
from sagegate.gateway.ready import notify_ready
from sagegate.gateway.responses import (
    GatewayError,
    RequestHeadersTooLarge,
    RequestTooLarge,
)
from sagegate.gateway.steps.integrate_http import HttpClients
from sagegate.gateway.steps.method_response import stamp
from sagegate.gateway.steps.route import Route
from sagegate.gateway.trace import Tracer
from sagegate.iam_policy import Policy, PolicyError
from sagegate.ids import random_bytes, uuid4_of_hex
from sagegate.metrics.registry import Metrics, api_name
from sagegate.sigv4 import DEFAULT_ACCOUNT_ID, IdentityStore, SigV4Verifier
from sagegate.spec import SpecError

# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# "Total combined size of request line and header values" of a REST API call.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
MAX_HEADER_BYTES = 10_240

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("sagegate.gateway")
#: The path under which the console and the metrics answer (a stage of that name is refused).
CONSOLE_PREFIX = "/_sagegate"


class ConsoleApp(Protocol):
    """What answers `/_sagegate/...` beside the API (see `gateway/webconsole`)."""

    def admits(self, scope: Scope) -> bool:
        """True when this client may use the console; the API answers the others."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an HTTP or WebSocket request for the console."""

    async def start(self) -> None:
        """Begin its background work (the server has started)."""

    async def stop(self) -> None:
        """End its background work and open streams (the server is stopping)."""


class MetricsFlusher(Protocol):
    """What writes the metrics out on a timer beside the API (`metrics.emf.EmfFlusher`)."""

    async def start(self) -> None:
        """Begin the timer (the server has started)."""

    async def stop(self) -> None:
        """End the timer and write the last period (every request has been answered)."""

    def flush(self) -> None:
        """Write now (a forced exit, which runs no shutdown)."""


@dataclass(slots=True)
class GatewaySettings:
    """What the local gateway needs beyond the spec."""

    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    identities: IdentityStore | None = None
    access_log: TextIO | None = None
    tracer: Tracer = field(default_factory=Tracer)
    clock: Callable[[], float] = time.time
    policy: Policy | Mapping[str, Any] | None = None
    max_skew_seconds: int = 300
    # Also accept a SigV4 signature over the path and query exactly as sent (curl before
    # 8.3 signs that way); AWS refuses those, so it is off unless asked for.
    accept_literal_form: bool = False
    # Only for a process that is the server (not for a test client living in pytest).
    freeze_startup_objects: bool = False
    # The clocks of the token buckets (seconds, monotonic) and of the quota periods (UTC),
    # injectable so that tests can step time instead of sleeping.
    bucket_clock: Callable[[], float] = time.monotonic
    quota_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # The series the gateway (and the in-process endpoints) record into.
    metrics: Metrics = field(default_factory=Metrics)
    # With `--workers N`: the limits every worker shares (`shared_limits.SharedLimits`).
    limits: LimitFactory | None = None


def _load_policy(
    document: Mapping[str, Any] | None, override: Policy | Mapping[str, Any] | None
) -> Policy | None:
    """The policy given to the gateway (`--policy`), else the API's resource policy."""
    chosen = override if override is not None else document
    if chosen is None or isinstance(chosen, Policy):
        return chosen
    try:
        return Policy.parse(chosen)
    except PolicyError as exc:
        raise SpecError(f"invalid resource policy: {exc}") from None


class Gateway:
    """API Gateway's execute-api for one REST API stage, as an ASGI application."""

    def __init__(
        self,
        api: RestApi,
        targets: Mapping[str, Target],
        settings: GatewaySettings | None = None,
    ) -> None:
        """`targets` serve the SageMaker endpoint names the API's integrations call."""
        self.api = api
        self.targets = targets
        self.settings = settings = settings or GatewaySettings()
        self.api_id = api.id
        self.stage = api.stage.name
        self.tracer = settings.tracer
        self._exporting = self.tracer.exporting  # fixed when the tracer is made
        self.tracing = api.stage.tracing_enabled
        self._clock = settings.clock
        self._stage_variables = dict(api.stage.variables) or None
        # A stage without access logging still logs here, in the construct's default format.
        self.access_log = (
            AccessLog(
                AccessLogFormat(api.stage.access_log_format or JSON_WITH_STANDARD_FIELDS),
                settings.access_log,
            )
            if settings.access_log is not None
            else None
        )
        self.http_clients = HttpClients()
        self.metrics = settings.metrics
        # The console's access-log line of a test call, which no log receives.
        self.log_format = (
            self.access_log.format
            if self.access_log is not None
            else AccessLogFormat(api.stage.access_log_format or JSON_WITH_STANDARD_FIELDS)
        )
        build = BuildSettings(
            region=settings.region,
            account_id=settings.account_id,
            tracer=self.tracer,
            verifier=self._verifier(),
            policy=_load_policy(api.policy, settings.policy),
            targets=targets,
            http_clients=self.http_clients,
            limits=settings.limits or LocalLimits(settings.bucket_clock, settings.quota_clock),
            metrics=self.metrics,
        )
        router, self.plans = compile_api(api, build)
        # Requests that match no method count under the API and stage alone, as CloudWatch
        # reports them without the Method and Resource dimensions.
        self._unrouted = self.metrics.api_series(api_name(api.name, api.id), self.stage, "", "")
        #: The console, when one is served beside the API (`webconsole.WebConsole`).
        self.console: ConsoleApp | None = None
        #: Writes the metrics out periodically (`--metrics-emf`), when asked for.
        self.emf: MetricsFlusher | None = None
        #: The latest requests, for the console to describe (None: no console).
        self.recent: deque[Invocation] | None = None
        #: Every method, served or not, as the banner and the console list them.
        self.routes: list[RouteInfo] = [plan.info for plan in self.plans]
        #: The SageMaker endpoint names the API's integrations name (static ones).
        self.endpoint_names = sorted(build.endpoint_names)
        self.chain = Chain(
            Route(router), GatewayResponses(api.gateway_responses, api.stage.variables)
        )

    def _verifier(self) -> SigV4Verifier | None:
        if not self.api.uses_authorization("AWS_IAM"):
            return None
        settings = self.settings
        if settings.identities is None:
            raise SpecError("AWS_IAM authorization needs identities to verify callers")
        return SigV4Verifier(
            settings.identities,
            service="execute-api",
            region=settings.region,
            clock=settings.clock,
            max_skew_seconds=settings.max_skew_seconds,
            accept_literal_form=settings.accept_literal_form,
        )

    def new_invocation(self, request: MethodRequest) -> Invocation:
        """A fresh context for `request`, with its ids and time."""
        # One clock read and one draw of randomness (as one hex string) for every id and
        # time of the request; positional arguments (measured: 3.0 µs -> 1.6 µs).
        now = self._clock()
        entropy = random_bytes(48)
        random_hex = entropy.hex()
        settings = self.settings
        return Invocation(
            request,
            uuid4_of_hex(random_hex),  # request_id
            # extended_request_id: 15 base64 characters then '=', as AWS's look
            b2a_base64(entropy[16:28], newline=False)[:15].decode() + "=",
            int(now * 1000),  # request_time_epoch_ms
            self.tracer.ids(request.header("x-amzn-trace-id"), random_hex[56:96], now),
            self.api_id,
            settings.account_id,
            settings.region,
            self._stage_variables,
        )

    async def handle(
        self,
        request: MethodRequest,
        *,
        refused: GatewayError | None = None,
        test: bool = False,
        part_listener: Callable[[bytes], None] | None = None,
    ) -> Invocation:
        """Run one request through the chain; the context holds every stage's output.

        `refused` is a limit the ASGI entry found before reading the request (413, 431): it
        is answered and logged like any other gateway error, without running the chain.
        `test` is the console's Test: no authorization (as TestInvokeMethod), and, as AWS
        emits no CloudWatch metrics and no access log for a test call, neither here (its
        log line is rendered for the page only). `part_listener` is told each part of a
        streamed integration as it arrives.
        """
        ctx = self.new_invocation(request)
        ctx.part_listener = part_listener
        started = ctx.started_at = time.perf_counter()
        try:
            if refused is not None:
                with self.tracer.span("API Gateway", ctx.trace, stage=self.stage):
                    response = self.chain.responses.refuse(ctx, refused)
            elif self._exporting:
                with self.tracer.span("API Gateway", ctx.trace, stage=self.stage):
                    response = await self.chain.run(ctx, test=test)
            else:
                # No span to make: not even the shared no-op's enter and exit.
                response = await self.chain.run(ctx, test=test)
            stamp(ctx, response, tracing=self.tracing)
        finally:
            seconds = ctx.response_seconds = time.perf_counter() - started
            ctx.response_latency_ms = round(seconds * 1000)
            if test:
                ctx.access_log_line = self.log_format.render(ctx)
            else:
                if self.access_log is not None:
                    # Flushed at the end of this loop iteration, with the lines of the others.
                    ctx.access_log_line = self.access_log.write(ctx, asyncio.get_running_loop())
                answered = ctx.response
                (ctx.metrics or self._unrouted).record(
                    answered.status if answered is not None else 500,
                    seconds * 1000.0,
                    ctx.integration_seconds * 1000.0,
                )
                if self.recent is not None:
                    self.recent.append(ctx)
        return ctx

    def _distinct_targets(self) -> list[Target]:
        unique: dict[int, Target] = {}
        for target in self.targets.values():
            unique.setdefault(id(target), target)
        return list(unique.values())

    async def startup(self) -> None:
        """Start the targets (load models, open pools) and the console."""
        for target in self._distinct_targets():
            await target.start()
        if self.console is not None:
            await self.console.start()
        if self.emf is not None:
            await self.emf.start()
        if self.settings.freeze_startup_objects:
            # Everything made at start-up (compiled templates, the model, botocore's tables)
            # lives as long as the server: moving it out of the collector's reach keeps full
            # collections short (measured: p99 at concurrency 32 from ~27 ms to ~11 ms).
            gc.collect()
            gc.freeze()
            notify_ready()

    async def shutdown(self) -> None:
        """Stop the console, write the last metrics period, close the targets and HTTP pools,
        and flush the access log."""
        if self.console is not None:
            await self.console.stop()
        if self.emf is not None:
            await self.emf.stop()
        for target in self._distinct_targets():
            await target.close()
        await self.http_clients.close()
        if self.access_log is not None:
            self.access_log.flush()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            console = self.console
            if (
                console is not None
                and scope["path"].startswith(CONSOLE_PREFIX)
                and console.admits(scope)
            ):
                await console(scope, receive, send)
            else:
                await self._http(scope, receive, send)
        elif kind == "websocket":
            if self.console is not None and self.console.admits(scope):
                await self.console(scope, receive, send)
            else:
                # API Gateway's REST APIs take no WebSocket: refuse the handshake.
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_headers = scope["headers"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers]
        client = scope.get("client")
        version = scope.get("http_version", "1.1")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = MethodRequest(
            scope["method"],
            raw_path.decode("latin-1"),
            scope["query_string"].decode("latin-1"),
            headers,
            b"",
            client[0] if client else "127.0.0.1",
            _PROTOCOLS.get(version) or f"HTTP/{version}",
        )
        # Both limits are API Gateway's own: the head is checked before the body is read.
        refused: GatewayError | None = None
        if _header_bytes(scope, raw_path, version) > MAX_HEADER_BYTES:
            refused = RequestHeadersTooLarge()
        else:
            body = await _read_body(request, receive)
            if body is None:
                refused = RequestTooLarge()
            else:
                request.body = body
        response = (await self.handle(request, refused=refused)).response
        assert response is not None
        body = response.body
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                # A new list: the context's response keeps the headers the chain made.
                "headers": [*response.headers, (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})


# The protocol text of the usual HTTP versions, made once.
_PROTOCOLS = {version: f"HTTP/{version}" for version in ("1.0", "1.1", "2")}


def _header_bytes(scope: Scope, raw_path: bytes, http_version: str) -> int:
    """The size API Gateway limits: the request line plus every header value, in bytes."""
    target = len(raw_path)
    if scope["query_string"]:
        target += 1 + len(scope["query_string"])
    request_line = len(scope["method"]) + 1 + target + len(" HTTP/") + len(http_version)
    return request_line + sum([len(value) for _, value in scope["headers"]])


async def _read_body(request: MethodRequest, receive: Receive) -> bytes | None:
    """The body, or None when it is over API Gateway's 10 MB payload limit."""
    declared = request.header("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_PAYLOAD_BYTES:
        return None
    message = await receive()
    if message["type"] != "http.disconnect" and not message.get("more_body", False):
        # The usual case, a whole body (or none) in one message: no list of chunks to join.
        chunk = message.get("body", b"")
        if type(chunk) is bytes:
            return chunk if len(chunk) <= MAX_PAYLOAD_BYTES else None
    chunks: list[bytes] = []
    size = 0
    while message["type"] != "http.disconnect":
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_PAYLOAD_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)
