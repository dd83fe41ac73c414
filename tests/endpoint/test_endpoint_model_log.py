"""A model's exception goes to the server's log with its traceback and the request id, as
SageMaker writes it to the endpoint's CloudWatch log stream; the caller gets ModelError."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError

from tests.endpoint.conftest import ModelWriter, runtime_client
from tests.servers import free_port, run_sagegate

# The obvious first script: the toolkit's default input_fn hands predict_fn a numpy array.
INDEXES_AN_ARRAY_BY_KEY = """
    def model_fn(model_dir):
        return None

    def predict_fn(data, model):
        return {"predictions": data["instances"]}
"""


def test_a_failing_prediction_is_logged_with_traceback_and_request_id(
    write_model: ModelWriter,
) -> None:
    model_dir = write_model("trap", INDEXES_AN_ARRAY_BY_KEY)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = ("endpoint", "serve", "--model-dir", str(model_dir), "--port", str(port))
    with run_sagegate(*command, env=env) as server:
        server.stdout.until(lambda line: line.startswith("All models loaded"))
        client = runtime_client(f"http://127.0.0.1:{port}")

        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(
                EndpointName="trap", Body=b'{"instances": [1, 2]}', ContentType="application/json"
            )

        error = caught.value.response
        assert error["Error"]["Code"] == "ModelError"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
        request_id = error["ResponseMetadata"]["RequestId"]
        lines = server.stderr.until(lambda line: line.startswith("IndexError: only integers"))
    first = next(i for i, line in enumerate(lines) if request_id in line)
    assert lines[first] == f"endpoint trap: invocation {request_id} failed (500)"
    traceback = lines[first + 1 :]
    assert traceback[0] == "Traceback (most recent call last):"
    # The user's own frame, with the line that failed.
    where = traceback.index(f'  File "{model_dir}/code/inference.py", line 6, in predict_fn')
    assert traceback[where + 1].strip() == 'return {"predictions": data["instances"]}'
