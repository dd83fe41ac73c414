"""A definition that cannot be served stops every command with one line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.api.cloudformation.test_reader import YAML

SAGEMAKER = "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/{}/invocations"


def openapi(**integration: object) -> str:
    return json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/x": {
                    "get": {
                        "x-amazon-apigateway-integration": {
                            "type": "aws",
                            "httpMethod": "POST",
                            "uri": SAGEMAKER.format("fraud-model"),
                            "responses": {"default": {"statusCode": "200"}},
                            **integration,
                        }
                    }
                }
            },
        }
    )


CASES = {
    "unresolvable intrinsic": (
        "t.yaml",
        YAML.replace("Default: movie-ratings", "Description: none"),
        "resource Get (AWS::ApiGateway::Method) property Integration.Uri: cannot be resolved "
        "locally: Ref EndpointName: the parameter has no Default",
    ),
    "unknown integration type": (
        "t.yaml",
        YAML.replace("Type: AWS\n", "Type: KINESIS\n"),
        "property Integration.Type: 'KINESIS' is not an integration type",
    ),
    "two RestApis without --api": (
        "t.yaml",
        YAML + "  Other:\n    Type: AWS::ApiGateway::RestApi\n",
        "the template has 2 REST APIs (Api, Other); choose one with --api LOGICAL_ID",
    ),
    "unbound endpoint": (
        "api.json",
        openapi(),
        "the API integrates with SageMaker endpoint 'fraud-model', which nothing serves: pass "
        "--endpoint fraud-model=MODEL_DIR|http://HOST:PORT|aws",
    ),
    "malformed OpenAPI": (
        "api.json",
        openapi(type="lambda-ish"),
        "paths./x.get.x-amazon-apigateway-integration.type: 'lambda-ish' is not an "
        "integration type",
    ),
    "OpenAPI without paths": (
        "api.yaml",
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: [1, 2]\n",
        "paths: missing, or not an object",
    ),
    "not JSON or YAML": ("api.json", '{"openapi": "3.0.1", "paths": {', "not valid JSON or YAML"),
    "a file with no API": (
        "thing.yaml",
        "hello: world\nitems: [1, 2]\n",
        "no API in it: expected a sagegate spec",
    ),
    "a template with no API": (
        "t.yaml",
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
        "no API in it: the template has no AWS::ApiGateway::RestApi",
    ),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sagegate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("case", "command"),
    [
        (case, command)
        for case in CASES
        for command in ("serve", "invoke", "export")
        # Exporting describes the API: it needs no endpoint bound.
        if not (command == "export" and case == "unbound endpoint")
    ],
)
def test_one_line_exit_2_no_traceback(tmp_path: Path, case: str, command: str) -> None:
    name, text, expected = CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    args = {
        "serve": ["serve", str(path), "--port", "1"],
        "invoke": ["invoke", str(path), "/prod/x"],
        "export": ["export", "openapi", str(path)],
    }[command]
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert expected in lines[0]


def test_an_unbound_endpoint_is_served_once_bound(tmp_path: Path) -> None:
    path = tmp_path / "api.json"
    path.write_text(openapi(), encoding="utf-8")
    model = tmp_path / "model" / "code"
    model.mkdir(parents=True)
    (model / "inference.py").write_text(
        textwrap.dedent(
            """\
            def model_fn(model_dir):
                return None

            def input_fn(body, content_type):
                return body

            def predict_fn(data, model):
                return {"fraud": False}
            """
        )
    )
    result = run("invoke", str(path), "/prod/x", "--endpoint", f"fraud-model={tmp_path / 'model'}")
    assert result.returncode == 0, result.stderr
    assert '"fraud": false' in result.stdout
