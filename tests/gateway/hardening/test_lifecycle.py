"""`sagegate serve` as a process: a signal drains in-flight requests, flushes the access log
and exits 0; a second signal exits at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.gateway.hardening.support import echo_spec_data
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.slow


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """A real `python -m sagegate serve` of the echo spec, its access log in a file."""
    spec_path = tmp_path / "api.yaml"
    spec_path.write_text(yaml.safe_dump(echo_spec_data(tmp_path)))
    log_path = tmp_path / "access.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["SAGEGATE_CONFIG_DIR"] = str(tmp_path / "config")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagegate",
            "serve",
            str(spec_path),
            "--port",
            str(port),
            "--access-log",
            str(log_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url, process, log_path
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        assert process.stderr is not None
        process.stderr.close()


class InFlight:
    """One slow request on a thread; its outcome once it ends."""

    def __init__(self, url: str) -> None:
        self.status: int | None = None
        self.body: object = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()

    def _run(self, url: str) -> None:
        try:
            response = requests.get(url, timeout=30)
            self.status, self.body = response.status_code, response.json()
        except BaseException as exc:  # reported to the test
            self.error = exc

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the in-flight request never ended"


def _answered_until_refused(url: str, within_s: float = 5) -> int:
    """Requests answered before new connections are refused (the signal takes a moment)."""
    answered = 0
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/v1/echo/late", timeout=1)
        except requests.ConnectionError:
            return answered
        answered += 1
        time.sleep(0.05)
    raise AssertionError("still accepting connections after the signal")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_drains_the_in_flight_request_flushes_the_log_and_exits_0(
    serve: tuple[str, subprocess.Popen[bytes], Path], signum: int
) -> None:
    url, process, log_path = serve
    assert requests.get(f"{url}/v1/echo/warm", timeout=30).status_code == 200
    slow = InFlight(f"{url}/v1/echo/slow?sleep=1")
    time.sleep(0.3)  # the request is now inside the model's 1 s sleep
    process.send_signal(signum)
    late = _answered_until_refused(url)
    slow.join(timeout=30)
    assert slow.error is None, slow.error
    assert (slow.status, slow.body) == (200, {"said": "slow"})
    assert process.wait(timeout=30) == 0
    # Every answer is in the flushed log: the readiness probe (403), warm-up, late ones, slow.
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert len(lines) == 1 + 1 + late + 1
    assert lines[0]["status"] == "403" and lines[-1]["status"] == "200"


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_second_signal_exits_at_once(
    serve: tuple[str, subprocess.Popen[bytes], Path], second: int
) -> None:
    url, process, log_path = serve
    assert requests.get(f"{url}/v1/echo/warm", timeout=30).status_code == 200
    slow = InFlight(f"{url}/v1/echo/slow?sleep=20")
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert process.poll() is None, "the first signal waits for the in-flight request"
    started = time.monotonic()
    process.send_signal(second)
    # Forced: it does not wait for the 20 s model call; the exit code says which signal.
    assert process.wait(timeout=10) == 128 + second
    assert time.monotonic() - started < 5
    slow.join(timeout=30)
    assert slow.status is None and slow.error is not None
    # What was answered before is in the log, flushed on the way out; the abandoned request
    # is logged without a status ('-') when its task is cancelled before the exit.
    statuses = [json.loads(line)["status"] for line in log_path.read_text().splitlines()]
    assert statuses[:2] == ["403", "200"] and statuses[2:] in ([], ["-"])
