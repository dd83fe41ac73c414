"""A spec maps to the construct's props; `synth_spec` is the construct's template for it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw

from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.cdk.from_spec import construct_props
from sagegate.cdk.synth import DEFAULT_CONSTRUCT_ID, synth_spec
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE, Spec
from tests.cdk.support import lint_errors

REQUIRED = {
    "endpoint_name": "movie-ratings",
    "resource_path": "{user_id}",
    "request_mapping_template": BLOG_REQUEST_TEMPLATE,
}

FULL_SPEC: dict[str, Any] = {
    **REQUIRED,
    "resource_name": "predicted-ratings",
    "response_mapping_template": BLOG_RESPONSE_TEMPLATE,
    "additional_request_templates": {"text/plain": BLOG_REQUEST_TEMPLATE},
    "required_parameters": ["items"],
    "api": {
        "authorization_type": "NONE",
        "api_key_required": True,
        "stage_name": "v1",
        "endpoint_type": "REGIONAL",
        "throttling": {"rate_limit": 100, "burst_limit": 50},
        "tracing": False,
        "access_log_format": "clf",
        "stage_variables": {"model": "ratings"},
    },
    "usage_plan": {
        "throttle": {"rate_limit": 10, "burst_limit": 5},
        "quota": {"limit": 1000, "period": "WEEK"},
        "api_keys": ["local-key-1234567890abcdef"],
    },
}


def _construct_template(stack_name: str = "SageGate", **props: Any) -> dict[str, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, stack_name)
    ApiGatewayToSageMakerEndpoint(stack, DEFAULT_CONSTRUCT_ID, **props)
    template = app.synth().get_stack_by_name(stack_name).template
    assert isinstance(template, dict)
    return template


@pytest.fixture(scope="module")
def full_template() -> dict[str, Any]:
    return synth_spec(Spec.from_mapping(FULL_SPEC))


def test_spec_with_defaults_gives_the_construct_default_template() -> None:
    assert synth_spec(Spec.from_mapping(REQUIRED)) == _construct_template(**REQUIRED)


def test_default_spec_gives_the_blog_api() -> None:
    template = synth_spec(Spec.default())
    assert template == _construct_template(
        endpoint_name="movie-ratings",
        resource_path="{user_id}",
        resource_name="predicted-ratings",
        request_mapping_template=BLOG_REQUEST_TEMPLATE,
        response_mapping_template=BLOG_RESPONSE_TEMPLATE,
        required_parameters=["items"],
    )
    assert lint_errors(template) == []


def test_defaults_map_to_no_overrides() -> None:
    props = construct_props(Spec.from_mapping(REQUIRED))
    assert props == {**REQUIRED, "create_usage_plan": True}


def test_non_default_api_settings_map_to_rest_api_props() -> None:
    props = construct_props(Spec.from_mapping(FULL_SPEC))
    api_props = props["api_gateway_props"]
    assert isinstance(api_props, apigw.RestApiProps)
    assert api_props.endpoint_configuration is not None
    assert api_props.default_method_options is not None
    assert api_props.deploy_options is not None
    assert api_props.deploy_options.method_options is not None
    assert api_props.endpoint_configuration.types == [apigw.EndpointType.REGIONAL]
    assert api_props.default_method_options.authorization_type is apigw.AuthorizationType.NONE
    assert api_props.default_method_options.api_key_required is True
    deploy = api_props.deploy_options
    assert (deploy.stage_name, deploy.tracing_enabled, deploy.variables) == (
        "v1",
        False,
        {"model": "ratings"},
    )
    throttle = api_props.deploy_options.method_options["/*/*"]
    assert (throttle.throttling_rate_limit, throttle.throttling_burst_limit) == (100, 50)
    assert props["required_parameters"] == ["items"]


def test_full_spec_equals_the_construct_with_the_same_props(
    full_template: dict[str, Any],
) -> None:
    direct = _construct_template(**construct_props(Spec.from_mapping(FULL_SPEC)))
    # What the upstream props cannot say is applied on top; everything else is identical.
    ours = {**full_template, "Resources": dict(full_template["Resources"])}
    for logical_id in [k for k in ours["Resources"] if "SpecApiKey" in k]:
        del ours["Resources"][logical_id]
    (plan_id,) = [
        k for k, v in ours["Resources"].items() if v["Type"] == "AWS::ApiGateway::UsagePlan"
    ]
    plan = dict(ours["Resources"][plan_id]["Properties"])
    assert plan.pop("Throttle") == {"RateLimit": 10, "BurstLimit": 5}
    assert plan.pop("Quota") == {"Limit": 1000, "Period": "WEEK"}
    ours["Resources"][plan_id] = {**ours["Resources"][plan_id], "Properties": plan}
    assert ours == direct


def _of_type(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def test_integration_timeout_sets_the_method_and_redeploys() -> None:
    default = synth_spec(Spec.from_mapping(REQUIRED))
    shorter = synth_spec(Spec.from_mapping({**REQUIRED, "api": {"integration_timeout_ms": 10_000}}))
    (method,) = _of_type(shorter, "AWS::ApiGateway::Method").values()
    assert method["Properties"]["Integration"]["TimeoutInMillis"] == 10_000
    (default_method,) = _of_type(default, "AWS::ApiGateway::Method").values()
    assert "TimeoutInMillis" not in default_method["Properties"]["Integration"]
    deployments = (
        _of_type(default, "AWS::ApiGateway::Deployment"),
        _of_type(shorter, "AWS::ApiGateway::Deployment"),
    )
    assert deployments[0].keys() != deployments[1].keys()
    assert lint_errors(shorter) == []


def test_full_spec_makes_the_usage_plan_keys(full_template: dict[str, Any]) -> None:
    resources = full_template["Resources"].values()
    keys = [r["Properties"] for r in resources if r["Type"] == "AWS::ApiGateway::ApiKey"]
    assert "local-key-1234567890abcdef" in [key.get("Value") for key in keys]
    # upstream's own generated key (api_key_required) and the spec's one
    assert len(keys) == 2
    links = [r for r in resources if r["Type"] == "AWS::ApiGateway::UsagePlanKey"]
    assert len(links) == 2


def test_full_spec_template_passes_cfn_lint(full_template: dict[str, Any]) -> None:
    assert lint_errors(full_template) == []


def test_custom_access_log_format_and_env() -> None:
    spec = Spec.from_mapping(
        {**REQUIRED, "api": {"access_log_format": "$context.requestId $context.status"}}
    )
    env = cdk.Environment(account="123456789012", region="eu-west-1")
    template = synth_spec(spec, stack_name="Custom", env=env)
    (stage,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage["Properties"]["AccessLogSetting"]["Format"] == "$context.requestId $context.status"
    assert lint_errors(template, regions=["eu-west-1"]) == []
