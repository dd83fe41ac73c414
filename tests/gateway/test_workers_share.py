"""`serve --workers 2`: limits and metrics hold for the API as a whole, as on AWS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.hardening.support import echo_spec_data
from tests.gateway.two_workers import send_until_both_served
from tests.servers import free_port

KEY = "workers-share-key-0123456789"
QUOTA = 30
SENT = 60


def _requests_total(base: str) -> float:
    text = requests.get(f"{base}/_sagegate/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "apigateway_requests"
        for sample in family.samples
        if sample.name == "apigateway_requests_total"
    )


def _wait_ready(process: subprocess.Popen[str], deadline_s: float = 120) -> list[str]:
    """Wait for the ready line; the server's standard error keeps arriving in the list."""
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if line.startswith("sagegate: ready at "):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + deadline_s
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("serve --workers 2 did not say it was ready")
    return lines


def test_one_quota_and_one_metrics_total_across_two_workers(tmp_path: Path) -> None:
    data = echo_spec_data(
        tmp_path,
        api={"api_key_required": True},
        create_usage_plan=True,
        usage_plan={
            "throttle": {"rate_limit": 10_000, "burst_limit": 5_000},
            "quota": {"limit": QUOTA, "period": "DAY"},
            "api_keys": [KEY],
        },
    )
    spec = tmp_path / "api.yaml"
    spec.write_text(yaml.safe_dump(data))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    argv = [sys.executable, "-m", "sagegate", "serve", str(spec), "--workers", "2"]
    process = subprocess.Popen(
        [*argv, "--port", str(port), "--access-log", str(tmp_path / "access.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        log = _wait_ready(process)

        def get(word: int) -> int:
            # A new connection each time, so that either worker may accept it.
            answer = requests.get(f"{base}/v1/echo/w{word}", headers={"x-api-key": KEY}, timeout=30)
            return answer.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = send_until_both_served(
                base,
                lambda numbers: list(pool.map(get, numbers)),
                round_size=20,
                at_least=SENT,
                at_most=600,
            )
        assert statuses.count(200) == QUOTA
        assert statuses.count(429) == len(statuses) - QUOTA
        # Workers publish their figures on a short timer: the total is exact once they have.
        deadline = time.monotonic() + 30
        while (total := _requests_total(base)) != len(statuses) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert total == len(statuses), "".join(log)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
    assert code == 0
