"""A sagegate spec as the construct's props, plus the few settings upstream has no prop for.

A spec with every default maps to no props beyond the required ones, so it synthesizes the
construct's default template exactly. Each non-default value becomes the natural
`RestApiProps` override (merged into the defaults as upstream merges any user props).
Three settings are not props of the upstream construct, so they are applied to the
synthesized resources afterwards: the integration timeout, and the usage plan's throttle,
quota and API keys.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource
from aws_cdk import aws_apigateway as apigw

from sagegate.cdk.construct import ApiGatewayToSageMakerEndpoint
from sagegate.spec import ApiSettings, Spec, Throttle

# API Gateway's own default (and maximum) integration timeout, which the construct keeps.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000


def _access_log_format(value: str) -> apigw.AccessLogFormat | None:
    if value == "json":
        return None  # upstream's default: jsonWithStandardFields
    if value == "clf":
        return apigw.AccessLogFormat.clf()
    return apigw.AccessLogFormat.custom(value)


def _deploy_options(api: ApiSettings) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if api.stage_name != "prod":
        options["stage_name"] = api.stage_name
    if not api.tracing:
        options["tracing_enabled"] = False
    access_log_format = _access_log_format(api.access_log_format)
    if access_log_format is not None:
        options["access_log_format"] = access_log_format
    if api.throttling is not None:
        # Stage-wide: every resource and method of the stage.
        options["method_options"] = {
            "/*/*": apigw.MethodDeploymentOptions(
                throttling_rate_limit=api.throttling.rate_limit,
                throttling_burst_limit=api.throttling.burst_limit,
            )
        }
    if api.stage_variables:
        options["variables"] = dict(api.stage_variables)
    return options


def rest_api_props(api: ApiSettings) -> apigw.RestApiProps | None:
    """The `api_gateway_props` for the spec's `api` block; None when it is all defaults."""
    props: dict[str, Any] = {}
    if api.endpoint_type != "EDGE":
        props["endpoint_configuration"] = apigw.EndpointConfiguration(
            types=[apigw.EndpointType[api.endpoint_type]]
        )
    method_options: dict[str, Any] = {}
    if api.authorization_type == "NONE":
        method_options["authorization_type"] = apigw.AuthorizationType.NONE
    if api.api_key_required:
        method_options["api_key_required"] = True
    if method_options:
        props["default_method_options"] = apigw.MethodOptions(**method_options)
    deploy_options = _deploy_options(api)
    if deploy_options:
        props["deploy_options"] = apigw.StageOptions(**deploy_options)
    return apigw.RestApiProps(**props) if props else None


def construct_props(spec: Spec) -> dict[str, Any]:
    """The keyword arguments of `ApiGatewayToSageMakerEndpoint` for `spec`."""
    props: dict[str, Any] = {
        "endpoint_name": spec.endpoint_name,
        "resource_path": spec.resource_path,
        "request_mapping_template": spec.request_mapping_template,
        "create_usage_plan": spec.create_usage_plan,
    }
    if spec.resource_name is not None:
        props["resource_name"] = spec.resource_name
    if spec.response_mapping_template is not None:
        props["response_mapping_template"] = spec.response_mapping_template
    if spec.additional_request_templates:
        props["additional_request_templates"] = dict(spec.additional_request_templates)
    if spec.required_parameters:
        props["required_parameters"] = list(spec.required_parameters)
    api_gateway_props = rest_api_props(spec.api)
    if api_gateway_props is not None:
        props["api_gateway_props"] = api_gateway_props
    return props


def _throttle(throttle: Throttle) -> dict[str, Any]:
    return {"RateLimit": throttle.rate_limit, "BurstLimit": throttle.burst_limit}


def apply_spec_settings(construct: ApiGatewayToSageMakerEndpoint, spec: Spec) -> None:
    """Apply what the upstream props cannot say: integration timeout and usage plan limits."""
    api = construct.api_gateway
    if spec.api.integration_timeout_ms != DEFAULT_INTEGRATION_TIMEOUT_MS:
        (method,) = api.methods
        cfn_method = method.node.default_child
        assert isinstance(cfn_method, CfnResource)
        cfn_method.add_property_override(
            "Integration.TimeoutInMillis", spec.api.integration_timeout_ms
        )
        # A changed method needs a new deployment to reach the stage: the deployment's
        # logical ID is a hash of the API, and an override is not part of it by itself.
        if api.latest_deployment is not None:
            api.latest_deployment.add_to_logical_id(
                {"integrationTimeoutMs": spec.api.integration_timeout_ms}
            )
    plan_spec = spec.usage_plan
    if plan_spec is None or not spec.create_usage_plan:
        return
    plan = api.node.find_child("UsagePlan")
    assert isinstance(plan, apigw.UsagePlan)
    cfn_plan = plan.node.default_child
    assert isinstance(cfn_plan, CfnResource)
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-usageplan.html
    if plan_spec.throttle is not None:
        cfn_plan.add_property_override("Throttle", _throttle(plan_spec.throttle))
    if plan_spec.quota is not None:
        quota: dict[str, Any] = {"Limit": plan_spec.quota.limit, "Period": plan_spec.quota.period}
        if plan_spec.quota.offset:
            quota["Offset"] = plan_spec.quota.offset
        cfn_plan.add_property_override("Quota", quota)
    for index, value in enumerate(plan_spec.api_keys, start=1):
        plan.add_api_key(api.add_api_key(f"SpecApiKey{index}", value=value))
