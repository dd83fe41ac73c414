"""`sagegate serve`: check everything, print how to call the API, run uvicorn.

Ctrl-C or SIGTERM stops accepting connections and lets in-flight requests finish (bounded by
the integration timeout) before the access log is flushed and the process exits 0; a second
signal exits at once (uvicorn's own behaviour).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import FrameType

import uvicorn
from rich.console import Console

from sagegate import native
from sagegate.api.load import LoadedApi
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import (
    CONFIG_ENV,
    Binding,
    ServeOptions,
    bindings_for,
    endpoint_names,
    load,
    read_policy,
)
from sagegate.gateway.build import RouteInfo, compile_routes
from sagegate.gateway.ready import ReadyWatch
from sagegate.gateway.run_dir import RUN_DIR_ENV
from sagegate.gateway.webconsole.access import ConsoleAccess
from sagegate.identities import LocalIdentities, load_identities
from sagegate.metrics.emf import EmfFileError, check_writable
from sagegate.server_settings import UVICORN_SETTINGS
from sagegate.spec import SpecError

# The default API's example: user 321, movies 101, 131 and 162 (the blog post's request).
_DEFAULT_EXAMPLE = {"user_id": "321", "items": "101%2C131%2C162"}


def example_url(loaded: LoadedApi, route: RouteInfo, base: str) -> tuple[str, list[str]]:
    """A URL for `route`, and the placeholders in it that the caller must replace.

    The default API gets the blog's real values; any other API gets upper-case placeholders
    for its path and required query parameters, named in the banner.
    """
    default = loaded.spec is not None and loaded.path is None
    placeholders: list[str] = []
    parts = []
    for part in route.path.split("/"):
        if part.startswith("{"):
            name = part.strip("{}").rstrip("+")
            value = _DEFAULT_EXAMPLE.get(name) if default else None
            if value is None:
                value = name.upper()
                placeholders.append(value)
            parts.append(value)
        else:
            parts.append(part)
    url = f"{base}/{loaded.api.stage.name}" + "/".join(parts).rstrip("/")
    method = loaded.api.resource(route.path)
    query = []
    if method is not None and route.http_method in method.methods:
        # Sorted by name: the canonical query string SigV4 signs (curl 7.x signs it as given).
        declared = method.methods[route.http_method].request_parameters
        for key, required in sorted(declared.items(), key=lambda item: item[0].split(".")[3]):
            location, name = key.split(".")[2:4]
            if location == "querystring" and required:
                value = _DEFAULT_EXAMPLE.get(name) if default else None
                if value is None:
                    value = name.upper()
                    placeholders.append(value)
                query.append(f"{name}={value}")
    return url + ("?" + "&".join(query) if query else ""), placeholders


def describe_identities(identities: LocalIdentities) -> str:
    """Which key may call, and where it came from."""
    key = identities.primary.access_key
    if identities.source == "local-key-file":
        state = "created now" if identities.created else "stored"
        return f"{key} (local key pair, {state} in {identities.path}, mode 0600)"
    return f"{key} (your AWS credentials, from {identities.source})"


def _try_route(routes: list[RouteInfo]) -> RouteInfo | None:
    """The route the banner's example calls: a served GET to an endpoint first."""
    served = [r for r in routes if r.reason is None]
    ranked = sorted(
        served,
        key=lambda r: (r.http_method != "GET", "SageMaker" not in r.integration, r.path),
    )
    return ranked[0] if ranked else None


def banner(
    loaded: LoadedApi,
    routes: list[RouteInfo],
    bound: dict[str, Binding],
    base: str,
    identities: LocalIdentities | None,
    region: str,
    *,
    literal_form: bool = False,
    metrics_emf: str | None = None,
    metrics_emf_period: float = 1.0,
) -> str:
    """What `serve` prints at start: the routes, who may call, and a command that works."""
    api = loaded.api
    if loaded.path is None:
        name = "the default movie-ratings API"
    else:
        name = f"{loaded.path} ({loaded.kind}: RestApi {api.name!r}, stage {api.stage.name})"
    lines = [f"sagegate: serving {name}", f"  API:       {base}/{api.stage.name}/"]
    width = max((len(r.http_method) for r in routes), default=3)
    for route in routes:
        url = f"{base}/{api.stage.name}{route.path}".rstrip("/")
        auth = route.authorization + (" + API key" if route.api_key_required else "")
        if route.reason is None:
            lines.append(
                f"  route:     {route.http_method:<{width}} {url}  {auth}  {route.integration}"
            )
    for route in routes:
        if route.reason is not None:
            url = f"{base}/{api.stage.name}{route.path}".rstrip("/")
            lines.append(f"  not served: {route.http_method} {url}: {route.reason} (answers 500)")
    for endpoint, binding in bound.items():
        lines.append(f"  endpoint:  {endpoint} -> {binding.describe()}")
    chosen = _try_route(routes)
    example: tuple[str, list[str]] | None = (
        example_url(loaded, chosen, base) if chosen is not None else None
    )
    if identities is None:
        lines.append("  auth:      no AWS_IAM method (no signature needed)")
    else:
        lines.append(f"  auth:      AWS_IAM (SigV4); callers: {describe_identities(identities)}")
        if literal_form:
            lines.append(
                "             also accepting signatures over the URL as sent (curl before 8.3);"
                " AWS refuses these"
            )
    if example is not None and chosen is not None:
        url, placeholders = example
        verb = "" if chosen.http_method == "GET" else f" -X {chosen.http_method}"
        if chosen.authorization == "AWS_IAM" and identities is not None:
            primary = identities.primary
            token = (
                f" -H {shlex.quote('x-amz-security-token: ' + primary.session_token)}"
                if primary.session_token
                else ""
            )
            command = (
                f"curl{verb} --aws-sigv4 {shlex.quote(f'aws:amz:{region}:execute-api')} "
                f"--user {shlex.quote(f'{primary.access_key}:{primary.secret_key}')}{token} "
                f"{shlex.quote(url)}"
            )
        else:
            command = f"curl{verb} {shlex.quote(url)}"
        if chosen.api_key_required:
            key = next((k.value for p in api.usage_plans for k in p.api_keys if k.enabled), None)
            command += f" -H {shlex.quote('x-api-key: ' + (key or 'API_KEY'))}"
            if key is None:
                placeholders.append("API_KEY")
        lines.append(f"  try:       {command}")
        if placeholders:
            lines.append(f"             (replace {', '.join(placeholders)} with real values)")
    if metrics_emf is not None:
        lines.append(
            f"  metrics:   CloudWatch EMF lines appended to {metrics_emf} "
            f"(every {metrics_emf_period:g} s and at shutdown)"
        )
    lines.append(f"  build:     {native.STATUS}")
    lines.append("  Ctrl-C stops (in-flight requests finish first).")
    # At the start of its line, for scripts that look for it.
    lines.append(f"console: {base}/_sagegate/  (metrics: {base}/_sagegate/metrics)")
    return "\n".join(lines)


