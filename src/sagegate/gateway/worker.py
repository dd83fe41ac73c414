"""The ASGI factory that `sagegate serve` runs, in one process or in each of N workers.

Options travel in SAGEGATE_SERVE_CONFIG so that uvicorn's worker processes rebuild the same
gateway, and with `--workers N` the directory they share in SAGEGATE_RUN_DIR (`run_dir`):
their limits hold for all of them, and each one's console and `/_sagegate/metrics` show
every worker's figures.
"""

from __future__ import annotations

import sys
from typing import TextIO

from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import ServeOptions, build_gateway, load, read_policy
from sagegate.gateway.run_dir import RunDir, run_dir_from_env
from sagegate.gateway.webconsole import WebConsole
from sagegate.gateway.webconsole.access import ConsoleAccess
from sagegate.identities import load_identities
from sagegate.metrics.emf import EmfFlusher, EmfWriter
from sagegate.metrics.registry import Metrics


def open_access_log(path: str | None) -> TextIO:
    """The access-log sink: appended to FILE, or standard output."""
    if path is None:
        return sys.stdout
    return open(path, "a", encoding="utf-8", buffering=1 << 16)


def create_app() -> Gateway:
    """Build the gateway described by SAGEGATE_SERVE_CONFIG, with its console."""
    options = ServeOptions.from_env()
    loaded = load(options.spec_path, options.load_options())
    identities = load_identities() if loaded.api.uses_authorization("AWS_IAM") else None
    shared = run_dir_from_env()
    # With --metrics-emf the series keep each period's latencies for the EMF lines.
    metrics = Metrics(samples=options.metrics_emf is not None)
    gateway = build_gateway(
        loaded,
        identities=identities.store if identities is not None else None,
        access_log=open_access_log(options.access_log),
        endpoints=options.endpoints,
        policy=read_policy(options.policy_path),
        region=options.region,
        server_process=True,
        sigv4_literal_form=options.sigv4_literal_form,
        run_dir=shared,
        metrics=metrics,
    )
    if options.metrics_emf is not None:
        # Every worker appends its own lines (its own requests) to the same file.
        gateway.emf = EmfFlusher(
            EmfWriter(metrics, options.metrics_emf), options.metrics_emf_period
        )
    WebConsole(
        gateway,
        access=ConsoleAccess(options.console_hosts),
        run_dir=RunDir(shared) if shared is not None else None,
    )
    return gateway
