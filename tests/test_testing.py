"""The in-process test client, used as the README shows."""

from __future__ import annotations

from pathlib import Path

from sagegate.testing import GatewayTestClient

SCRIPT = """
import json

def model_fn(model_dir):
    return 2.0

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    return {"predictions": [model * float(i["features"][0]) for i in data["instances"]]}
"""

SPEC = """
endpoint_name: my-model
resource_name: predictions
resource_path: "{id}"
request_mapping_template: |
  {"instances": [{"features": [$input.params("x")]}]}
response_mapping_template: |
  #set($p = $input.path("$.predictions"))
  {"score": $p[0], "id": "$input.params('id')"}
required_parameters: [x]
api:
  authorization_type: AWS_IAM
  stage_name: prod
endpoint:
  model_dir: ./model
"""


def write_api(root: Path) -> Path:
    code = root / "model" / "code"
    code.mkdir(parents=True)
    (code / "inference.py").write_text(SCRIPT)
    spec = root / "api.yaml"
    spec.write_text(SPEC)
    return spec


def test_readme_example(tmp_path: Path) -> None:
    with GatewayTestClient(write_api(tmp_path)) as client:
        response = client.get("/prod/predictions/7", query={"x": "0.5"})
        assert response.status == 200, response.text
        assert response.json() == {"score": 1.0, "id": "7"}
        assert response.invocation.integration is not None
        assert b'"features": [0.5]' in response.invocation.integration.body
        assert response.access_log_line is not None and '"status":"200"' in response.access_log_line

        missing = client.get("/prod/predictions/7")
        assert missing.status == 400
        assert missing.json() == {"message": "Missing required request parameters: [x]"}

        unsigned = client.get("/prod/predictions/7", query={"x": "1"}, sign=False)
        assert unsigned.status == 403
        assert unsigned.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_default_spec_and_unsupported_media_type() -> None:
    with GatewayTestClient() as client:
        ok = client.get("/prod/predicted-ratings/1", query={"items": "1,2"})
        assert ok.status == 200 and len(ok.json()["ratings"]) == 2
        text = client.get(
            "/prod/predicted-ratings/1",
            query={"items": "1"},
            headers={"Content-Type": "text/plain"},
        )
        assert text.status == 415
        assert text.json() == {"message": "Unsupported Media Type"}


def test_model_error_passes_through_the_4xx_integration_response() -> None:
    with GatewayTestClient() as client:
        # A movie id that is not a number: the model answers 400, SageMaker 424 ModelError,
        # and the construct's 4\\d{2} integration response turns it into a 400 passthrough.
        bad = client.get("/prod/predicted-ratings/1", query={"items": "abc"})
        assert bad.invocation.endpoint_response is not None
        assert bad.invocation.endpoint_response.status == 424
        assert bad.status == 400
        assert bad.json()["ErrorCode"] == "CLIENT_ERROR_FROM_MODEL"


def test_the_trace_reaches_the_endpoint_when_tracing_is_on() -> None:
    with GatewayTestClient() as client:
        response = client.get(
            "/prod/predicted-ratings/1",
            query={"items": "1"},
            headers={"X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"},
        )
    integration = response.invocation.integration
    assert integration is not None
    sent = integration.headers["X-Amzn-Trace-Id"]
    assert sent.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=")
    assert sent == response.headers["x-amzn-trace-id"]
