"""Server processes for the scenarios: start one, wait until it answers, measure its CPU, stop it.

Every server runs in its own process (never in the load client's), on 127.0.0.1 only, with its
output kept in a log file that is quoted when it fails to start.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

HOST = "127.0.0.1"
# The default model trains at first start (a few seconds); a cold cache must still fit.
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 20.0


class ServerFailed(RuntimeError):
    """A server process exited or never answered."""


def free_port() -> int:
    """A port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def http_request(
    port: int,
    method: str,
    target: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    """One request over a fresh connection; (status, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, target, body=body or None, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class ServerProcess:
    """A running server, its port and its log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the process and its children."""
        try:
            root = psutil.Process(self.process.pid)
            total = 0.0
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
            return total
        except psutil.NoSuchProcess:
            return 0.0

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's output, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, ready_target: str, *, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Poll `GET ready_target` until it answers below 500 (e.g. 200 from /ping)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _ = http_request(self.port, "GET", ready_target, timeout=2.0)
            except OSError:
                status = 0
            if 0 < status < 500:
                return
            time.sleep(0.1)
        raise ServerFailed(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (the servers drain and exit), then SIGKILL if it takes too long."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextmanager
def running(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    ready_target: str,
    workdir: Path,
    env: Mapping[str, str],
) -> Iterator[ServerProcess]:
    """Start `argv` (which must listen on `port`), wait until ready, stop it on exit."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=dict(env),
        )
    server = ServerProcess(name, port, process, log_path)
    try:
        server.wait_ready(ready_target)
        yield server
    finally:
        server.stop()


def server_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without AWS credential settings, plus `overrides`.

    Credentials from the caller's shell must not decide who may call the benchmarked API.
    """
    dropped = {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
    }
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(overrides)
    return env
