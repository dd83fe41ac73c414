"""Upstream's checks on the props, with its exact messages (users match on them)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_apigateway as apigw

API_KEY_NEEDS_USAGE_PLAN = "Error - if API key is required, then the Usage plan must be created\n"
NO_ENDPOINT_TYPES = (
    "Solutions Constructs internally uses endpointConfiguration, "
    "use endpointConfiguration instead of endpointTypes"
)
JSON_TEMPLATE_NOT_ADDITIONAL = (
    "Request Template for the application/json content-type must be specified in the "
    "requestTemplate property and not in the additionalRequestTemplates property "
)


class ConstructPropsError(RuntimeError):
    """Props the construct refuses. A RuntimeError, as jsii raises upstream's errors."""


def check_api_props(
    create_usage_plan: bool | None, api_gateway_props: apigw.RestApiProps | None
) -> None:
    """`CheckApiProps`: an API key is only usable through a usage plan.

    As upstream, `create_usage_plan` must be given as True explicitly when API keys are
    required (leaving it unset is refused too).
    """
    method_options = api_gateway_props.default_method_options if api_gateway_props else None
    if not create_usage_plan and method_options is not None and method_options.api_key_required:
        raise ConstructPropsError(API_KEY_NEEDS_USAGE_PLAN)


def check_no_endpoint_types(api_gateway_props: apigw.RestApiProps | None) -> None:
    """The construct sets `endpointConfiguration`; API Gateway refuses both at once."""
    if api_gateway_props is not None and api_gateway_props.endpoint_types:
        raise ConstructPropsError(NO_ENDPOINT_TYPES)


def check_additional_templates(additional_request_templates: Mapping[str, str] | None) -> None:
    """application/json belongs in `request_mapping_template`, not in the additional ones."""
    if additional_request_templates and "application/json" in additional_request_templates:
        raise ConstructPropsError(JSON_TEMPLATE_NOT_ADDITIONAL)
