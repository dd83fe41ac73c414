"""Through API Gateway to a multi-model endpoint: the route maps a path parameter to
`integration.request.header.X-Amzn-SageMaker-Target-Model`, as a tenant-per-model API does
(https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.multimodel import MultiModel
from sagegate.endpoint.targets import LocalTarget
from sagegate.testing import GatewayTestClient
from tests.endpoint.test_multi_model import loads, write_models

SAGEMAKER = "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/tenants/invocations"


def document() -> dict[str, object]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "tenants", "version": "1"},
        "paths": {
            "/tenants/{tenant}/predict": {
                "post": {
                    "parameters": [{"name": "tenant", "in": "path", "required": True}],
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws",
                        "httpMethod": "POST",
                        "uri": SAGEMAKER,
                        "passthroughBehavior": "when_no_match",
                        "requestParameters": {
                            "integration.request.header.Content-Type": "'application/json'",
                            "integration.request.header.X-Amzn-SageMaker-Target-Model": (
                                "method.request.path.tenant"
                            ),
                        },
                        "responses": {
                            "default": {"statusCode": "200"},
                            "4\\d{2}": {
                                "statusCode": "404",
                                "responseTemplates": {
                                    "application/json": ("{\"error\": $input.json('$.message')}")
                                },
                            },
                        },
                    },
                }
            }
        },
    }


@pytest.fixture
def api(tmp_path: Path) -> Path:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    return path


def test_each_tenant_reaches_its_own_model(api: Path, tmp_path: Path) -> None:
    root = write_models(tmp_path / "models", "alpha", "beta")
    target = LocalTarget(EndpointHost({"tenants": MultiModel(root, 1)}))
    with GatewayTestClient(api, target=target) as client:
        alpha = client.post("/prod/tenants/alpha.tar.gz/predict", body="{}", sign=False)
        beta = client.post("/prod/tenants/beta.tar.gz/predict", body="{}", sign=False)
        again = client.post("/prod/tenants/alpha.tar.gz/predict", body="{}", sign=False)
        missing = client.post("/prod/tenants/nobody.tar.gz/predict", body="{}", sign=False)
    assert (alpha.status, alpha.json()) == (200, {"model": "alpha"})
    assert (beta.status, beta.json()) == (200, {"model": "beta"})
    assert again.json() == {"model": "alpha"}
    sent = alpha.invocation.integration
    assert sent is not None and sent.headers["X-Amzn-SageMaker-Target-Model"] == "alpha.tar.gz"
    # Loaded on first use, and with one model at a time, alpha loaded again after beta.
    assert loads(root) == ["alpha", "beta", "alpha"]
    # An unknown model is the runtime's 4xx, mapped by the API's own integration response.
    assert missing.status == 404
    assert "error" in missing.json()


def test_an_endpoint_flag_binds_a_multi_model_directory(api: Path, tmp_path: Path) -> None:
    root = write_models(tmp_path / "models", "alpha")
    command = [sys.executable, "-m", "sagegate", "invoke", str(api), "/prod/tenants/alpha/predict"]
    result = subprocess.run(
        [*command, "-X", "POST", "-d", "{}", "--endpoint", f"tenants={root}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"model": "alpha"' in result.stdout
