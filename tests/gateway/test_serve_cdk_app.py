"""Serve what `cdk synth` writes: the construct extended through `construct.api_gateway`.

The template is synthesized here from `sagegate.cdk` (the drop-in construct) and extended as
users extend the upstream one: a MOCK health check, a CORS preflight, a POST AWS integration
to the same endpoint with passthrough, and an HTTP_PROXY method to a local server whose
address is a stage variable. It is served by a real server and called with
botocore-signed requests.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip("aws_cdk")

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw

from sagegate.api.options import LoadOptions
from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.gateway.assemble import build_gateway, load
from sagegate.sigv4 import StaticIdentityStore
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE
from sagegate.testing import GatewayTestClient
from tests.gateway.hardening.support import ALICE, REGION, botocore_headers
from tests.servers import serve_in_thread

pytestmark = pytest.mark.slow


async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An HTTP server that answers with what it received, as JSON."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body": body.decode(),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json"), (b"x-upstream", b"yes")],
        }
    )
    await send({"type": "http.response.body", "body": answer})


def synthesize(out: Path) -> Path:
    """The extended app's template, as `cdk synth` writes cdk.out/STACK.template.json."""
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, "MovieRatings")
    construct = ApiGatewayToSageMakerEndpoint(
        stack,
        "Api",
        endpoint_name="movie-ratings",
        resource_name="predicted-ratings",
        resource_path="{user_id}",
        request_mapping_template=BLOG_REQUEST_TEMPLATE,
        response_mapping_template=BLOG_RESPONSE_TEMPLATE,
    )
    api = construct.api_gateway
    api.root.add_resource("health").add_method(
        "GET",
        apigw.MockIntegration(
            request_templates={"application/json": '{"statusCode": 200}'},
            integration_responses=[
                apigw.IntegrationResponse(
                    status_code="200",
                    response_templates={"application/json": '{"status": "ok"}'},
                )
            ],
            passthrough_behavior=apigw.PassthroughBehavior.NEVER,
        ),
        method_responses=[apigw.MethodResponse(status_code="200")],
        authorization_type=apigw.AuthorizationType.NONE,
    )
    ratings = api.root.get_resource("predicted-ratings")
    assert ratings is not None
    ratings.add_cors_preflight(allow_origins=["https://example.com"], allow_methods=["GET", "POST"])
    # POST: the client's JSON body goes to the endpoint as it is (upstream issue #797).
    ratings.add_method(
        "POST",
        apigw.AwsIntegration(
            service="runtime.sagemaker",
            path="endpoints/movie-ratings/invocations",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=construct.api_gateway_role,
                passthrough_behavior=apigw.PassthroughBehavior.WHEN_NO_MATCH,
                request_parameters={
                    "integration.request.header.Content-Type": "'application/json'"
                },
                integration_responses=[
                    apigw.IntegrationResponse(status_code="200"),
                    apigw.IntegrationResponse(status_code="400", selection_pattern=r"4\d{2}"),
                ],
            ),
        ),
        method_responses=[
            apigw.MethodResponse(status_code="200"),
            apigw.MethodResponse(status_code="400"),
        ],
    )
    proxy = api.root.add_resource("upstream").add_resource("{proxy+}")
    proxy.add_method(
        "ANY",
        apigw.HttpIntegration(
            "http://${stageVariables.upstream}/echo/{proxy}",
            proxy=True,
            http_method="ANY",
            options=apigw.IntegrationOptions(
                request_parameters={
                    "integration.request.path.proxy": "method.request.path.proxy",
                    "integration.request.header.X-From-Gateway": "'sagegate'",
                }
            ),
        ),
        request_parameters={"method.request.path.proxy": True},
        authorization_type=apigw.AuthorizationType.NONE,
    )
    app.synth()
    return out / "MovieRatings.template.json"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="module")
def served(template: Path) -> Iterator[tuple[str, io.StringIO]]:
    with serve_in_thread(upstream) as upstream_url:
        host = upstream_url.removeprefix("http://")
        loaded = load(template, LoadOptions(region=REGION, stage_variables={"upstream": host}))
        log = io.StringIO()
        gateway = build_gateway(
            loaded, identities=StaticIdentityStore([ALICE]), access_log=log, region=REGION
        )
        with serve_in_thread(gateway) as url:
            yield url, log


def signed(method: str, url: str, body: bytes = b"", **headers: str) -> requests.Response:
    sent = botocore_headers(method, url, ALICE, headers=headers, body=body)
    return requests.request(method, url, headers=sent, data=body, timeout=60)


def test_the_constructs_get_answers_ratings(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    response = signed("GET", f"{url}/prod/predicted-ratings/321?items=101%2C131%2C162")
    assert response.status_code == 200
    ratings = response.json()["ratings"]
    assert len(ratings) == 3 and all(1.0 <= r <= 5.0 for r in ratings)


def test_unsigned_get_is_refused_as_aws_does(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    response = requests.get(f"{url}/prod/predicted-ratings/321?items=1", timeout=30)
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_mock_health_check(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    response = requests.get(f"{url}/prod/health", timeout=30)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_cors_preflight(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    response = requests.options(
        f"{url}/prod/predicted-ratings",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    # CDK's preflight is a MOCK whose template reads `{ statusCode: 200 }` (not JSON, as
    # AWS accepts it) and whose integration response is 204 with the CORS headers.
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://example.com"
    assert response.headers["access-control-allow-methods"] == "GET,POST"
    assert "X-Amz-Date" in response.headers["access-control-allow-headers"]
    assert response.headers["vary"] == "Origin"
    assert response.content == b""


def test_post_passes_the_body_through_to_the_endpoint(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    body = json.dumps({"instances": [{"in0": [321], "in1": [101]}]}).encode()
    response = signed(
        "POST", f"{url}/prod/predicted-ratings", body, **{"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    (prediction,) = response.json()["predictions"]
    assert 1.0 <= prediction["scores"][0] <= 5.0
    # The endpoint's own 4xx goes through the 4\d{2} integration response.
    bad = signed(
        "POST", f"{url}/prod/predicted-ratings", b"not json", **{"Content-Type": "text/plain"}
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/json"


def test_http_proxy_reaches_the_stage_variables_host(served: tuple[str, io.StringIO]) -> None:
    url, log = served
    response = requests.put(
        f"{url}/prod/upstream/a/b%20c?x=1&x=2",
        data=b"payload",
        headers={"X-Client": "c1"},
        timeout=30,
    )
    assert response.status_code == 201
    assert response.headers["x-upstream"] == "yes"
    echoed = response.json()
    assert echoed["method"] == "PUT"
    assert echoed["path"] == "/echo/a/b c"
    assert echoed["query"] == "x=1&x=2"
    assert echoed["body"] == "payload"
    assert echoed["headers"]["x-client"] == "c1"
    assert echoed["headers"]["x-from-gateway"] == "sagegate"
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert any(
        line["resourcePath"] == "/upstream/{proxy+}" and line["status"] == "201" for line in lines
    )


def test_unknown_method_on_a_known_resource(served: tuple[str, io.StringIO]) -> None:
    url, _ = served
    response = requests.delete(f"{url}/prod/health", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_cdk_out_directory_serves_its_one_template(template: Path) -> None:
    from sagegate.api.load import template_in

    assert template_in(template.parent) == template
    with GatewayTestClient(template.parent) as client:
        assert client.get("/prod/health", sign=False).json() == {"status": "ok"}
