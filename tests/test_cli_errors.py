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


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
{extra}{body}"""
SAM_BODY = """\
      DefinitionBody:
        openapi: 3.0.1
        info: {title: t, version: '1'}
        paths: {}
"""

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
    # Shapes users have that sagegate cannot serve as written, or that AWS refuses.
    "SAM Cors (written into the body by the transform)": (
        "t.yaml",
        SAM.format(extra="      Cors: \"'*'\"\n", body=SAM_BODY),
        "resource Api (AWS::Serverless::Api) property Cors: the SAM transform writes an "
        "OPTIONS method on every path into the definition",
    ),
    "SAM Auth": (
        "t.yaml",
        SAM.format(extra="      Auth: {DefaultAuthorizer: AWS_IAM}\n", body=SAM_BODY),
        "property Auth: the SAM transform writes authorizers",
    ),
    "SAM DefinitionUri in S3": (
        "t.yaml",
        SAM.format(extra="", body="      DefinitionUri: s3://bucket/api.yaml\n"),
        "property DefinitionUri: an OpenAPI definition in S3 is not read locally",
    ),
    "SAM DefinitionUri missing locally": (
        "t.yaml",
        SAM.format(extra="", body="      DefinitionUri: ./nowhere.yaml\n"),
        "property DefinitionUri: './nowhere.yaml': no such file",
    ),
    "AWS::Include from S3": (
        "t.yaml",
        SAM.format(
            extra="",
            body="      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n"
            "          Parameters: {Location: s3://bucket/api.yaml}\n",
        ),
        "property DefinitionBody: cannot be resolved locally: AWS::Include of "
        "s3://bucket/api.yaml: a file in S3 is not read locally",
    ),
    "a macro": (
        "t.yaml",
        SAM.format(
            extra="",
            body="      DefinitionBody:\n        Fn::Transform: {Name: MyMacro}\n",
        ),
        "Fn::Transform 'MyMacro' is a macro, which does not run locally",
    ),
    "a Boolean that is not one": (
        "t.yaml",
        YAML.replace("ApiKeyRequired: true", "ApiKeyRequired: 'yes'"),
        "resource Get property ApiKeyRequired: 'yes' is not a Boolean (true or false)",
    ),
    "an unknown AuthorizationType": (
        "t.yaml",
        YAML.replace("AuthorizationType: AWS_IAM", "AuthorizationType: IAM"),
        "resource Get property AuthorizationType: 'IAM' is not one of NONE, AWS_IAM",
    ),
    "IntegrationResponses not a list": (
        "t.yaml",
        YAML.replace(
            "        IntegrationResponses:\n          - StatusCode: '200'\n",
            "        IntegrationResponses: {StatusCode: '200'}\n        Ignored:\n"
            "          - StatusCode: '200'\n",
        ),
        "property Integration.IntegrationResponses: must be a list, not dict",
    ),
    "a method request parameter name": (
        "t.yaml",
        YAML.replace("{method.request.querystring.items: true}", "{items: true}"),
        "resource Get property RequestParameters.items: not a method request parameter",
    ),
    "an OpenAPI template that is not a string": (
        "api.json",
        openapi(requestTemplates={"application/json": {"statusCode": 200}}),
        "paths./x.get.x-amazon-apigateway-integration.requestTemplates.application/json: "
        "must be a string, not dict",
    ),
    "an OpenAPI validator flag": (
        "api.json",
        json.dumps(
            {
                **json.loads(openapi()),
                "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": 1}},
            }
        ),
        "x-amazon-apigateway-request-validators.all.validateRequestBody: 1 is not a Boolean",
    ),
    "a base path that is no stage name": (
        "api.json",
        json.dumps(
            {
                **json.loads(openapi()),
                "servers": [
                    {
                        "url": "https://api.example.com/{basePath}",
                        "variables": {"basePath": {"default": "/tokenizer/v1"}},
                    }
                ],
            }
        ),
        "servers[0].variables.basePath.default: '/tokenizer/v1' is not a stage name",
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
