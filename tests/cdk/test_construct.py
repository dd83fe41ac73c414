"""Upstream's unit tests, ported to our construct, and what we add beyond upstream."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.cdk.validation import API_KEY_NEEDS_USAGE_PLAN
from tests.cdk.support import captured_stdout, warning_lines


def _props(**extra: Any) -> dict[str, Any]:
    return {
        "endpoint_name": "my-endpoint",
        "resource_path": "{my_param}",
        "request_mapping_template": "my-request-vtl-template",
        **extra,
    }


def test_construct_properties_are_exposed() -> None:
    stack = cdk.Stack()
    pattern = ApiGatewayToSageMakerEndpoint(stack, "api-gateway-sagemakerendpoint", **_props())
    assert isinstance(pattern.api_gateway, apigw.RestApi)
    assert isinstance(pattern.api_gateway_role, iam.Role)
    assert isinstance(pattern.api_gateway_cloud_watch_role, iam.Role)
    assert pattern.api_gateway_log_group is not None


def test_deployment_with_overwritten_properties() -> None:
    stack = cdk.Stack()
    existing_role = iam.Role(
        stack,
        "api-gateway-role",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="existing role for SageMaker integration",
    )
    pattern = ApiGatewayToSageMakerEndpoint(
        stack,
        "api-gateway-sagemakerendpoint",
        **_props(
            api_gateway_props={
                "rest_api_name": "my-api",
                "deploy_options": apigw.StageOptions(
                    method_options={
                        "/*/*": apigw.MethodDeploymentOptions(
                            throttling_rate_limit=100, throttling_burst_limit=25
                        )
                    }
                ),
            },
            api_gateway_execution_role=existing_role,
            resource_name="my-resource",
            response_mapping_template="my-response-vtl-template",
        ),
    )
    assert pattern.api_gateway_role is existing_role
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "MethodSettings": [
                {
                    "DataTraceEnabled": False,
                    "HttpMethod": "*",
                    "LoggingLevel": "INFO",
                    "ResourcePath": "/*",
                },
                {
                    "HttpMethod": "*",
                    "ResourcePath": "/*",
                    "ThrottlingRateLimit": 100,
                    "ThrottlingBurstLimit": 25,
                },
            ]
        },
    )
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "my-resource"})
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "Integration": {
                "IntegrationResponses": [
                    {
                        "ResponseTemplates": {"application/json": "my-response-vtl-template"},
                        "StatusCode": "200",
                    },
                    {"StatusCode": "500", "SelectionPattern": "5\\d{2}"},
                    {"StatusCode": "400", "SelectionPattern": "4\\d{2}"},
                ]
            },
            "MethodResponses": [
                {"StatusCode": "200"},
                {"StatusCode": "500"},
                {"StatusCode": "400"},
            ],
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role", {"Description": "existing role for SageMaker integration"}
    )
    template.resource_count_is("AWS::ApiGateway::UsagePlan", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_additional_request_templates() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(
        stack,
        "api-gateway-sagemaker-endpoint",
        **_props(additional_request_templates={"text/plain": "additional-request-template"}),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "Integration": {
                "RequestTemplates": {
                    "application/json": "my-request-vtl-template",
                    "text/plain": "additional-request-template",
                }
            },
        },
    )


def test_api_key_requires_a_usage_plan() -> None:
    stack = cdk.Stack()
    with pytest.raises(RuntimeError, match=r"^Error - if API key is required") as caught:
        ApiGatewayToSageMakerEndpoint(
            stack,
            "test-apigateway-sagemaker",
            **_props(
                api_gateway_props={"default_method_options": {"api_key_required": True}},
                create_usage_plan=False,
            ),
        )
    assert str(caught.value) == API_KEY_NEEDS_USAGE_PLAN


def test_usage_plan_can_be_suppressed() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(
        stack, "test-apigateway-sagemaker", **_props(create_usage_plan=False)
    )
    Template.from_stack(stack).resource_count_is("AWS::ApiGateway::UsagePlan", 0)


def test_api_key_is_made_and_attached_when_required() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(
        stack,
        "c",
        **_props(
            api_gateway_props={"default_method_options": {"api_key_required": True}},
            create_usage_plan=True,
        ),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::ApiKey", 1)
    template.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)
    template.has_resource_properties("AWS::ApiGateway::Method", {"ApiKeyRequired": True})


def test_no_cloud_watch_role_when_disabled() -> None:
    stack = cdk.Stack()
    pattern = ApiGatewayToSageMakerEndpoint(
        stack, "c", **_props(api_gateway_props=apigw.RestApiProps(cloud_watch_role=False))
    )
    assert pattern.api_gateway_cloud_watch_role is None
    Template.from_stack(stack).resource_count_is("AWS::ApiGateway::Account", 0)


def test_invoke_role_may_only_invoke_this_endpoint() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(stack, "c", **_props())
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = policies.values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sagemaker:InvokeEndpoint"
    assert statement["Resource"]["Fn::Join"][1][-1] == ":endpoint/my-endpoint"


def test_required_parameters_are_marked_required_on_the_method() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(
        stack, "c", **_props(required_parameters=["items", "method.request.header.x-user"])
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "RequestParameters": {
                "method.request.querystring.items": True,
                "method.request.header.x-user": True,
            },
            "RequestValidatorId": Match.any_value(),
        },
    )


def test_no_required_parameters_by_default() -> None:
    stack = cdk.Stack()
    ApiGatewayToSageMakerEndpoint(stack, "c", **_props())
    (method,) = Template.from_stack(stack).find_resources("AWS::ApiGateway::Method").values()
    assert "RequestParameters" not in method["Properties"]


def test_override_warnings_can_be_silenced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("overrideWarningsEnabled", "false")
    with captured_stdout() as printed:
        ApiGatewayToSageMakerEndpoint(cdk.Stack(), "c", **_props())
        text = printed()
    assert warning_lines(text) == []


def test_id_is_accepted_positionally_and_by_keyword() -> None:
    stack = cdk.Stack()
    first = ApiGatewayToSageMakerEndpoint(stack, "one", **_props())
    second = ApiGatewayToSageMakerEndpoint(stack, id_="two", **_props())
    assert (first.node.id, second.node.id) == ("one", "two")
