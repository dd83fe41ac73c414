"""The REST API with its access log group, CloudWatch role and usage plan (`GlobalRestApi`).

https://github.com/awslabs/aws-solutions-constructs/blob/main/source/patterns/%40aws-solutions-constructs/core/lib/apigateway-helper.ts
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, CfnResource
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagegate.cdk import defaults
from sagegate.cdk.consolidate import consolidate_props
from sagegate.cdk.props_tree import node, to_tree
from sagegate.cdk.suppressions import add_cfn_nag_suppressions, add_guard_suppressions
from sagegate.cdk.validation import check_no_endpoint_types

_INLINE_POLICY = "IAM_NO_INLINE_POLICY_CHECK"


@dataclass(frozen=True)
class RestApiParts:
    """What `global_rest_api` made: the API, its CloudWatch role (if any), its log group."""

    api: apigw.RestApi
    cloud_watch_role: iam.Role | None
    log_group: logs.LogGroup


def build_log_group(
    scope: Construct, id_: str, log_group_props: logs.LogGroupProps | None
) -> logs.LogGroup:
    """The access-log group: kept forever unless told otherwise, and retained on delete."""
    props = consolidate_props(scope, defaults.log_group_props(), to_tree(log_group_props))
    log_group = logs.LogGroup(scope, id_, **props.kwargs())
    if props.get("retention") is logs.RetentionDays.INFINITE:
        add_cfn_nag_suppressions(
            log_group,
            [
                {
                    "id": "W86",
                    "reason": "Retention period for CloudWatchLogs LogGroups are set to "
                    "'Never Expire' to preserve customer data indefinitely",
                }
            ],
        )
    if not props.get("encryption_key"):
        add_cfn_nag_suppressions(
            log_group,
            [
                {
                    "id": "W84",
                    "reason": "By default CloudWatchLogs LogGroups data is encrypted using the "
                    "CloudWatch server-side encryption keys (AWS Managed Keys)",
                }
            ],
        )
    return log_group


def _cloud_watch_role(scope: Construct, api: apigw.RestApi) -> iam.Role:
    # The account-level role API Gateway writes execution and access logs with.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
    role = iam.Role(
        scope,
        "LambdaRestApiCloudWatchRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        inline_policies={
            "LambdaRestApiCloudWatchRolePolicy": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                            "logs:GetLogEvents",
                            "logs:FilterLogEvents",
                        ],
                        resources=[f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"],
                    )
                ]
            )
        },
    )
    cfn_api = api.node.find_child("Resource")
    assert isinstance(cfn_api, CfnResource)
    account = apigw.CfnAccount(scope, "LambdaRestApiAccount", cloud_watch_role_arn=role.role_arn)
    account.add_resource_dependency(cfn_api)
    deployment = api.latest_deployment
    if deployment is not None:
        add_cfn_nag_suppressions(
            deployment.node.find_child("Resource"),
            [
                {
                    "id": "W45",
                    "reason": "ApiGateway has AccessLogging enabled in AWS::ApiGateway::Stage "
                    "resource, but cfn_nag checks for it in AWS::ApiGateway::Deployment resource",
                }
            ],
        )
    add_guard_suppressions(role, [_INLINE_POLICY])
    return role


def global_rest_api(
    scope: Construct,
    api_gateway_props: apigw.RestApiProps | None,
    log_group_props: logs.LogGroupProps | None,
    create_usage_plan: bool | None,
) -> RestApiParts:
    """An edge-optimized RestApi from the defaults and the user's props, as upstream makes it."""
    log_group = build_log_group(scope, "ApiAccessLogGroup", log_group_props)
    check_no_endpoint_types(api_gateway_props)
    props = consolidate_props(
        scope,
        defaults.rest_api_props(log_group),
        to_tree(api_gateway_props),
        # The construct makes its own CloudWatch role (below), never the RestApi's.
        node(apigw.RestApiProps, cloud_watch_role=False),
    )
    api = apigw.RestApi(scope, "RestApi", **props.kwargs())
    add_guard_suppressions(api.deployment_stage, ["API_GW_CACHE_ENABLED_AND_ENCRYPTED"])
    role = None
    if api_gateway_props is None or api_gateway_props.cloud_watch_role is not False:
        role = _cloud_watch_role(scope, api)
    if create_usage_plan is None or create_usage_plan:
        plan = api.add_usage_plan(
            "UsagePlan",
            api_stages=[apigw.UsagePlanPerApiStage(api=api, stage=api.deployment_stage)],
        )
        method_options = api_gateway_props.default_method_options if api_gateway_props else None
        if method_options is not None and method_options.api_key_required is True:
            plan.add_api_key(api.add_api_key("ApiKey"))
    return RestApiParts(api=api, cloud_watch_role=role, log_group=log_group)
