"""examples/own-model: a user's model directory and its API, served and tested as the README
says (a real `sagegate serve` on 127.0.0.1 called with a botocore-signed request, and the
example's own pytest file)."""

from __future__ import annotations

import os
from pathlib import Path

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.examples.support import EXAMPLES, run_pytest
from tests.servers import free_port, run_sagegate

EXAMPLE = EXAMPLES / "own-model"
# The identity `serve` lets call: the standard AWS credentials of its environment.
ACCESS_KEY, SECRET_KEY = "AKIAEXAMPLEOWNMODEL1", "example-secret-key-of-the-own-model-test"


def _signed_get(url: str) -> requests.Response:
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", "us-east-1").add_auth(request)
    return requests.get(url, headers=dict(request.headers.items()), timeout=30)


def test_the_example_api_answers_a_signed_request_with_the_models_score(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, HOME=str(tmp_path))
    port = free_port()
    spec = EXAMPLE / "api.yaml"
    # From another directory: the spec's model_dir is relative to the spec, not to the caller.
    with run_sagegate("serve", str(spec), "--port", str(port), env=env, cwd=tmp_path) as server:
        server.stderr.until(lambda line: line.startswith("sagegate: ready"))
        base = f"http://127.0.0.1:{port}/prod/predictions/7"

        scored = _signed_get(f"{base}?x=0.5")
        missing = _signed_get(base)
        unsigned = requests.get(f"{base}?x=0.5", timeout=30)

    assert (scored.status_code, scored.json()) == (200, {"score": 0.5})
    assert (missing.status_code, missing.json()) == (
        400,
        {"message": "Missing required request parameters: [x]"},
    )
    assert unsigned.status_code == 403


def test_the_examples_own_tests_pass_where_a_user_runs_them() -> None:
    assert "3 passed" in run_pytest("test_api.py", cwd=EXAMPLE)
