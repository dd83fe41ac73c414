"""Gateway responses: API Gateway's defaults, and an API's customisations of them.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
A customised type wins; else DEFAULT_4XX customises every 4XX type and DEFAULT_5XX every 5XX.
"""

from __future__ import annotations

import logging

import pytest

from sagegate.api.model import GatewayResponse
from sagegate.gateway.context import MethodResponse
from sagegate.gateway.gateway_responses import GatewayResponses
from sagegate.gateway.responses import (
    ApiConfigurationError,
    BadRequestParameters,
    GatewayError,
    IntegrationTimeout,
    MissingAuthenticationToken,
    RequestHeadersTooLarge,
    RequestTooLarge,
)
from tests.gateway.factories import invocation

TEMPLATE = (
    '{"why": $context.error.messageString, "raw": "$context.error.message", '
    '"type": "$context.error.responseType", "v": "$context.error.validationErrorString"}'
)


def refuse(
    error: GatewayError, *custom: GatewayResponse, accept: str | None = None
) -> MethodResponse:
    headers = [("Host", "h"), ("X-Who", "me")] + ([("Accept", accept)] if accept else [])
    ctx = invocation(headers=headers)
    answer = GatewayResponses({c.response_type: c for c in custom}, {"env": "test"}).refuse(
        ctx, error
    )
    assert ctx.response is answer
    assert (ctx.error_type, ctx.error_message) == (error.instance_error_type, error.message)
    assert ctx.response_type == error.response_type
    return answer


def test_api_gateways_default_answer() -> None:
    answer = refuse(BadRequestParameters("Missing required request parameters: [items]"))
    assert answer.status == 400
    assert answer.headers == [
        (b"content-type", b"application/json"),
        (b"x-amzn-errortype", b"BadRequestException"),
    ]
    assert answer.body == b'{"message":"Missing required request parameters: [items]"}'
    assert not GatewayResponses({}, {})


def test_a_customised_type_has_its_status_template_and_headers() -> None:
    custom = GatewayResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        status_code="404",
        response_parameters={
            "gatewayresponse.header.Content-Type": "'text/plain'",
            "gatewayresponse.header.X-Env": "stageVariables.env",
            "gatewayresponse.header.x-who": "method.request.header.X-Who",
        },
        response_templates={"Application/JSON": TEMPLATE},
    )
    answer = refuse(MissingAuthenticationToken(), custom)
    assert answer.status == 404
    assert answer.body == (
        b'{"why": "Missing Authentication Token", "raw": "Missing Authentication Token", '
        b'"type": "MISSING_AUTHENTICATION_TOKEN", "v": ""}'
    )
    # A mapped header replaces the one of the same name; the others are added.
    assert answer.headers == [
        (b"x-amzn-errortype", b"MissingAuthenticationTokenException"),
        (b"content-type", b"text/plain"),
        (b"x-env", b"test"),
        (b"x-who", b"me"),
    ]


def test_the_template_is_chosen_by_the_accept_header() -> None:
    custom = GatewayResponse(
        "DEFAULT_4XX",
        response_templates={"application/json": '{"j": 1}', "text/plain": "plain"},
    )
    answer = refuse(MissingAuthenticationToken(), custom, accept="text/plain")
    assert (answer.status, answer.body) == (403, b"plain")
    assert answer.headers[0] == (b"content-type", b"text/plain")


@pytest.mark.parametrize(
    ("error", "customised_by"),
    [
        (BadRequestParameters("x"), "DEFAULT_4XX"),  # 400: the first 4XX
        (ApiConfigurationError(), "DEFAULT_5XX"),  # 500: the first 5XX
        (IntegrationTimeout(), "DEFAULT_5XX"),
    ],
)
def test_default_4xx_and_5xx_customise_their_class(error: GatewayError, customised_by: str) -> None:
    both = [
        GatewayResponse("DEFAULT_4XX", status_code="418"),
        GatewayResponse("DEFAULT_5XX", status_code="599"),
    ]
    assert refuse(error, *both).status == (418 if customised_by == "DEFAULT_4XX" else 599)
    other = next(c for c in both if c.response_type != customised_by)
    assert refuse(error, other).status == error.status_code


@pytest.mark.parametrize("error", [RequestTooLarge(), RequestHeadersTooLarge()])
def test_front_door_limits_ignore_the_apis_gateway_responses(error: GatewayError) -> None:
    # API Gateway refuses these before the API: neither their own type, DEFAULT_4XX nor its
    # headers (CORS, say) apply, as recorded answers of deployed APIs show.
    customised = [
        GatewayResponse(
            error.response_type, status_code="418", response_templates={"application/json": "{}"}
        ),
        GatewayResponse(
            "DEFAULT_4XX",
            status_code="499",
            response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        ),
    ]
    assert refuse(error, *customised).body == refuse(error).body == error.message.encode()
    assert refuse(error, *customised).status == error.status_code
    assert all(
        name != b"access-control-allow-origin" for name, _ in refuse(error, *customised).headers
    )


def test_a_type_customised_without_a_status_keeps_its_own() -> None:
    custom = GatewayResponse(
        "BAD_REQUEST_PARAMETERS", response_templates={"application/json": "{}"}
    )
    answer = refuse(BadRequestParameters("x"), custom, GatewayResponse("DEFAULT_4XX", "499"))
    assert (answer.status, answer.body) == (400, b"{}")


def test_a_failing_template_keeps_the_default_body(caplog: pytest.LogCaptureFixture) -> None:
    custom = GatewayResponse(
        "DEFAULT_5XX",
        status_code="503",
        response_templates={"application/json": "$input.path('no-dollar')"},
    )
    with caplog.at_level(logging.WARNING, logger="sagegate.gateway"):
        answer = refuse(ApiConfigurationError(), custom)
    assert answer.status == 503
    assert answer.body == b'{"message": "Internal server error"}'
    assert answer.headers == [
        (b"content-type", b"application/json"),
        (b"x-amzn-errortype", b"InternalServerErrorException"),
    ]
    assert "the API_CONFIGURATION_ERROR gateway response template failed" in caplog.text
