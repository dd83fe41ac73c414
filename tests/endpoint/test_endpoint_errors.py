"""Every SageMaker Runtime error, as botocore parses it, and the server keeps serving."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from sagegate.endpoint import MAX_BODY_BYTES
from sagegate.gateway.assemble import build_gateway
from sagegate.sigv4 import DEFAULT_ACCOUNT_ID
from sagegate.spec import Spec
from tests.endpoint.conftest import runtime_client
from tests.servers import free_port, wait_until_up

ECHO = """
    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        return body
"""

FAILING = """
    import json
    import time

    class BadInput(ValueError):
        status_code = 400

    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        request = json.loads(body)
        if request.get("bad"):
            raise BadInput("instance 0 has no in0")
        if request.get("crash"):
            raise RuntimeError("division by zero somewhere")
        if request.get("sleep"):
            time.sleep(request["sleep"])
        return json.dumps({"ok": True})
"""

SLOW_TO_LOAD = """
    import pathlib
    import time

    def model_fn(model_dir):
        release = pathlib.Path(model_dir) / "release"
        deadline = time.monotonic() + 20
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return "loaded"

    def transform_fn(model, body, content_type, accept):
        return model
"""


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _echo_ok(client: Any, name: str = "echo") -> None:
    body = client.invoke_endpoint(EndpointName=name, Body=b'{"ok": 1}')["Body"].read()
    assert body == b'{"ok": 1}'


def test_unknown_and_invalid_names_are_validation_errors(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="no-such-endpoint", Body=b"{}")
        assert _error(caught) == (
            "ValidationError",
            400,
            f"Endpoint no-such-endpoint of account {DEFAULT_ACCOUNT_ID} not found.",
        )
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="bad_name", Body=b"{}")
        code, status, message = _error(caught)
        assert (code, status) == ("ValidationError", 400)
        assert message == (
            "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9](-*[a-zA-Z0-9])*"
        )
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="a" * 64, Body=b"{}")
        code, status, message = _error(caught)
        assert (code, status) == ("ValidationError", 400)
        assert message.endswith("Member must have length less than or equal to 63")
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="echo/../echo", Body=b"{}")
        assert _error(caught)[:2] == ("ValidationError", 400)
        _echo_ok(client)


def test_body_over_6_mib_is_refused_before_the_model(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="echo", Body=b"x" * (MAX_BODY_BYTES + 1))
        code, status, message = _error(caught)
        assert (code, status) == ("ValidationError", 400)
        assert message.endswith("has oversize body.")
        # Exactly at the limit is fine.
        body = b"x" * MAX_BODY_BYTES
        assert client.invoke_endpoint(EndpointName="echo", Body=body)["Body"].read() == body
        # A chunked body (no Content-Length) is cut off by the bounded reader too.
        chunks = (b"y" * (1024 * 1024) for _ in range(7))
        answer = requests.post(f"{url}/endpoints/echo/invocations", data=chunks, timeout=30)
        assert answer.status_code == 400
        assert answer.headers["x-amzn-ErrorType"] == "ValidationError"
        _echo_ok(client)


def test_script_exceptions_are_model_errors_with_the_original_status(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"failing": write_model("failing", FAILING)}) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="failing", Body=b'{"bad": true}')
        error = caught.value.response
        assert _error(caught)[:2] == ("ModelError", 424)
        assert error["OriginalStatusCode"] == 400
        assert error["OriginalMessage"] == "instance 0 has no in0"
        assert error["LogStreamArn"] == (
            f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/failing"
        )
        assert error["Error"]["Message"].startswith(
            'Received client error (400) from primary with message "instance 0 has no in0". '
            "See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#logEventViewer:group=/aws/sagemaker/Endpoints/failing"
            f" in account {DEFAULT_ACCOUNT_ID}"
        )
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="failing", Body=b'{"crash": true}')
        error = caught.value.response
        assert error["OriginalStatusCode"] == 500
        assert error["Error"]["Message"].startswith("Received server error (500) from primary")
        # A body that is not JSON is a crash in the script too, never a server fault.
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="failing", Body=b"not json")
        assert caught.value.response["OriginalStatusCode"] == 500
        answer = client.invoke_endpoint(EndpointName="failing", Body=b"{}")
        assert json.loads(answer["Body"].read()) == {"ok": True}


def test_a_model_that_does_not_answer_in_time_gets_the_container_timeout(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("failing", FAILING)
    with serve_models({"failing": model}, invocation_timeout=0.3) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="failing", Body=b'{"sleep": 1.0}')
        error = caught.value.response
        assert _error(caught)[:2] == ("ModelError", 424)
        assert error["OriginalStatusCode"] == 0
        assert error["OriginalMessage"].startswith(
            "Your invocation timed out while waiting for a response from container primary."
        )
        assert error["Error"]["Message"].startswith("Received server error (0) from primary")
        answer = client.invoke_endpoint(EndpointName="failing", Body=b"{}")
        assert json.loads(answer["Body"].read()) == {"ok": True}


def test_a_loading_model_answers_model_not_ready_and_ping_503(
    write_model: Any, serve_models: Any, client_for: Any, wait_until: Any
) -> None:
    model: Path = write_model("slow", SLOW_TO_LOAD)
    with serve_models({"slow": model}, wait=False) as (url, host):
        client = client_for(url)
        assert requests.get(f"{url}/ping", timeout=5).status_code == 503
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="slow", Body=b"{}")
        assert _error(caught)[:2] == ("ModelNotReadyException", 429)
        (model / "release").touch()
        wait_until(lambda: host.ready, what="model loaded")
        assert requests.get(f"{url}/ping", timeout=5).status_code == 200
        assert client.invoke_endpoint(EndpointName="slow", Body=b"{}")["Body"].read() == b"loaded"


def test_unknown_routes_and_methods_are_json_errors(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        answer = requests.get(f"{url}/nowhere", timeout=5)
        assert answer.status_code == 404
        assert answer.headers["x-amzn-ErrorType"] == "UnknownOperationException"
        assert answer.json() == {"message": "Unknown operation"}
        answer = requests.get(f"{url}/endpoints/echo/invocations", timeout=5)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "POST"
        assert "message" in answer.json()
        answer = requests.post(f"{url}/ping", timeout=5)
        assert answer.status_code == 405
        _echo_ok(client_for(url))


def test_the_standalone_endpoint_and_the_one_inside_serve_name_the_same_account(
    write_model: Any, tmp_path: Path
) -> None:
    model_dir = write_model("failing", FAILING)
    # `sagegate endpoint serve`, as a user runs it.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = ["endpoint", "serve", "--model-dir", str(model_dir), "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "sagegate", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/ping", process)
        deadline = time.monotonic() + 60
        while requests.get(f"{url}/ping", timeout=5).status_code != 200:  # still loading
            assert time.monotonic() < deadline, "the model did not load"
            time.sleep(0.05)
        with pytest.raises(ClientError) as caught:
            runtime_client(url).invoke_endpoint(EndpointName="failing", Body=b'{"bad": true}')
        standalone = caught.value.response["LogStreamArn"]
    finally:
        process.terminate()
        process.wait(timeout=30)

    # The endpoint `sagegate serve` builds for a spec, with its defaults.
    spec = Spec.model_validate(
        {
            "endpoint_name": "failing",
            "resource_path": "{id}",
            "request_mapping_template": "$input.body",
            "endpoint": {"model_dir": str(model_dir)},
            "api": {"authorization_type": "NONE"},
        }
    )
    target = build_gateway(spec, identities=None, access_log=None, environ={}).targets[
        spec.endpoint_name
    ]

    async def invoke() -> bytes:
        await target.start()
        try:
            return (await target.invoke("failing", b'{"bad": true}', {})).body
        finally:
            await target.close()

    inside_serve = json.loads(asyncio.run(invoke()))["LogStreamArn"]
    expected = (
        f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/failing"
    )
    assert standalone == inside_serve == expected
