"""`sagegate endpoint serve --metrics-emf FILE`: boto3 invocations, then SIGTERM, then the
file's AWS/SageMaker lines add up to what was sent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import requests
from click.testing import CliRunner

from sagegate.cli import cli
from tests.endpoint.conftest import runtime_client, wait_until
from tests.endpoint.test_endpoint_errors import FAILING
from tests.metrics.emf_support import namespace_of, read_lines, samples, total
from tests.servers import free_port, run_sagegate

SAGEMAKER = "AWS/SageMaker"


def test_invocations_are_written_at_sigterm(
    write_model: Callable[..., Path], tmp_path: Path
) -> None:
    emf = tmp_path / "metrics.emf"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    argv = ["endpoint", "serve", "--model-dir", str(write_model("scorer", FAILING))]
    # A period longer than the test: the lines are those of the shutdown.
    argv += ["--port", str(port), "--metrics-emf", str(emf), "--metrics-emf-period", "600"]
    with run_sagegate(*argv, env=env) as server:

        def ready() -> bool:
            try:
                return requests.get(f"{url}/ping", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(ready, "the model to load", seconds=60)
        client: Any = runtime_client(url)
        for _ in range(3):
            client.invoke_endpoint(EndpointName="scorer", Body=b"{}")
        for body in (b'{"bad": 1}', b'{"crash": 1}'):
            with pytest.raises(botocore.exceptions.ClientError):
                client.invoke_endpoint(EndpointName="scorer", Body=body)
        assert emf.read_text() == ""
        server.process.send_signal(15)
        server.process.wait(timeout=60)
    lines = read_lines(emf)
    assert len(lines) == 1 and namespace_of(lines[0]) == SAGEMAKER
    line = lines[0]
    assert (line["EndpointName"], line["VariantName"]) == ("scorer", "AllTraffic")
    assert total(lines, SAGEMAKER, "Invocations") == 5
    assert total(lines, SAGEMAKER, "Invocation4XXErrors") == 1
    assert total(lines, SAGEMAKER, "Invocation5XXErrors") == 1
    assert len(samples(lines, SAGEMAKER, "ModelLatency")) == 5
    assert len(samples(lines, SAGEMAKER, "OverheadLatency")) == 5


def test_an_unwritable_file_is_refused_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "metrics.emf"
    result = CliRunner().invoke(cli, ["endpoint", "serve", "--metrics-emf", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: --metrics-emf {missing}: cannot write: No such file or directory"
    ]


def test_help_names_the_flag_and_its_period() -> None:
    text = CliRunner().invoke(cli, ["endpoint", "serve", "--help"]).output
    assert "--metrics-emf FILE" in text and "AWS/SageMaker" in text
    assert "--metrics-emf-period SECONDS" in text and "default: 1.0" in text
