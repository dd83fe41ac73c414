"""examples/streaming-textgen, served by a real ``sagegate endpoint serve`` and read by boto3."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from tests.servers import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "streaming-textgen"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`sagegate endpoint serve --model-dir examples/streaming-textgen` and a boto3 client."""
    port = free_port()
    log = tmp_path_factory.mktemp("textgen") / "serve.log"
    sagegate = Path(sys.executable).parent / "sagegate"
    command = [str(sagegate), "endpoint", "serve", "--model-dir", str(EXAMPLE)]
    with (
        log.open("wb") as out,
        subprocess.Popen(
            [*command, "--name", "textgen", "--port", str(port)], stdout=out, stderr=out
        ) as process,
    ):
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not _pings(url):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            yield boto3.client(
                "sagemaker-runtime",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="x",
                aws_secret_access_key="y",
                config=Config(retries={"max_attempts": 1}, read_timeout=30),
            )
        finally:
            process.terminate()
            process.wait(timeout=20)


def _pings(url: str) -> bool:
    try:
        return requests.get(f"{url}/ping", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_boto3_reads_the_words_as_they_are_generated(runtime: Any) -> None:
    pace_ms, words = 60, 8
    body = json.dumps({"prompt": "Return the", "max_words": words, "seed": 7, "pace_ms": pace_ms})
    started = time.monotonic()
    response = runtime.invoke_endpoint_with_response_stream(
        EndpointName="textgen", ContentType="application/json", Body=body
    )
    arrivals, parts = [], []
    for event in response["Body"]:
        arrivals.append(time.monotonic() - started)
        parts.append(event["PayloadPart"]["Bytes"])
    assert response["ContentType"] == "text/plain"
    assert len(parts) == words
    assert all(part.strip() for part in parts)
    # The first word arrives when the model has made it, long before it has made the last.
    assert arrivals[0] < words * pace_ms / 1000 / 2 < arrivals[-1]
    # The same request, answered whole, is the same words.
    whole = runtime.invoke_endpoint(
        EndpointName="textgen", ContentType="application/json", Body=body
    )
    assert whole["Body"].read() == b"".join(parts)


def test_a_seed_makes_the_text_repeatable(runtime: Any) -> None:
    def generate(seed: int) -> bytes:
        body = json.dumps({"max_words": 30, "seed": seed, "pace_ms": 0})
        answer = runtime.invoke_endpoint(EndpointName="textgen", Body=body)
        text: bytes = answer["Body"].read()
        return text

    assert generate(1) == generate(1) != generate(2)
    assert generate(3).strip()
