"""The prescriptive defaults the upstream construct starts from, before the user's props.

They are the Solutions Constructs defaults (`@aws-solutions-constructs/core` 2.105.0):
an edge-optimized REST API, no account-level CloudWatch role made by the RestApi itself
(the construct makes its own), JSON access logs to a log group kept forever, INFO execution
logging without data tracing, X-Ray tracing, and IAM authorization on every method. Keys are
listed in upstream's order, which is the order its override warnings follow.

https://docs.aws.amazon.com/solutions/latest/constructs/aws-apigateway-sagemakerendpoint.html
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from sagegate.cdk.props_tree import StructNode, node


def log_group_props() -> StructNode:
    """`DefaultLogGroupProps`: access logs never expire (customer data is kept)."""
    return node(logs.LogGroupProps, retention=logs.RetentionDays.INFINITE)


def json_with_standard_fields() -> apigw.AccessLogFormat:
    """`AccessLogFormat.jsonWithStandardFields()` with its JavaScript default (every field)."""
    return apigw.AccessLogFormat.json_with_standard_fields(
        ip=True,
        user=True,
        caller=True,
        request_time=True,
        http_method=True,
        resource_path=True,
        status=True,
        protocol=True,
        response_length=True,
    )


def rest_api_props(log_group: logs.ILogGroup) -> StructNode:
    """`DefaultGlobalRestApiProps`: the RestApi props before the user's overrides."""
    return node(
        apigw.RestApiProps,
        endpoint_configuration=node(apigw.EndpointConfiguration, types=[apigw.EndpointType.EDGE]),
        cloud_watch_role=False,
        deploy_options=node(
            apigw.StageOptions,
            access_log_destination=apigw.LogGroupLogDestination(log_group),
            access_log_format=json_with_standard_fields(),
            logging_level=apigw.MethodLoggingLevel.INFO,
            data_trace_enabled=False,
            tracing_enabled=True,
        ),
        default_method_options=node(
            apigw.MethodOptions, authorization_type=apigw.AuthorizationType.IAM
        ),
    )


def integration_responses() -> list[StructNode]:
    """`DefaultIntegrationResponses`: what a service integration answers without overrides."""
    return [
        node(apigw.IntegrationResponse, status_code="200"),
        node(
            apigw.IntegrationResponse,
            status_code="500",
            response_templates={"text/html": "Error"},
            selection_pattern="500",
        ),
    ]


def service_integration_props(
    *,
    service: str,
    path: str,
    credentials_role: iam.IRole,
    request_templates: dict[str, str],
    content_type: str = "'application/json'",
) -> StructNode:
    """The AwsIntegration props `addProxyMethodToApiResource` starts from.

    The request always goes out as a POST with the given Content-Type, and passthrough is
    NEVER: a request whose content type has no template is refused with 415, not forwarded.
    """
    return node(
        apigw.AwsIntegrationProps,
        service=service,
        integration_http_method="POST",
        options=node(
            apigw.IntegrationOptions,
            passthrough_behavior=apigw.PassthroughBehavior.NEVER,
            credentials_role=credentials_role,
            request_parameters={"integration.request.header.Content-Type": content_type},
            request_templates=request_templates,
            integration_responses=integration_responses(),
        ),
        path=path,
    )


def method_options() -> StructNode:
    """The method options `addProxyMethodToApiResource` starts from."""
    content_type = {"method.response.header.Content-Type": True}
    return node(
        apigw.MethodOptions,
        method_responses=[
            node(apigw.MethodResponse, status_code="200", response_parameters=content_type),
            node(apigw.MethodResponse, status_code="500", response_parameters=content_type),
        ],
    )
