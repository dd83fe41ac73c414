"""The gateway's side of the integration: each target against a real runtime on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from sagegate.endpoint import EndpointHost
from sagegate.endpoint.server import create_app
from sagegate.endpoint.targets import AwsTarget, ContainerTarget, TargetUnreachable
from sagegate.sigv4 import Identity, SigV4Verifier, StaticIdentityStore
from sagegate.spec import Spec
from sagegate.testing import GatewayTestClient
from tests.servers import serve_in_thread

SCRIPT = """
import json

def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    return {"predictions": [{"scores": [float(i["in1"][0]) / 100]} for i in data["instances"]]}
"""
EXECUTION_ROLE = Identity(
    access_key="AKIAEXECUTIONROLE001", secret_key="execution/role/secret/0123456789abcdefgh"
)


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    code = tmp_path / "model" / "code"
    code.mkdir(parents=True)
    (code / "inference.py").write_text(SCRIPT)
    return tmp_path / "model"


def spec_with(endpoint: dict[str, object]) -> Spec:
    base = Spec.default().model_dump(exclude={"endpoint"})
    return Spec.from_mapping(base | {"endpoint_name": "scores", "endpoint": endpoint})


def test_aws_target_signs_as_the_execution_role(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `aws` target talks to the real protocol, here our runtime with SigV4 verified."""
    verifier = SigV4Verifier(
        StaticIdentityStore([EXECUTION_ROLE]), service="sagemaker", region="us-east-1"
    )
    runtime = create_app(EndpointHost({"scores": model_dir}), verifier=verifier)
    with serve_in_thread(runtime) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", EXECUTION_ROLE.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", EXECUTION_ROLE.secret_key)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        spec = spec_with({"aws": {"region": "us-east-1"}})
        with GatewayTestClient(spec) as client:
            ok = client.get("/prod/predicted-ratings/1", query={"items": "150,250"})
        assert ok.status == 200, ok.text
        assert ok.json() == {"ratings": [1.5, 2.5]}

        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        with GatewayTestClient(spec) as client:
            refused = client.get("/prod/predicted-ratings/1", query={"items": "150"})
        # The runtime's 403 goes through the construct's 4\\d{2} integration response.
        assert refused.invocation.endpoint_response is not None
        assert refused.invocation.endpoint_response.status == 403
        assert refused.status == 400


def test_container_target_posts_to_invocations(model_dir: Path) -> None:
    runtime = create_app(EndpointHost({"scores": model_dir}))
    with serve_in_thread(runtime) as url, GatewayTestClient(spec_with({"url": url})) as client:
        response = client.get("/prod/predicted-ratings/1", query={"items": "300"})
    assert response.status == 200, response.text
    assert response.json() == {"ratings": [3.0]}


def test_unreachable_container_is_an_integration_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    target = ContainerTarget(f"http://127.0.0.1:{port}")

    async def call() -> None:
        try:
            await target.invoke("x", b"{}", {"Content-Type": "application/json"})
        finally:
            await target.close()

    with pytest.raises(TargetUnreachable):
        asyncio.run(call())
    with GatewayTestClient(spec_with({"url": f"http://127.0.0.1:{port}"})) as client:
        response = client.get("/prod/predicted-ratings/1", query={"items": "1"})
    assert response.status == 504
    assert json.loads(response.body) == {"message": "Internal server error"}


def test_aws_target_defaults_to_the_regional_runtime() -> None:
    target = AwsTarget("eu-west-1", environ={})
    assert target.base_url == "https://runtime.sagemaker.eu-west-1.amazonaws.com"