@contextmanager
def _exit_zero_after_signals() -> Iterator[None]:
    """A drained shutdown is a clean exit: status 0, not death by the signal.

    uvicorn handles SIGINT/SIGTERM itself (drain, then stop; a second signal forces the
    exit) and afterwards re-raises the signal to the handler that was installed before it.
    Installing a no-op there makes the drained shutdown end with status 0.
    """
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Swallow the signal uvicorn re-raises after it has shut down."""


class _Server(uvicorn.Server):
    """uvicorn's server, where a second SIGTERM forces the exit as a second Ctrl-C does.

    uvicorn forces only on a second SIGINT; `serve` promises it for either signal.
    """

    last_signal: int | None = None
    ready_message: str | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start, then say so: the model may have trained for seconds before this."""
        await super().startup(sockets)
        if self.started and self.ready_message:
            print(self.ready_message, file=sys.stderr, flush=True)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """First signal: drain. Second one (SIGINT or SIGTERM): stop waiting."""
        draining = self.should_exit
        self.last_signal = sig
        super().handle_exit(sig, frame)
        if draining:
            self.force_exit = True


def _flush_access_log(app: object) -> None:
    """Flush the gateway's access log and EMF metrics, looking through uvicorn's middleware
    wrappers."""
    for _ in range(8):
        if isinstance(app, Gateway):
            if app.access_log is not None:
                app.access_log.flush()
            if app.emf is not None:
                app.emf.flush()
            return
        app = getattr(app, "app", None)


def run(options: ServeOptions, *, host: str, port: int, workers: int) -> int:
    """Serve until a signal; returns the exit code."""
    region = options.region or region_from_env()
    options = replace(options, region=region)
    if options.metrics_emf is not None:
        try:
            check_writable(options.metrics_emf)  # refuse an unwritable file before loading
        except EmfFileError as exc:
            raise SpecError(str(exc)) from None
    loaded = load(options.spec_path, options.load_options())
    read_policy(options.policy_path)  # refuse a bad policy before starting
    try:
        ConsoleAccess(options.console_hosts)  # refuse a bad --console-host before starting
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    # Every endpoint name is bound (and every model directory checked) before the server
    # starts; the routes compile here once to refuse a bad template before starting too.
    bound = bindings_for(loaded, options.endpoints, endpoint_names(loaded.api))
    routes = compile_routes(loaded.api)
    identities = load_identities() if loaded.api.uses_authorization("AWS_IAM") else None
    os.environ[CONFIG_ENV] = options.to_env()
    base = f"http://{host}:{port}"
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        banner(
            loaded,
            routes,
            bound,
            base,
            identities,
            region,
            literal_form=options.sigv4_literal_form,
            metrics_emf=options.metrics_emf,
            metrics_emf_period=options.metrics_emf_period,
        ),
        markup=False,
    )
    timeout_s = max(
        (m.integration.timeout_ms for _, m in loaded.api.routes() if m.integration is not None),
        default=29_000,
    )
    config = uvicorn.Config(
        "sagegate.gateway.worker:create_app",
        **UVICORN_SETTINGS,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=timeout_s // 1000 + 1,
    )
    ready_message = f"sagegate: ready at {base}"
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        sock = config.bind_socket()
        # The workers' shared directory (limits, published metrics and requests), gone at exit.
        with tempfile.TemporaryDirectory(prefix="sagegate-run-") as shared:
            os.environ[RUN_DIR_ENV] = shared
            try:
                with ReadyWatch(workers, ready_message):
                    Multiprocess(config, sockets=[sock]).run()
            finally:
                os.environ.pop(RUN_DIR_ENV, None)
        return 0
    server = _Server(config)
    server.ready_message = ready_message
    with _exit_zero_after_signals():
        server.run()
    if server.force_exit:
        # A second signal: leave now. Model threads still running would otherwise hold the
        # exit (the interpreter joins executor threads), so flush the log and go.
        _flush_access_log(server.config.loaded_app)
        os._exit(128 + (server.last_signal or signal.SIGTERM))
    # uvicorn returns after a graceful shutdown; a failed start leaves `started` False.
    return 0 if server.started else 3


def region_from_env() -> str:
    """The region from the environment (AWS_REGION, AWS_DEFAULT_REGION, us-east-1)."""
    from sagegate.gateway.assemble import region_from

    return region_from(os.environ)
