"""Serve an OpenAPI 3.0 document with API Gateway's extensions, as AWS would run it.

The document validates a request body against its model (draft 4), customises a gateway
response, and requires an API key from the x-api-key header under a usage plan; a second
method integrates with the SageMaker endpoint through AWS_IAM.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sagegate.api.options import LoadOptions
from sagegate.gateway.assemble import build_gateway, load
from sagegate.sigv4 import StaticIdentityStore
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE
from tests.gateway.hardening.support import ALICE, REGION, botocore_headers
from tests.servers import serve_in_thread

KEY = "an-openapi-usage-plan-key-0001"
SAGEMAKER = (
    "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/movie-ratings/invocations"
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "ratings-openapi", "version": "1"},
    "servers": [
        {
            "url": "https://abcdef1234.execute-api.us-east-1.amazonaws.com/{basePath}",
            "variables": {"basePath": {"default": "/v2"}},
        }
    ],
    "paths": {
        "/ratings": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Query"}}
                    },
                },
                "responses": {"200": {"description": "ok"}},
                "security": [{"api_key": []}],
                "x-amazon-apigateway-request-validator": "body",
                "x-amazon-apigateway-integration": {
                    "type": "aws",
                    "httpMethod": "POST",
                    "uri": SAGEMAKER,
                    "passthroughBehavior": "never",
                    "requestParameters": {
                        "integration.request.header.Content-Type": "'application/json'"
                    },
                    "requestTemplates": {
                        "application/json": (
                            '{"instances": [#foreach($i in $input.path("$.items"))'
                            '{"in0": [$input.path("$.user")], "in1": [$i]}'
                            "#if($foreach.hasNext),#end#end]}"
                        )
                    },
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseParameters": {
                                "method.response.header.X-Endpoint-Type": (
                                    "integration.response.header.Content-Type"
                                ),
                                "method.response.header.X-Static": "'yes'",
                            },
                            "responseTemplates": {"application/json": BLOG_RESPONSE_TEMPLATE},
                        },
                        "4\\d{2}": {"statusCode": "400"},
                    },
                },
            }
        },
        "/predicted-ratings/{user_id}": {
            "get": {
                "parameters": [
                    {"name": "user_id", "in": "path", "required": True},
                    {"name": "items", "in": "query", "required": True},
                ],
                "responses": {"200": {"description": "ok"}},
                "security": [{"sigv4": []}],
                "x-amazon-apigateway-request-validator": "params",
                "x-amazon-apigateway-integration": {
                    "type": "aws",
                    "httpMethod": "POST",
                    "uri": SAGEMAKER,
                    "passthroughBehavior": "never",
                    "requestTemplates": {"application/json": BLOG_REQUEST_TEMPLATE},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseTemplates": {"application/json": BLOG_RESPONSE_TEMPLATE},
                        }
                    },
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Query": {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["user", "items"],
                "properties": {
                    "user": {"type": "integer", "minimum": 1},
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": "#/components/schemas/Item"},
                    },
                },
            },
            "Item": {"type": "integer", "minimum": 1},
        },
        "securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            },
        },
    },
    "x-amazon-apigateway-api-key-source": "HEADER",
    "x-amazon-apigateway-request-validators": {
        "body": {"validateRequestBody": True, "validateRequestParameters": False},
        "params": {"validateRequestBody": False, "validateRequestParameters": True},
    },
    "x-amazon-apigateway-gateway-responses": {
        "BAD_REQUEST_BODY": {
            "statusCode": 422,
            "responseParameters": {
                "gatewayresponse.header.X-Request-Path": "context.resourcePath",
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            },
            "responseTemplates": {
                "application/json": (
                    '{"error": $context.error.messageString, "type": "$context.error.responseType"}'
                )
            },
        },
        "DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
        },
    },
    # Keys and their usage plan are not part of an OpenAPI document on AWS; sagegate's
    # export carries them in this extension (see api/openapi/writer.py).
    "x-sagegate-stage": {
        "usagePlans": [
            {
                "id": "plan1",
                "quota": {"limit": 100, "period": "DAY"},
                "apiKeys": [{"id": "k1", "value": KEY, "enabled": True}],
            }
        ]
    },
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "api.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def url(document: Path) -> Iterator[str]:
    loaded = load(document, LoadOptions(region=REGION))
    gateway = build_gateway(
        loaded, identities=StaticIdentityStore([ALICE]), access_log=io.StringIO(), region=REGION
    )
    with serve_in_thread(gateway) as base:
        yield base


def post(url: str, body: Any, key: str | None = KEY) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["x-api-key"] = key
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"{url}/v2/ratings", data=data, headers=headers, timeout=60)


def test_stage_is_the_servers_base_path(url: str) -> None:
    response = requests.post(f"{url}/prod/ratings", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_valid_body_reaches_the_endpoint(url: str) -> None:
    response = post(url, {"user": 321, "items": [101, 131]})
    assert response.status_code == 200
    assert len(response.json()["ratings"]) == 2
    # Method response headers mapped from the endpoint's answer and from a static value.
    assert response.headers["x-endpoint-type"] == "application/json"
    assert response.headers["x-static"] == "yes"


@pytest.mark.parametrize(
    "body",
    [
        {"user": 321},
        {"user": 0, "items": [1]},
        {"user": 321, "items": []},
        {"user": 321, "items": ["101"]},
        b"not json",
    ],
)
def test_an_invalid_body_gets_the_customised_gateway_response(url: str, body: Any) -> None:
    response = post(url, body)
    assert response.status_code == 422
    assert response.json() == {"error": "Invalid request body", "type": "BAD_REQUEST_BODY"}
    assert response.headers["x-request-path"] == "/ratings"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-amzn-errortype"] == "BadRequestException"


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_missing_or_unknown_api_key_is_forbidden(url: str, key: str | None) -> None:
    response = post(url, {"user": 321, "items": [101]}, key=key)
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    # DEFAULT_4XX's customisation applies to every 4xx not customised on its own.
    assert response.headers["access-control-allow-origin"] == "*"


def test_sigv4_method_with_its_parameter_validator(url: str) -> None:
    target = f"{url}/v2/predicted-ratings/321?items=101%2C131%2C162"
    ok = requests.get(target, headers=botocore_headers("GET", target, ALICE), timeout=60)
    assert ok.status_code == 200 and len(ok.json()["ratings"]) == 3
    missing = f"{url}/v2/predicted-ratings/321"
    refused = requests.get(missing, headers=botocore_headers("GET", missing, ALICE), timeout=60)
    assert refused.status_code == 400
    assert refused.json() == {"message": "Missing required request parameters: [items]"}
    assert refused.headers["access-control-allow-origin"] == "*"
