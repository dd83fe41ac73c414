"""Every integration type and the rules around it, through the whole chain in-process.

HTTP (templates, mapped query string and headers, selection by the upstream's status),
HTTP_PROXY, MOCK (status from the template, leniently parsed), AWS to an endpoint named by a
path parameter, passthrough behaviours, routes that are not served, ANY.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagegate.testing import GatewayTestClient
from tests.gateway.test_serve_cdk_app import upstream
from tests.servers import serve_in_thread

SAGEMAKER = "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/{}/invocations"


def operation(integration: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": integration,
        **extra,
    }


def mock(template: str | None, **extra: Any) -> dict[str, Any]:
    integration: dict[str, Any] = {
        "type": "mock",
        "responses": {
            "default": {
                "statusCode": "200",
                "responseTemplates": {"application/json": '{"ok": true, "body": "$input.body"}'},
            },
            "4\\d{2}": {"statusCode": "418", "responseTemplates": {"application/json": "{}"}},
        },
        **extra,
    }
    if template is not None:
        integration["requestTemplates"] = {"application/json": template}
    return integration


def document(host: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "integrations", "version": "1"},
        "paths": {
            "/http/{id}": {
                "get": operation(
                    {
                        "type": "http",
                        "httpMethod": "POST",
                        "uri": f"http://{host}/items/{{item}}",
                        "requestParameters": {
                            "integration.request.path.item": "method.request.path.id",
                            "integration.request.querystring.mode": "'fast'",
                            "integration.request.querystring.who": "method.request.header.X-Who",
                            "integration.request.header.X-Stage": "context.stage",
                        },
                        "requestTemplates": {"application/json": '{"id": "$input.params(\'id\')"}'},
                        "responses": {
                            "default": {
                                "statusCode": "200",
                                "responseParameters": {
                                    "method.response.header.X-Upstream": (
                                        "integration.response.header.x-upstream"
                                    ),
                                    "method.response.header.X-Path": (
                                        "integration.response.body.path"
                                    ),
                                },
                                "responseTemplates": {
                                    "application/json": (
                                        '#set($b = $util.parseJson($input.path("$.body")))'
                                        '{"sent": "$b.id", "method": "$input.path(\'$.method\')",'
                                        ' "query": "$input.path(\'$.query\')"}'
                                    )
                                },
                            },
                            "2\\d{2}": {"statusCode": "202"},
                        },
                    }
                )
            },
            "/proxy/{proxy+}": {
                "x-amazon-apigateway-any-method": operation(
                    {
                        "type": "http_proxy",
                        "httpMethod": "ANY",
                        "uri": f"http://{host}/p/{{proxy}}",
                        "requestParameters": {
                            "integration.request.path.proxy": "method.request.path.proxy"
                        },
                    }
                )
            },
            "/mock": {
                "get": operation(mock('{"statusCode": 200}')),
                "put": operation(mock("{statusCode: 404}")),
                "post": operation(mock(None, passthroughBehavior="when_no_match")),
                "delete": operation(mock("no status here")),
            },
            "/passthrough/never": {
                "post": operation(mock('{"statusCode": 200}', passthroughBehavior="never"))
            },
            "/passthrough/templates": {
                "post": operation(
                    mock('{"statusCode": 200}', passthroughBehavior="when_no_templates")
                )
            },
            "/passthrough/none": {
                "post": operation(mock(None, passthroughBehavior="when_no_templates"))
            },
            "/models/{model}": {
                "post": operation(
                    {
                        "type": "aws",
                        "httpMethod": "POST",
                        "uri": SAGEMAKER.format("{name}"),
                        "passthroughBehavior": "when_no_match",
                        "requestParameters": {
                            "integration.request.path.name": "method.request.path.model"
                        },
                        "responses": {
                            "default": {"statusCode": "200"},
                            "4\\d{2}": {"statusCode": "400"},
                        },
                    }
                )
            },
            "/lambda": {
                "get": operation(
                    {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": (
                            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                            "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"
                        ),
                    }
                )
            },
            "/dynamo": {
                "post": operation(
                    {
                        "type": "aws",
                        "httpMethod": "POST",
                        "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
                    }
                )
            },
        },
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayTestClient]:
    root = tmp_path_factory.mktemp("integrations")
    with serve_in_thread(upstream) as url:
        path = root / "api.json"
        path.write_text(json.dumps(document(url.removeprefix("http://"))), encoding="utf-8")
        with GatewayTestClient(path) as gateway:
            yield gateway


def test_http_integration_with_mappings_and_templates(client: GatewayTestClient) -> None:
    response = client.get("/prod/http/a%20b", headers={"X-Who": "me"})
    # The upstream answers 201: the 2\d{2} response wins over the default one.
    assert response.status == 202
    # The 2\d{2} response has no template: the upstream's body passes through.
    assert response.body == response.invocation.endpoint_response.body  # type: ignore[union-attr]
    sent = json.loads(response.invocation.endpoint_response.body)  # type: ignore[union-attr]
    assert sent["method"] == "POST"
    assert sent["path"] == "/items/a b"
    assert sent["query"] == "mode=fast&who=me"
    assert json.loads(sent["body"]) == {"id": "a b"}
    assert sent["headers"]["x-stage"] == "prod"
    assert sent["headers"]["user-agent"].startswith("AmazonAPIGateway_")


def test_http_integration_default_response_maps_headers(
    client: GatewayTestClient, tmp_path: Path
) -> None:
    with serve_in_thread(upstream) as url:
        doc = document(url.removeprefix("http://"))
        responses = doc["paths"]["/http/{id}"]["get"]["x-amazon-apigateway-integration"][
            "responses"
        ]
        del responses["2\\d{2}"]
        path = tmp_path / "api.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        with GatewayTestClient(path) as gateway:
            response = gateway.get("/prod/http/7")
    assert response.status == 200
    assert response.json() == {"sent": "7", "method": "POST", "query": "mode=fast"}
    assert response.headers["x-upstream"] == "yes"
    assert response.headers["x-path"] == "/items/7"


def test_http_proxy_any_method(client: GatewayTestClient) -> None:
    response = client.request("PATCH", "/prod/proxy/x/y", query={"q": "1"}, body="b")
    assert response.status == 201
    assert response.headers["x-upstream"] == "yes"
    echoed = response.json()
    assert (echoed["method"], echoed["path"], echoed["query"], echoed["body"]) == (
        "PATCH",
        "/p/x/y",
        "q=1",
        "b",
    )


@pytest.mark.parametrize(
    ("method", "body", "status", "expected"),
    [
        # $input.body of an empty body is '{}', as API Gateway renders it.
        ("GET", "", 200, {"ok": True, "body": "{}"}),
        # CDK's CORS preflight writes `{ statusCode: 200 }`: not JSON, accepted by AWS.
        ("PUT", "", 418, {}),
        # No template, WHEN_NO_MATCH: the client's body is the mock's request.
        ("POST", '{"statusCode": 200}', 200, {"ok": True, "body": "{}"}),
        ("POST", '{"statusCode": 404}', 418, {}),
    ],
)
def test_mock_status_comes_from_the_request_template(
    client: GatewayTestClient, method: str, body: str, status: int, expected: Any
) -> None:
    response = client.request(method, "/prod/mock", body=body, sign=False)
    assert response.status == status
    assert response.json() == expected


def test_mock_without_a_status_is_a_configuration_error(client: GatewayTestClient) -> None:
    response = client.request("DELETE", "/prod/mock", sign=False)
    assert response.status == 500
    assert response.json() == {"message": "Internal server error"}
    assert "Unable to parse statusCode" in (response.invocation.integration_error or "")


@pytest.mark.parametrize(
    ("path", "content_type", "status"),
    [
        ("/prod/passthrough/never", "application/json", 200),
        ("/prod/passthrough/never", "text/plain", 415),
        ("/prod/passthrough/templates", "text/plain", 415),
        # WHEN_NO_TEMPLATES without any template passes the body through.
        ("/prod/passthrough/none", "text/plain", 500),
    ],
)
def test_passthrough_behaviours(
    client: GatewayTestClient, path: str, content_type: str, status: int
) -> None:
    response = client.post(path, headers={"Content-Type": content_type}, body="x", sign=False)
    assert response.status == status
    if status == 415:
        assert response.json() == {"message": "Unsupported Media Type"}
        assert response.headers["x-amzn-errortype"] == "UnsupportedMediaTypeException"


def test_endpoint_named_by_a_path_parameter(client: GatewayTestClient) -> None:
    body = json.dumps({"instances": [{"in0": [1], "in1": [1]}]})
    headers = {"Content-Type": "application/json"}
    response = client.post("/prod/models/movie-ratings", body=body, headers=headers, sign=False)
    assert response.status == 200
    assert "predictions" in response.json()
    # A name nothing serves answers as the SageMaker Runtime does for an unknown endpoint.
    unknown = client.post("/prod/models/nope", body=body, headers=headers, sign=False)
    assert unknown.status == 400
    answer = unknown.invocation.endpoint_response
    assert answer is not None and answer.status == 400
    assert json.loads(answer.body) == {
        "message": "Endpoint nope of account 000000000000 not found."
    }


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("GET", "/prod/lambda", "an AWS_PROXY (Lambda proxy) integration is not emulated"),
        ("POST", "/prod/dynamo", "an AWS integration with 'dynamodb' is not emulated"),
    ],
)
def test_routes_not_served_answer_500_and_say_why(
    client: GatewayTestClient, method: str, path: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="sagegate.gateway"):
        response = client.request(method, path, sign=False)
    assert response.status == 500
    assert response.json() == {"message": "Internal server error"}
    assert response.access_log_line is not None and '"status":"500"' in response.access_log_line
    assert reason in caplog.text
    infos = {(r.http_method, r.path): r.reason for r in client.gateway.routes}
    assert reason in (infos[(method, path.removeprefix("/prod"))] or "")


@pytest.mark.parametrize("handling", ["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"])
def test_integration_response_content_handling(tmp_path: Path, handling: str) -> None:
    with serve_in_thread(upstream) as url:
        doc = {
            "openapi": "3.0.1",
            "info": {"title": "binary", "version": "1"},
            "paths": {
                "/b": {
                    "post": operation(
                        {
                            "type": "http",
                            "httpMethod": "POST",
                            "uri": f"{url}/raw",
                            "responses": {
                                "default": {"statusCode": "200", "contentHandling": handling}
                            },
                        }
                    )
                }
            },
        }
        path = tmp_path / "api.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        with GatewayTestClient(path) as gateway:
            response = gateway.post("/prod/b", body="x", sign=False)
    answer = response.invocation.endpoint_response
    assert answer is not None
    if handling == "CONVERT_TO_TEXT":
        assert (response.status, response.body) == (200, base64.b64encode(answer.body))
    else:
        # The upstream's JSON is not base64: a configuration error, as on AWS.
        assert response.status == 500
        assert "not base64" in (response.invocation.integration_error or "")
