"""examples/boto3_endpoint.py, run as its docstring says, against `sagegate endpoint serve`."""

from __future__ import annotations

import json
import os
import sys

from tests.examples.support import EXAMPLES, run
from tests.servers import free_port, run_sagegate


def test_the_boto3_script_gets_three_ratings_from_the_local_runtime() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    port = free_port()
    with run_sagegate("endpoint", "serve", "--port", str(port), env=env) as server:
        server.stdout.until(lambda line: line.startswith("All models loaded"))
        # Any credentials do (the runtime ignores signatures unless told otherwise), and the
        # region comes from AWS_DEFAULT_REGION, as boto3 reads it.
        script_env = env | {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": f"http://127.0.0.1:{port}",
        }
        printed = run([sys.executable, str(EXAMPLES / "boto3_endpoint.py")], env=script_env).stdout
    predictions = json.loads(printed)["predictions"]
    assert len(predictions) == 3
    assert all(1 <= prediction["scores"][0] <= 5 for prediction in predictions)
