"""Real servers on 127.0.0.1 for tests: uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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


class LineReader:
    """The lines a child process writes to one text stream, read on a thread of their own so
    that a test can wait for a line with a deadline instead of blocking on the pipe."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._stream = stream
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        self._thread = threading.Thread(target=self._read, name="line-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def close(self) -> None:
        """Once the writer has exited: let the reader reach the end, then close the stream."""
        self._thread.join(timeout=10)
        self._stream.close()

    def until(self, predicate: Callable[[str], bool], deadline_s: float = 60) -> list[str]:
        """Every line read so far, once one satisfies `predicate`; fails at the end of the
        stream or at the deadline."""
        deadline = time.monotonic() + deadline_s
        while not any(predicate(line) for line in self.lines):
            assert not self._ended, f"the stream ended first: {self.lines}"
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no such line within {deadline_s} s: {self.lines}"
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self._ended = True
            else:
                self.lines.append(line)
        return self.lines


@dataclass
class SagegateProcess:
    """A `sagegate` command running as a child process, its output read line by line."""

    process: subprocess.Popen[str]
    stdout: LineReader
    stderr: LineReader


@contextmanager
def run_sagegate(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[SagegateProcess]:
    """`sagegate ARGS...` as users run it, in this interpreter; stopped with SIGTERM at the end
    (killed if it has not exited 60 s later)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sagegate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert process.stdout is not None and process.stderr is not None
    server = SagegateProcess(process, LineReader(process.stdout), LineReader(process.stderr))
    try:
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
