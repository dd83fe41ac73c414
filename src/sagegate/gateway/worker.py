"""The ASGI factory that `sagegate serve` runs, in one process or in each of N workers.

Options travel in SAGEGATE_SERVE_CONFIG so that uvicorn's worker processes rebuild the same
gateway. Throttling and quota state is per worker (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import sys
from typing import TextIO

from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import ServeOptions, build_gateway, load, read_policy
from sagegate.identities import load_identities


def open_access_log(path: str | None) -> TextIO:
    """The access-log sink: appended to FILE, or standard output."""
    if path is None:
        return sys.stdout
    return open(path, "a", encoding="utf-8", buffering=1 << 16)


def create_app() -> Gateway:
    """Build the gateway described by SAGEGATE_SERVE_CONFIG."""
    options = ServeOptions.from_env()
    loaded = load(options.spec_path, options.load_options())
    identities = load_identities() if loaded.api.uses_authorization("AWS_IAM") else None
    return build_gateway(
        loaded,
        identities=identities.store if identities is not None else None,
        access_log=open_access_log(options.access_log),
        endpoints=options.endpoints,
        policy=read_policy(options.policy_path),
        region=options.region,
        server_process=True,
        sigv4_literal_form=options.sigv4_literal_form,
    )
