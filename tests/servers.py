"""Real servers on 127.0.0.1 for tests: uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from sagegate.server_settings import UVICORN_SETTINGS

ASGIApp = Any


@contextmanager
def serve_in_thread(app: ASGIApp, **config: Any) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (a free port) and yield its base URL.

    The socket is bound before the server starts, so the URL is valid the moment it is
    yielded; the server is stopped (and in-flight requests drained) on exit.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The settings `sagegate serve` runs with, so tests see what users get.
    settings: dict[str, Any] = UVICORN_SETTINGS | {"log_level": "warning"} | config
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    # The server runs in a thread: signal handlers can only be installed on the main thread.
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    # Bounded: a start that loads (or, on a fresh cache, trains) a model takes seconds.
    for _ in range(6000):
        if server.started or errors or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    if not server.started:
        sock.close()
        raise RuntimeError(f"server did not start: {errors!r}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: Any, deadline_s: float = 90) -> None:
    """Poll `url` until a server process answers; fail if it exits or the deadline passes."""
    import time

    import requests

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("serve did not come up")
