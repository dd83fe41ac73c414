"""Parity with the upstream construct: same props, same kind of stack -> the same template.

Each scenario synthesizes `aws_solutions_constructs.aws_apigateway_sagemakerendpoint`'s
construct (2.105.0, on aws-cdk-lib 2.273.0) and ours in fresh Apps with the same stack name,
and compares the templates as JSON, the construct tree paths, and the warning lines printed.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_solutions_constructs.aws_apigateway_sagemakerendpoint import (
    ApiGatewayToSageMakerEndpoint as UpstreamConstruct,
)

from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.cdk.suppressions import add_guard_suppressions
from sagegate.cdk.validation import (
    API_KEY_NEEDS_USAGE_PLAN,
    JSON_TEMPLATE_NOT_ADDITIONAL,
    NO_ENDPOINT_TYPES,
)
from tests.cdk.support import (
    REQUEST_TEMPLATE,
    RESPONSE_TEMPLATE,
    Scenario,
    Synth,
    build,
    lint_errors,
)


def _base(**extra: Any) -> dict[str, Any]:
    return {
        "endpoint_name": "my-endpoint",
        "resource_path": "{user_id}",
        "request_mapping_template": REQUEST_TEMPLATE,
        **extra,
    }


def _existing_role(stack: cdk.Stack) -> iam.Role:
    # The role of upstream's "overwrite" integration test, suppression included.
    role = iam.Role(
        stack,
        "api-gateway-role",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="existing role for SageMaker integration",
        inline_policies={
            "InvokePolicy": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        resources=[
                            f"arn:{cdk.Aws.PARTITION}:sagemaker:{cdk.Aws.REGION}:"
                            f"{cdk.Aws.ACCOUNT_ID}:endpoint/my-endpoint"
                        ],
                        actions=["sagemaker:InvokeEndpoint"],
                    )
                ]
            )
        },
    )
    add_guard_suppressions(role, ["IAM_NO_INLINE_POLICY_CHECK"])
    return role


def _overwrite(stack: cdk.Stack) -> dict[str, Any]:
    return _base(
        resource_name="predicted-ratings",
        response_mapping_template=RESPONSE_TEMPLATE,
        api_gateway_execution_role=_existing_role(stack),
    )


SCENARIOS = [
    Scenario("defaults", lambda _: _base()),
    Scenario(
        "resource_name_and_response_template",
        lambda _: _base(
            resource_name="predicted-ratings", response_mapping_template=RESPONSE_TEMPLATE
        ),
    ),
    Scenario("user_execution_role", lambda s: _base(api_gateway_execution_role=_existing_role(s))),
    Scenario(
        "regional_endpoint",
        lambda _: _base(
            api_gateway_props=apigw.RestApiProps(
                endpoint_configuration=apigw.EndpointConfiguration(
                    types=[apigw.EndpointType.REGIONAL]
                )
            )
        ),
    ),
    Scenario("no_usage_plan", lambda _: _base(create_usage_plan=False)),
    Scenario(
        "additional_request_templates",
        lambda _: _base(additional_request_templates={"text/plain": "additional-template"}),
    ),
    Scenario(
        "no_cloud_watch_role",
        lambda _: _base(api_gateway_props=apigw.RestApiProps(cloud_watch_role=False)),
    ),
    Scenario(
        "api_key_required_with_usage_plan",
        lambda _: _base(
            create_usage_plan=True,
            api_gateway_props=apigw.RestApiProps(
                default_method_options=apigw.MethodOptions(api_key_required=True)
            ),
        ),
    ),
    Scenario(
        "deploy_options_method_throttling",
        # upstream's unit test "Test deployment w/ overwritten properties"
        lambda s: _base(
            api_gateway_props=apigw.RestApiProps(
                rest_api_name="my-api",
                deploy_options=apigw.StageOptions(
                    method_options={
                        "/*/*": apigw.MethodDeploymentOptions(
                            throttling_rate_limit=100, throttling_burst_limit=25
                        )
                    }
                ),
            ),
            api_gateway_execution_role=_existing_role(s),
            resource_name="my-resource",
            response_mapping_template="my-response-vtl-template",
        ),
    ),
    Scenario(
        "log_group_retention",
        lambda _: _base(log_group_props=logs.LogGroupProps(retention=logs.RetentionDays.ONE_WEEK)),
    ),
    Scenario(
        "overridden_defaults",
        lambda _: _base(
            api_gateway_props={
                "default_method_options": {"authorization_type": apigw.AuthorizationType.NONE},
                "deploy_options": {
                    "stage_name": "v1",
                    "tracing_enabled": False,
                    "logging_level": apigw.MethodLoggingLevel.ERROR,
                    "access_log_format": apigw.AccessLogFormat.clf(),
                },
                "cloud_watch_role": True,
            },
            log_group_props={"retention": logs.RetentionDays.INFINITE},
        ),
    ),
    Scenario(
        "env_specific_stack",
        lambda _: _base(),
        env=cdk.Environment(account="123456789012", region="eu-west-1"),
    ),
    Scenario("integ_no_overwrite", lambda _: _base(), feature_flags=True),
    Scenario("integ_overwrite", _overwrite, feature_flags=True),
    Scenario("integ_no_usage_plan", lambda _: _base(create_usage_plan=False), feature_flags=True),
    Scenario(
        "integ_additional_request_templates",
        lambda _: _base(additional_request_templates={"text/plain": REQUEST_TEMPLATE}),
        feature_flags=True,
    ),
    Scenario(
        "integ_flags_env_specific_all_props",
        lambda s: _base(
            resource_name="predicted-ratings",
            response_mapping_template=RESPONSE_TEMPLATE,
            additional_request_templates={"text/plain": REQUEST_TEMPLATE},
            create_usage_plan=True,
            api_gateway_props=apigw.RestApiProps(
                endpoint_configuration=apigw.EndpointConfiguration(
                    types=[apigw.EndpointType.REGIONAL]
                ),
                default_method_options=apigw.MethodOptions(api_key_required=True),
            ),
            log_group_props=logs.LogGroupProps(retention=logs.RetentionDays.ONE_MONTH),
        ),
        env=cdk.Environment(account="123456789012", region="us-west-2"),
        feature_flags=True,
    ),
]


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda s: s.name)
def pair(request: pytest.FixtureRequest) -> tuple[Synth, Synth]:
    scenario: Scenario = request.param
    ours = build(ApiGatewayToSageMakerEndpoint, scenario)
    upstream = build(UpstreamConstruct, scenario, min_warnings=len(ours.warnings))
    return upstream, ours


def test_template_equals_upstream(pair: tuple[Synth, Synth]) -> None:
    upstream, ours = pair
    assert ours.template == upstream.template


def test_construct_paths_equal_upstream(pair: tuple[Synth, Synth]) -> None:
    upstream, ours = pair
    assert ours.paths == upstream.paths


def test_warning_lines_equal_upstream(pair: tuple[Synth, Synth]) -> None:
    upstream, ours = pair
    # Every construction overrides one integration default, so there is always a line.
    assert ours.warnings
    assert ours.warnings == upstream.warnings


def test_template_passes_cfn_lint(pair: tuple[Synth, Synth]) -> None:
    _, ours = pair
    assert lint_errors(ours.template) == []


def test_overridden_defaults_print_upstreams_details() -> None:
    (scenario,) = [s for s in SCENARIOS if s.name == "overridden_defaults"]
    ours = build(ApiGatewayToSageMakerEndpoint, scenario)
    text = "\n".join(ours.warnings)
    assert "defaultMethodOptions[authorizationType]. Default value: 'AWS_IAM'." in text
    assert "deployOptions[loggingLevel]. Default value: 'INFO'. You provided: 'ERROR'." in text
    assert "deployOptions[tracingEnabled]." in text
    assert "cloudWatchRole." in text


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {
                "api_gateway_props": {"default_method_options": {"api_key_required": True}},
                "create_usage_plan": False,
            },
            API_KEY_NEEDS_USAGE_PLAN,
        ),
        (
            # As upstream: leaving create_usage_plan unset is refused as well.
            {"api_gateway_props": {"default_method_options": {"api_key_required": True}}},
            API_KEY_NEEDS_USAGE_PLAN,
        ),
        (
            {"api_gateway_props": {"endpoint_types": [apigw.EndpointType.REGIONAL]}},
            NO_ENDPOINT_TYPES,
        ),
        (
            {"additional_request_templates": {"application/json": "{}"}},
            JSON_TEMPLATE_NOT_ADDITIONAL,
        ),
    ],
    ids=["api_key_without_usage_plan", "api_key_usage_plan_unset", "endpoint_types", "json_extra"],
)
def test_validation_errors_match_upstream(props: dict[str, Any], message: str) -> None:
    errors: list[str] = []
    for construct_type in (UpstreamConstruct, ApiGatewayToSageMakerEndpoint):
        stack = cdk.Stack(cdk.App(), "Errors")
        with pytest.raises(RuntimeError) as caught:
            construct_type(stack, "c", **_base(**props))
        errors.append(str(caught.value))
    assert errors == [message, message]
