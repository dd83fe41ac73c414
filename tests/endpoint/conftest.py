"""Fixtures for the local SageMaker Runtime: tiny model directories and boto3 clients."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sagegate.endpoint import EndpointHost
from sagegate.endpoint.server import create_app

ModelWriter = Callable[..., Path]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll `condition` every 10 ms, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.01)


@pytest.fixture
def write_model(tmp_path: Path) -> ModelWriter:
    """`write_model(name, source, **extra_files)`: a model dir with code/inference.py."""

    def write(name: str, source: str, **files: str) -> Path:
        model_dir = tmp_path / name
        code = model_dir / "code"
        code.mkdir(parents=True)
        (code / "inference.py").write_text(textwrap.dedent(source))
        for filename, content in files.items():
            target = code / filename if filename.endswith(".py") else model_dir / filename
            target.write_text(textwrap.dedent(content))
        return model_dir

    return write


def runtime_client(base_url: str, **credentials: str) -> Any:
    """A stock boto3 sagemaker-runtime client pointed at `base_url`, no retries."""
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=base_url,
        region_name="us-east-1",
        aws_access_key_id=credentials.get("access_key", "AKIDEXAMPLE"),
        aws_secret_access_key=credentials.get("secret_key", "dummy-secret"),
        config=Config(retries={"max_attempts": 1}, read_timeout=30, connect_timeout=5),
    )


@pytest.fixture
def serve_models(run_server: Callable[..., Any]) -> Callable[..., Any]:
    """`with serve_models({"name": dir}, **host_options) as (url, host):` a real server."""

    @contextmanager
    def serve(
        models: dict[str, Path],
        verifier: Any = None,
        wait: bool = True,
        wait_seconds: float = 10.0,
        **options: Any,
    ) -> Iterator[tuple[str, EndpointHost]]:
        host = EndpointHost(models, **options)
        with run_server(create_app(host, verifier=verifier)) as url:
            if wait:
                wait_until(lambda: host.ready, what="models loaded", seconds=wait_seconds)
            yield url, host

    return serve


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., None]:
    """`wait_until(condition, what)`: bounded polling (10 s, every 10 ms)."""
    return wait_until


@pytest.fixture
def client_for() -> Callable[..., Any]:
    """`client_for(url)`: a boto3 sagemaker-runtime client for that server."""
    return runtime_client
