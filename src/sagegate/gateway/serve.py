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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import uvicorn
from rich.console import Console

from sagegate import native
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import (
    CONFIG_ENV,
    ServeOptions,
    describe_target,
    load_spec,
    read_policy,
    region_from,
)
from sagegate.identities import LocalIdentities, load_identities
from sagegate.server_settings import UVICORN_SETTINGS
from sagegate.spec import Spec


def example_url(spec: Spec, base: str) -> str:
    """A URL that the spec's route accepts, for the banner's example."""
    examples = {"user_id": "321"}
    parts = []
    for part in spec.path_parts:
        if part.startswith("{"):
            name = part.strip("{}").rstrip("+")
            parts.append(examples.get(name, "example"))
        else:
            parts.append(part)
    url = f"{base}/{spec.api.stage_name}/" + "/".join(parts)
    query = []
    for key in spec.required_request_parameters:
        location, name = key.split(".")[2:4]
        if location == "querystring":
            # Commas percent-encoded: the form AWS's canonical query string expects.
            value = "101%2C131%2C162" if name == "items" else "example"
            query.append(f"{name}={value}")
    return url + ("?" + "&".join(query) if query else "")


def describe_identities(identities: LocalIdentities) -> str:
    """Which key may call, and where it came from."""
    key = identities.primary.access_key
    if identities.source == "local-key-file":
        state = "created now" if identities.created else "stored"
        return f"{key} (local key pair, {state} in {identities.path}, mode 0600)"
    return f"{key} (your AWS credentials, from {identities.source})"


def banner(
    spec: Spec,
    spec_path: Path | None,
    base: str,
    identities: LocalIdentities | None,
    target_line: str,
    region: str,
) -> str:
    """What `serve` prints at start: the URL, who may call, and a command that works."""
    name = f"{spec_path}" if spec_path else "the default movie-ratings API"
    url = example_url(spec, base)
    lines = [
        f"sagegate: serving {name}",
        f"  API:       {base}/{spec.api.stage_name}{spec.resource_template}  (GET)",
        f"  endpoint:  {spec.endpoint_name}: {target_line}",
    ]
    if identities is None:
        lines.append("  auth:      NONE (anyone may call)")
        lines.append(f"  try:       curl {shlex.quote(url)}")
    else:
        primary = identities.primary
        lines.append(f"  auth:      AWS_IAM (SigV4); callers: {describe_identities(identities)}")
        token = (
            f" -H {shlex.quote('x-amz-security-token: ' + primary.session_token)}"
            if primary.session_token
            else ""
        )
        lines.append(
            f"  try:       curl --aws-sigv4 {shlex.quote(f'aws:amz:{region}:execute-api')} "
            f"--user {shlex.quote(f'{primary.access_key}:{primary.secret_key}')}{token} "
            f"{shlex.quote(url)}"
        )
    if spec.api.api_key_required and spec.usage_plan and spec.usage_plan.api_keys:
        lines.append(f"  api key:   send -H 'x-api-key: {spec.usage_plan.api_keys[0]}'")
    lines.append(f"  build:     {native.STATUS}")
    lines.append("  Ctrl-C stops (in-flight requests finish first).")
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
    """Flush the gateway's access log, looking through uvicorn's middleware wrappers."""
    for _ in range(8):
        if isinstance(app, Gateway):
            if app.access_log is not None:
                app.access_log.flush()
            return
        app = getattr(app, "app", None)


def run(
    *,
    spec_path: Path | None,
    host: str,
    port: int,
    access_log: Path | None,
    policy: Path | None,
    workers: int,
    region: str | None,
) -> int:
    """Serve until a signal; returns the exit code."""
    spec = load_spec(spec_path)
    region = region or region_from(os.environ)
    read_policy(str(policy) if policy else None)  # refuse a bad policy before starting
    # Checks the model directory now, so a bad one is refused before the server starts.
    target_line = describe_target(spec)
    identities = load_identities() if spec.api.authorization_type == "AWS_IAM" else None
    options = ServeOptions(
        spec_path=str(spec_path.resolve()) if spec_path else None,
        access_log=str(access_log.resolve()) if access_log else None,
        policy_path=str(policy.resolve()) if policy else None,
        region=region,
    )
    os.environ[CONFIG_ENV] = options.to_env()
    base = f"http://{host}:{port}"
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        banner(spec, spec_path, base, identities, target_line, region), markup=False
    )
    config = uvicorn.Config(
        "sagegate.gateway.worker:create_app",
        **UVICORN_SETTINGS,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=spec.api.integration_timeout_ms // 1000 + 1,
    )
    server = _Server(config)
    server.ready_message = f"sagegate: ready at {base}"
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
        return 0
    with _exit_zero_after_signals():
        server.run()
    if server.force_exit:
        # A second signal: leave now. Model threads still running would otherwise hold the
        # exit (the interpreter joins executor threads), so flush the log and go.
        _flush_access_log(server.config.loaded_app)
        os._exit(128 + (server.last_signal or signal.SIGTERM))
    # uvicorn returns after a graceful shutdown; a failed start leaves `started` False.
    return 0 if server.started else 3
