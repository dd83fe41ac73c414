"""The method whose AWS integration calls a service (`addProxyMethodToApiResource`).

https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagegate.cdk import defaults
from sagegate.cdk.consolidate import consolidate_props
from sagegate.cdk.props_tree import StructNode, node
from sagegate.cdk.validation import check_additional_templates


def add_service_method(
    scope: Construct,
    *,
    resource: apigw.IResource,
    http_method: str,
    service: str,
    path: str,
    role: iam.IRole,
    request_template: str,
    additional_request_templates: Mapping[str, str] | None,
    integration_responses: list[StructNode],
    method_options: StructNode,
) -> apigw.Method:
    """Add `http_method` to `resource`, integrated with `service` at `path` through `role`.

    The request templates are application/json's first, then the additional ones; the
    integration and method responses given replace the defaults (arrays are not merged).
    """
    check_additional_templates(additional_request_templates)
    request_templates = {
        "application/json": request_template,
        **(additional_request_templates or {}),
    }
    integration_props = consolidate_props(
        scope,
        defaults.service_integration_props(
            service=service, path=path, credentials_role=role, request_templates=request_templates
        ),
        node(
            apigw.AwsIntegrationProps,
            options=node(apigw.IntegrationOptions, integration_responses=integration_responses),
        ),
    )
    integration = apigw.AwsIntegration(**integration_props.kwargs())
    options = consolidate_props(scope, defaults.method_options(), method_options)
    return resource.add_method(http_method, integration, **options.kwargs())
