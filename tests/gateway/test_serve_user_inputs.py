"""Serve the files users keep, as they write them, and answer as the deployed API answers.

The fixtures in tests/api/fixtures are written after real users' templates and exports:
a hand-written YAML template (short tags, Booleans as strings and parameters, a stage named
by a parameter and a usage plan naming it by Ref, a CDK-style CORS preflight), a SAM
template whose API is an exported Swagger 2.0 file next to it, and a RestApi whose OpenAPI
body is an AWS::Include of a local file. Each is served by a real server on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sagegate.api.load import load_api
from sagegate.api.options import LoadOptions
from sagegate.gateway.assemble import build_gateway, load
from sagegate.sigv4 import StaticIdentityStore
from tests.gateway.hardening.support import ALICE, REGION, botocore_headers
from tests.servers import serve_in_thread

FIXTURES = Path(__file__).parent.parent / "api" / "fixtures"
CFN = FIXTURES / "cfn_resources.yaml"
SAM = FIXTURES / "sam" / "template.yaml"
INCLUDE = FIXTURES / "include" / "template.yaml"
KEY = "a-cloudformation-key-0123456789"
INSTANCES = {"instances": [{"in0": [321], "in1": [101]}]}


def serve(path: Path, options: LoadOptions | None = None) -> Iterator[tuple[str, io.StringIO]]:
    loaded = load(path, options or LoadOptions(region=REGION))
    log = io.StringIO()
    gateway = build_gateway(
        loaded, identities=StaticIdentityStore([ALICE]), access_log=log, region=REGION
    )
    with serve_in_thread(gateway) as url:
        yield url, log


@pytest.fixture(scope="module")
def cfn() -> Iterator[tuple[str, io.StringIO]]:
    yield from serve(CFN)


@pytest.fixture(scope="module")
def sam() -> Iterator[tuple[str, io.StringIO]]:
    yield from serve(SAM)


# -- a hand-written template ---------------------------------------------------------------


def test_a_stage_named_by_a_parameter(cfn: tuple[str, io.StringIO]) -> None:
    url, _ = cfn
    assert requests.get(f"{url}/v1/health", timeout=30).json() == {"stage": "v1"}
    assert requests.get(f"{url}/prod/health", timeout=30).status_code == 403


def test_a_string_false_request_parameter_is_optional(cfn: tuple[str, io.StringIO]) -> None:
    # RequestParameters {method.request.querystring.debug: "false"} with a validator that
    # validates parameters "false": neither requires ?debug (bool("false") would).
    url, _ = cfn
    response = requests.post(
        f"{url}/v1/predict",
        json=INSTANCES,
        headers={"x-api-key": KEY},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    (prediction,) = response.json()["predictions"]
    assert 1.0 <= prediction["scores"][0] <= 5.0


def test_api_key_required_by_a_parameter_and_the_plan_on_the_refd_stage(
    cfn: tuple[str, io.StringIO],
) -> None:
    # ApiKeyRequired: !Ref RequireKey (Default: true, a YAML Boolean), and the usage plan's
    # ApiStages name the stage by !Ref Stage (whose StageName is itself a !Ref).
    url, _ = cfn
    refused = requests.post(f"{url}/v1/predict", json=INSTANCES, timeout=30)
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    unknown = requests.post(
        f"{url}/v1/predict", json=INSTANCES, headers={"x-api-key": "nope"}, timeout=30
    )
    assert unknown.status_code == 403


def test_the_endpoints_4xx_goes_through_the_selection_pattern(
    cfn: tuple[str, io.StringIO],
) -> None:
    url, _ = cfn
    response = requests.post(
        f"{url}/v1/predict",
        data=b"{not json",
        headers={"x-api-key": KEY, "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 400
    assert response.json() == {"error": "the model refused the input"}


def test_cdk_style_cors_preflight(cfn: tuple[str, io.StringIO]) -> None:
    url, _ = cfn
    response = requests.options(
        f"{url}/v1/predict",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"].split(",")
    assert response.content == b""


def test_the_stages_access_log_format(cfn: tuple[str, io.StringIO]) -> None:
    url, log = cfn
    requests.get(f"{url}/v1/health", timeout=30)
    last = log.getvalue().splitlines()[-1].split()
    assert last[1:] == ["GET", "/health", "200"]


def test_the_template_reads_as_cloudformation_reads_it() -> None:
    api = load_api(CFN, LoadOptions(region=REGION)).api
    post = next(m for r, m in api.routes() if r.path == "/predict" and m.http_method == "POST")
    assert post.request_parameters == {"method.request.querystring.debug": False}
    assert post.request_validator is not None
    assert post.request_validator.validate_request_body is True
    assert post.request_validator.validate_request_parameters is False
    assert post.api_key_required is True
    assert post.integration is not None
    assert post.integration.http_method == "POST"
    assert post.integration.timeout_ms == 10_000
    # The role the integration assumes, by Fn::GetAtt Role.Arn (an export writes it).
    assert post.integration.credentials == "arn:aws:iam::000000000000:role/Role"
    assert api.stage.tracing_enabled is False
    assert api.stage.variables == {"model": "movie-ratings"}
    (plan,) = api.usage_plans
    assert [k.value for k in plan.api_keys] == [KEY]


def test_a_parameter_turns_the_key_off() -> None:
    # --parameter RequireKey=false: the method no longer needs a key and the plan's
    # Condition (!Equals [!Ref RequireKey, true]) drops it.
    options = LoadOptions(region=REGION, parameters={"RequireKey": "false"})
    api = load_api(CFN, options).api
    post = next(m for r, m in api.routes() if r.path == "/predict" and m.http_method == "POST")
    assert post.api_key_required is False
    assert api.usage_plans == ()


# -- a SAM template and its Swagger export ---------------------------------------------------


def test_sam_serves_the_exported_swagger_on_its_own_stage(sam: tuple[str, io.StringIO]) -> None:
    url, log = sam
    target = f"{url}/staging/predicted-ratings/321?items=101%2C131"
    response = requests.get(target, headers=botocore_headers("GET", target, ALICE), timeout=60)
    assert response.status_code == 200, response.text
    assert len(response.json()["ratings"]) == 2
    line = json.loads(log.getvalue().splitlines()[-1])
    assert line["path"] == "/predicted-ratings/{user_id}" and line["status"] == "200"


def test_sam_gateway_responses_apply(sam: tuple[str, io.StringIO]) -> None:
    url, _ = sam
    target = f"{url}/staging/predicted-ratings/321"
    response = requests.get(target, headers=botocore_headers("GET", target, ALICE), timeout=60)
    assert response.status_code == 400
    assert response.json() == {"problem": "Missing required request parameters: [items]"}
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-stage"] == "staging"


def test_sam_stage_settings_and_globals() -> None:
    api = load_api(SAM, LoadOptions(region=REGION)).api
    assert api.name == "ratings-staging"
    assert api.stage.name == "staging"
    assert api.stage.variables == {"owner": "ml-platform", "tier": "silver"}
    assert api.stage.tracing_enabled is False
    assert api.stage.access_log_format is not None
    throttle = api.stage.throttle_for("/predicted-ratings/{user_id}", "GET")
    assert throttle is not None and (throttle.rate_limit, throttle.burst_limit) == (5.0, 10)
    assert api.binary_media_types == ("image/png",)
    (_, method), *_ = api.routes()
    assert method.integration is not None
    assert method.integration.credentials == "arn:aws:iam::123456789012:role/ratings-apigw-role"


# -- an AWS::Include of a local OpenAPI file -------------------------------------------------


def test_an_included_body_with_its_own_intrinsics() -> None:
    for url, _ in serve(INCLUDE):
        valid = requests.post(f"{url}/beta/score", json=INSTANCES, timeout=60)
        assert valid.status_code == 200, valid.text
        assert 1.0 <= valid.json()["predictions"][0]["scores"][0] <= 5.0
        invalid = requests.post(f"{url}/beta/score", json={"instances": []}, timeout=30)
        assert invalid.status_code == 400
        assert invalid.json() == {"message": "Invalid request body"}
    api = load_api(INCLUDE, LoadOptions(region="eu-west-1")).api
    (_, method) = api.routes()[0]
    assert method.integration is not None
    assert method.integration.uri == (
        "arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/movie-ratings/invocations"
    )
    throttle = api.stage.throttle_for("/score", "POST")
    assert throttle is not None and throttle.rate_limit == 50.0


# -- what cannot run as written -------------------------------------------------------------


def test_a_sagemaker_integration_called_with_get_is_not_served(tmp_path: Path) -> None:
    # IntegrationHttpMethod GET: on AWS, SageMaker's POST-only InvokeEndpoint fails; locally
    # the route is listed as not served and answers API Gateway's 500, never a prediction.
    document = {
        "openapi": "3.0.1",
        "info": {"title": "get-to-sagemaker", "version": "1"},
        "paths": {
            "/score": {
                "get": {
                    "x-amazon-apigateway-integration": {
                        "type": "aws",
                        "httpMethod": "GET",
                        "uri": "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/"
                        "movie-ratings/invocations",
                        "responses": {"default": {"statusCode": "200"}},
                    }
                }
            }
        },
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    for url, _ in serve(path):
        response = requests.get(f"{url}/prod/score", timeout=30)
        assert response.status_code == 500
        assert response.json() == {"message": "Internal server error"}
