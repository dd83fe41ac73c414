"""`ApiGatewayToSageMakerEndpoint`: a drop-in for the AWS Solutions Construct of that name.

Same props, same defaults, same CloudFormation with the same logical IDs and construct paths,
so switching the import never replaces a deployed resource.

https://docs.aws.amazon.com/solutions/latest/constructs/aws-apigateway-sagemakerendpoint.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Aws
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagegate.cdk.integration import add_service_method
from sagegate.cdk.props_tree import StructNode, node
from sagegate.cdk.rest_api import global_rest_api
from sagegate.cdk.suppressions import add_guard_suppressions
from sagegate.cdk.validation import check_api_props

if TYPE_CHECKING:
    from sagegate.spec import Spec


def _method_request_parameter(name: str) -> str:
    # 'items' is a query string parameter; full names pass through.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
    return name if name.startswith("method.request.") else f"method.request.querystring.{name}"


class ApiGatewayToSageMakerEndpoint(Construct):
    """A REST API whose GET method calls a SageMaker endpoint through a mapping template.

    Attributes, as upstream: `api_gateway` (the RestApi), `api_gateway_role` (the role API
    Gateway invokes the endpoint with), `api_gateway_cloud_watch_role` (None when
    `api_gateway_props` sets `cloud_watch_role=False`) and `api_gateway_log_group`.
    """

    api_gateway: apigw.RestApi
    api_gateway_role: iam.IRole
    api_gateway_cloud_watch_role: iam.Role | None
    api_gateway_log_group: logs.LogGroup

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        endpoint_name: str,
        request_mapping_template: str,
        resource_path: str,
        additional_request_templates: Mapping[str, str] | None = None,
        api_gateway_execution_role: iam.IRole | None = None,
        api_gateway_props: apigw.RestApiProps | Mapping[str, Any] | None = None,
        create_usage_plan: bool | None = None,
        log_group_props: logs.LogGroupProps | Mapping[str, Any] | None = None,
        resource_name: str | None = None,
        response_mapping_template: str | None = None,
        required_parameters: Sequence[str] | None = None,
    ) -> None:
        """Build the API. The props are upstream's (see its documentation), plus one.

        `required_parameters` (beyond upstream, off by default): method request parameters
        marked required, so that the request validator refuses a request without them with
        400 "Missing required request parameters". A bare name ('items') is a query string
        parameter; 'method.request.header.x-id' names any location.
        """
        super().__init__(scope, id_)
        if isinstance(api_gateway_props, Mapping):
            api_gateway_props = apigw.RestApiProps(**api_gateway_props)
        if isinstance(log_group_props, Mapping):
            log_group_props = logs.LogGroupProps(**log_group_props)
        check_api_props(create_usage_plan, api_gateway_props)

        rest_api = global_rest_api(self, api_gateway_props, log_group_props, create_usage_plan)
        self.api_gateway = rest_api.api
        self.api_gateway_cloud_watch_role = rest_api.cloud_watch_role
        self.api_gateway_log_group = rest_api.log_group

        if api_gateway_execution_role is not None:
            self.api_gateway_role = api_gateway_execution_role
        else:
            self.api_gateway_role = self._invoke_role(endpoint_name)

        validator = self.api_gateway.add_request_validator(
            "request-validator",
            request_validator_name="request-param-validator",
            # Validates the required parameters of the URI, the query string and the headers.
            validate_request_parameters=True,
        )
        resource: apigw.IResource = self.api_gateway.root
        if resource_name is not None:
            resource = resource.add_resource(resource_name)
        resource = resource.add_resource(resource_path)

        method_options: dict[str, Any] = {
            "method_responses": [
                node(apigw.MethodResponse, status_code=code) for code in ("200", "500", "400")
            ],
            "request_validator": validator,
        }
        if required_parameters:
            method_options["request_parameters"] = {
                _method_request_parameter(name): True for name in required_parameters
            }
        add_service_method(
            self,
            resource=resource,
            http_method="GET",
            service="runtime.sagemaker",
            path=f"endpoints/{endpoint_name}/invocations",
            role=self.api_gateway_role,
            request_template=request_mapping_template,
            additional_request_templates=additional_request_templates,
            integration_responses=_integration_responses(response_mapping_template),
            method_options=StructNode(apigw.MethodOptions, method_options),
        )

    def _invoke_role(self, endpoint_name: str) -> iam.Role:
        # Least privilege: this endpoint's InvokeEndpoint and nothing else.
        role = iam.Role(
            self,
            "api-gateway-role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        )
        add_guard_suppressions(role, ["IAM_NO_INLINE_POLICY_CHECK"])
        policy = iam.Policy(
            self,
            "InvokeEndpointPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["sagemaker:InvokeEndpoint"],
                    resources=[
                        f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                        f":endpoint/{endpoint_name}"
                    ],
                )
            ],
        )
        policy.attach_to_role(role)
        return role

    @classmethod
    def from_spec(cls, scope: Construct, id_: str, spec: Spec) -> ApiGatewayToSageMakerEndpoint:
        """The construct for a sagegate spec (its local-only `endpoint` block is ignored)."""
        from sagegate.cdk.from_spec import apply_spec_settings, construct_props

        construct = cls(scope, id_, **construct_props(spec))
        apply_spec_settings(construct, spec)
        return construct


def _integration_responses(response_mapping_template: str | None) -> list[StructNode]:
    # SageMaker's 4xx and 5xx become the method's 400 and 500; anything else is a 200.
    ok = (
        node(
            apigw.IntegrationResponse,
            status_code="200",
            response_templates={"application/json": response_mapping_template},
        )
        if response_mapping_template is not None
        else node(apigw.IntegrationResponse, status_code="200")
    )
    return [
        ok,
        node(apigw.IntegrationResponse, status_code="500", selection_pattern="5\\d{2}"),
        node(apigw.IntegrationResponse, status_code="400", selection_pattern="4\\d{2}"),
    ]
