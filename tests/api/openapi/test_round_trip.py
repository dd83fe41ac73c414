"""Export, then serve the export: the same API model, and the same answers.

`sagegate export openapi` writes what API Gateway's get-export writes; serving that file
must answer as serving the original does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagegate.api.load import load_api
from sagegate.api.model import to_plain
from sagegate.api.openapi import api_from_openapi, api_to_openapi
from sagegate.api.options import LoadOptions
from sagegate.testing import GatewayTestClient
from tests.gateway.test_serve_openapi import DOCUMENT

VOLATILE = {"x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id"}


def comparable(api: Any) -> Any:
    """The model, with every path parameter declared: an export lists them as OpenAPI
    requires (and API Gateway's import declares them), which changes nothing served."""
    plain = to_plain(api)
    # Neither is in an export, on AWS either: the endpoint type is an import parameter
    # (endpointConfigurationTypes), and a method response header's `required` flag is not
    # written (the importer reads every header as not required; serving never reads it).
    plain.pop("endpoint_type")
    for resource in plain["resources"]:
        names = [p[1:-1].rstrip("+") for p in resource["path"].split("/") if p.startswith("{")]
        for method in resource["methods"].values():
            for name in names:
                method["request_parameters"].setdefault(f"method.request.path.{name}", True)
            for response in method["method_responses"]:
                response["response_parameters"] = sorted(response["response_parameters"])
    return plain


@pytest.fixture
def openapi_file(tmp_path: Path) -> Path:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    return path


def export(source: Path | None, out: Path, *extra: str) -> Path:
    command = [sys.executable, "-m", "sagegate", "export", "openapi"]
    command += [str(source)] if source is not None else []
    subprocess.run([*command, "-o", str(out), *extra], check=True, capture_output=True, timeout=120)
    return out


def test_the_default_api_survives_export(tmp_path: Path) -> None:
    original = load_api(None, LoadOptions())
    exported = load_api(export(None, tmp_path / "default.json"), LoadOptions())
    assert comparable(exported.api) == comparable(original.api)


def test_an_openapi_document_survives_export(openapi_file: Path, tmp_path: Path) -> None:
    original = load_api(openapi_file, LoadOptions())
    exported = load_api(export(openapi_file, tmp_path / "again.json"), LoadOptions())
    assert comparable(exported.api) == comparable(original.api)


FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.mark.parametrize(
    "fixture",
    ["cfn_resources.yaml", "sam/template.yaml", "include/template.yaml"],
)
def test_users_templates_survive_export(fixture: str, tmp_path: Path) -> None:
    # Booleans, parameters, credentials, SAM's stage settings and an included body: all in
    # the export, which serves the same API.
    original = load_api(FIXTURES / fixture, LoadOptions())
    exported = load_api(export(FIXTURES / fixture, tmp_path / "again.json"), LoadOptions())
    assert comparable(exported.api) == comparable(original.api)


def test_the_export_looks_like_api_gateways(tmp_path: Path) -> None:
    document: dict[str, Any] = json.loads(export(None, tmp_path / "d.json").read_text())
    assert document["openapi"] == "3.0.1"
    assert document["info"]["title"] == "RestApi"
    assert document["servers"][0]["variables"]["basePath"]["default"] == "prod"
    operation = document["paths"]["/predicted-ratings/{user_id}"]["get"]
    assert operation["security"] == [{"sigv4": []}]
    assert operation["x-amazon-apigateway-request-validator"] == "request-param-validator"
    assert {p["name"]: p["in"] for p in operation["parameters"]} == {
        "user_id": "path",
        "items": "query",
    }
    integration = operation["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws"
    assert integration["passthroughBehavior"] == "never"
    assert set(integration["responses"]) == {"default", "5\\d{2}", "4\\d{2}"}
    assert document["components"]["securitySchemes"]["sigv4"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }


REQUESTS: list[dict[str, Any]] = [
    {"method": "GET", "path": "/prod/predicted-ratings/321", "query": "items=101%2C131"},
    {"method": "GET", "path": "/prod/predicted-ratings/321", "query": ""},
    {"method": "GET", "path": "/prod/predicted-ratings/321", "query": "items=1", "sign": False},
    {"method": "DELETE", "path": "/prod/predicted-ratings/321", "query": "items=1"},
    {"method": "POST", "path": "/v2/ratings", "body": '{"user": 3, "items": [4]}'},
    {"method": "POST", "path": "/v2/ratings", "body": '{"user": 3}'},
    {"method": "POST", "path": "/v2/ratings", "body": '{"user": 3, "items": [4]}', "key": False},
]


def answers(source: Path | None) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    results = []
    with GatewayTestClient(source) as client:
        for item in REQUESTS:
            headers = {"Content-Type": "application/json"}
            if item.get("key", True):
                headers["x-api-key"] = "an-openapi-usage-plan-key-0001"
            response = client.request(
                item["method"],
                item["path"],
                query=item.get("query", ""),
                headers=headers,
                body=item.get("body", ""),
                sign=item.get("sign", True),
            )
            stable = sorted((k, v) for k, v in response.headers.items() if k not in VOLATILE)
            results.append((response.status, stable, response.body))
    return results


@pytest.mark.parametrize("which", ["default", "openapi"])
def test_serving_the_export_answers_as_the_original(
    which: str, openapi_file: Path, tmp_path: Path
) -> None:
    source = None if which == "default" else openapi_file
    exported = export(source, tmp_path / "export.json")
    assert answers(exported) == answers(source)


def test_a_yaml_export_reads_back(openapi_file: Path, tmp_path: Path) -> None:
    exported = export(openapi_file, tmp_path / "api.yaml", "--yaml")
    document = load_api(exported, LoadOptions())
    assert comparable(document.api) == comparable(load_api(openapi_file, LoadOptions()).api)


def test_writer_and_reader_are_inverse_on_the_model(openapi_file: Path) -> None:
    api = load_api(openapi_file, LoadOptions()).api
    again = api_from_openapi(
        api_to_openapi(api, region="us-east-1", version="1"), LoadOptions(), source="x"
    )
    assert comparable(again) == comparable(api)
