"""`sagegate serve --metrics-emf FILE`: real servers, botocore-signed requests, and the file
read back line by line against the EMF specification."""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests
import yaml
from click.testing import CliRunner

from sagegate.cli import cli
from tests.gateway.hardening.support import ALICE, botocore_headers, echo_spec_data
from tests.gateway.two_workers import send_until_both_served
from tests.metrics.emf_support import namespace_of, read_lines, samples, total
from tests.servers import free_port, run_sagegate

API = "AWS/ApiGateway"
SAGEMAKER = "AWS/SageMaker"
RESOURCE = "/echo/{word}"


def _spec(tmp_path: Path) -> Path:
    # AWS_IAM, and an integration timeout short enough to provoke a 504 on purpose.
    data = echo_spec_data(
        tmp_path, api={"authorization_type": "AWS_IAM", "integration_timeout_ms": 300}
    )
    spec = tmp_path / "api.yaml"
    spec.write_text(yaml.safe_dump(data))
    return spec


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ALICE.access_key,
        AWS_SECRET_ACCESS_KEY=ALICE.secret_key,
        AWS_REGION="us-east-1",
    )
    return env


def _get(base: str, path: str, *, signed: bool = True) -> int:
    url = f"{base}{path}"
    headers = botocore_headers("GET", url, ALICE) if signed else {}
    # No session: a new connection each time, so that every worker takes requests.
    return requests.get(url, headers=headers, timeout=30).status_code


def _wait_for(path: Path, metric: str, wanted: float, deadline_s: float = 20) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if path.exists() and total(read_lines(path), API, metric) == wanted:
            return
        time.sleep(0.1)
    raise AssertionError(f"{metric} never reached {wanted}: {path.read_text()}")


def test_lines_every_period_then_the_last_one_at_sigterm(tmp_path: Path) -> None:
    emf = tmp_path / "metrics.emf"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = ["serve", str(_spec(tmp_path)), "--port", str(port), "--metrics-emf", str(emf)]
    argv += ["--metrics-emf-period", "0.2", "--access-log", str(tmp_path / "access.log")]
    with run_sagegate(*argv, env=_env()) as server:
        server.stderr.until(lambda line: line.startswith("sagegate: ready at "))
        statuses = [_get(base, f"/v1/echo/w{i}") for i in range(5)]
        statuses += [_get(base, "/v1/echo/boom") for _ in range(2)]  # ModelError -> 400
        statuses.append(_get(base, "/v1/echo/w", signed=False))  # 403, the method's
        statuses.append(_get(base, "/v1/nowhere"))  # 403, no method
        statuses.append(_get(base, "/v1/echo/slow?sleep=1"))  # 504, integration timeout
        assert statuses == [200] * 5 + [400, 400, 403, 403, 504]
        _wait_for(emf, "Count", len(statuses))  # written on the timer, not at exit
        lines = read_lines(emf)
        assert {namespace_of(d) for d in lines} == {API, SAGEMAKER}
        assert total(lines, API, "Count", Method="GET", Resource=RESOURCE) == 9
        assert total(lines, API, "4XXError", Method="GET", Resource=RESOURCE) == 3
        assert total(lines, API, "5XXError", Method="GET", Resource=RESOURCE) == 1
        unrouted = [d for d in lines if namespace_of(d) == API and "Method" not in d]
        assert sum(d["Count"] for d in unrouted) == 1
        assert {d["ApiName"] for d in lines if namespace_of(d) == API} == {"RestApi"}
        # Let the slow invocation's model call end (1 s after it began) before the last batch.
        time.sleep(1.2)
        assert [_get(base, f"/v1/echo/z{i}") for i in range(3)] == [200] * 3
        server.process.send_signal(15)
        assert server.process.wait(timeout=60) == 0
    lines = read_lines(emf)
    assert total(lines, API, "Count") == len(statuses) + 3
    assert total(lines, API, "4XXError") == 4
    assert total(lines, API, "5XXError") == 1
    # Latency: one sample per request (fewer than 100 a period), each a positive duration.
    latencies = samples(lines, API, "Latency")
    assert len(latencies) == len(statuses) + 3 and min(latencies) > 0
    # The endpoint behind it: 5 + 3 echoes and 2 booms (the model's 500). The slow one was
    # cut off by the gateway's timeout, and the in-process endpoint does not count a call
    # its caller cancelled (as /_sagegate/metrics shows too).
    assert total(lines, SAGEMAKER, "Invocations", EndpointName="echo-model") == 10
    assert total(lines, SAGEMAKER, "Invocation5XXErrors") == 2
    assert total(lines, SAGEMAKER, "Invocation4XXErrors") == 0
    assert len(samples(lines, SAGEMAKER, "ModelLatency")) == 10


def test_two_workers_each_write_their_own_lines_and_flush_at_sigterm(tmp_path: Path) -> None:
    emf = tmp_path / "metrics.emf"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A period longer than the test: every line is written at shutdown.
    argv = ["serve", str(_spec(tmp_path)), "--port", str(port), "--workers", "2"]
    argv += ["--metrics-emf", str(emf), "--metrics-emf-period", "600"]
    argv += ["--access-log", str(tmp_path / "access.log")]
    with run_sagegate(*argv, env=_env()) as server:
        server.stderr.until(lambda line: line.startswith("sagegate: ready at "), deadline_s=120)
        statuses = send_until_both_served(
            base,
            lambda numbers: [_get(base, f"/v1/echo/w{i}") for i in numbers],
            round_size=40,
            at_least=40,
            at_most=400,
        )
        sent = len(statuses)
        assert statuses == [200] * sent
        assert not emf.exists() or emf.read_text() == ""
        server.process.send_signal(15)
        assert server.process.wait(timeout=60) == 0
    lines = read_lines(emf)
    routed = [d for d in lines if namespace_of(d) == API and d.get("Method") == "GET"]
    assert len(routed) == 2, "one line per worker, each its own requests"
    assert total(lines, API, "Count") == sent
    assert total(lines, SAGEMAKER, "Invocations") == sent


def test_an_unwritable_file_is_refused_at_start(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "metrics.emf"
    result = CliRunner().invoke(cli, ["serve", str(_spec(tmp_path)), "--metrics-emf", str(missing)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: --metrics-emf {missing}: cannot write: ")


def test_help_says_the_period() -> None:
    text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "--metrics-emf FILE" in text and "Embedded Metric Format" in text
    assert "--metrics-emf-period SECONDS" in text and "default: 1.0" in text
