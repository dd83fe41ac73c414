"""The API model as the OpenAPI 3 document API Gateway exports for it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html
`aws apigateway get-export --export-type oas30 --parameters extensions=apigateway` writes the
resources as paths, method request parameters as parameters, request models as request bodies
(`#/components/schemas`), method responses with their headers, and the extensions this module
writes: the integration of every method, request validators, gateway responses, binary media
types, the API key source and the resource policy. Security schemes are `sigv4` (AWS_IAM) and
`api_key`, as AWS names them.

What a stage holds beyond its name (variables, method settings, tracing, access log format) and
the usage plans are not part of an AWS export; they go in one extension of ours,
`x-sagegate-stage`, which API Gateway's importer ignores and sagegate reads back, so that
serving an export answers as the original does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagegate.api.model import Integration, Method, RestApi, Stage, ThrottleSettings, UsagePlan

_OPERATION = {m: m.lower() for m in ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH")}
_OPERATION["ANY"] = "x-amazon-apigateway-any-method"
_IN = {"path": "path", "querystring": "query", "header": "header"}
SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
API_KEY = {"type": "apiKey", "name": "x-api-key", "in": "header"}


def _integration(integration: Integration) -> dict[str, Any]:
    out: dict[str, Any] = {"type": integration.type.lower()}
    if integration.credentials:
        out["credentials"] = integration.credentials
    if integration.http_method:
        out["httpMethod"] = integration.http_method
    if integration.uri:
        out["uri"] = integration.uri
    if integration.responses:
        out["responses"] = {
            (response.selection_pattern or "default"): {
                "statusCode": response.status_code,
                **(
                    {"responseParameters": dict(response.response_parameters)}
                    if response.response_parameters
                    else {}
                ),
                **(
                    {"responseTemplates": dict(response.response_templates)}
                    if response.response_templates
                    else {}
                ),
                **(
                    {"contentHandling": response.content_handling}
                    if response.content_handling
                    else {}
                ),
            }
            for response in integration.responses
        }
    if integration.request_parameters:
        out["requestParameters"] = dict(integration.request_parameters)
    if integration.request_templates:
        out["requestTemplates"] = dict(integration.request_templates)
    out["passthroughBehavior"] = integration.passthrough_behavior.lower()
    if integration.content_handling:
        out["contentHandling"] = integration.content_handling
    if integration.connection_type:
        out["connectionType"] = integration.connection_type
    out["timeoutInMillis"] = integration.timeout_ms
    return out


def _operation(method: Method, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if method.operation_name:
        operation["operationId"] = method.operation_name
    parameters = []
    path_names = {part[1:-1].rstrip("+") for part in path.split("/") if part.startswith("{")}
    declared = dict(method.request_parameters)
    for name in sorted(path_names):
        declared.setdefault(f"method.request.path.{name}", True)
    for key, required in declared.items():
        _, _, location, name = key.split(".", 3)
        if location not in _IN:
            continue
        parameter: dict[str, Any] = {"name": name, "in": _IN[location]}
        if required or location == "path":
            parameter["required"] = True
        parameter["schema"] = {"type": "string"}
        parameters.append(parameter)
    if parameters:
        operation["parameters"] = parameters
    if method.request_models:
        operation["requestBody"] = {
            "content": {
                content_type: {"schema": {"$ref": f"#/components/schemas/{model}"}}
                for content_type, model in method.request_models.items()
            },
            "required": True,
        }
    responses: dict[str, Any] = {}
    for response in method.method_responses:
        entry: dict[str, Any] = {"description": f"{response.status_code} response"}
        headers = {
            key.removeprefix("method.response.header."): {"schema": {"type": "string"}}
            for key in response.response_parameters
            if key.startswith("method.response.header.")
        }
        if headers:
            entry["headers"] = headers
        entry["content"] = {
            content_type: {"schema": {"$ref": f"#/components/schemas/{model}"}}
            for content_type, model in response.response_models.items()
        }
        responses[response.status_code] = entry
    operation["responses"] = responses
    security: list[dict[str, list[str]]] = []
    if method.authorization_type == "AWS_IAM":
        security.append({"sigv4": []})
    if method.api_key_required:
        security.append({"api_key": []})
    if security:
        operation["security"] = security
    if method.request_validator is not None:
        operation["x-amazon-apigateway-request-validator"] = method.request_validator.name
    if method.integration is not None:
        operation["x-amazon-apigateway-integration"] = _integration(method.integration)
    return operation


def _throttle(throttle: ThrottleSettings | None) -> dict[str, Any] | None:
    if throttle is None:
        return None
    return {"rateLimit": throttle.rate_limit, "burstLimit": throttle.burst_limit}


def stage_extension(stage: Stage, plans: tuple[UsagePlan, ...]) -> dict[str, Any]:
    """`x-sagegate-stage`: what the stage and its usage plans hold beyond the paths."""
    return {
        "variables": dict(stage.variables),
        "methodSettings": [
            {
                "resourcePath": setting.resource_path,
                "httpMethod": setting.http_method,
                "throttle": _throttle(setting.throttle),
            }
            for setting in stage.method_settings
        ],
        "accessLogFormat": stage.access_log_format,
        "tracingEnabled": stage.tracing_enabled,
        "usagePlans": [
            {
                "id": plan.id,
                "name": plan.name,
                "throttle": _throttle(plan.throttle),
                "quota": (
                    {
                        "limit": plan.quota.limit,
                        "period": plan.quota.period,
                        "offset": plan.quota.offset,
                    }
                    if plan.quota is not None
                    else None
                ),
                "apiKeys": [
                    {"id": key.id, "name": key.name, "value": key.value, "enabled": key.enabled}
                    for key in plan.api_keys
                ],
                "methodThrottles": {k: _throttle(v) for k, v in plan.method_throttles.items()},
            }
            for plan in plans
        ],
    }


def api_to_openapi(api: RestApi, *, region: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.0.1 export of `api`'s stage; `version` is info.version (a timestamp)."""
    document: dict[str, Any] = {"openapi": "3.0.1", "info": {"title": api.name}}
    if api.description:
        document["info"]["description"] = api.description
    document["info"]["version"] = version
    document["servers"] = [
        {
            "url": f"https://{api.id}.execute-api.{region}.amazonaws.com/{{basePath}}",
            "variables": {"basePath": {"default": api.stage.name}},
        }
    ]
    paths: dict[str, Any] = {}
    for resource, method in api.routes():
        paths.setdefault(resource.path, {})[_OPERATION[method.http_method]] = _operation(
            method, resource.path
        )
    document["paths"] = paths
    components: dict[str, Any] = {}
    if api.models:
        components["schemas"] = {name: dict(model.schema) for name, model in api.models.items()}
    schemes: dict[str, Any] = {}
    if any(m.api_key_required for _, m in api.routes()):
        schemes["api_key"] = dict(API_KEY)
    if any(m.authorization_type == "AWS_IAM" for _, m in api.routes()):
        schemes["sigv4"] = dict(SIGV4)
    if schemes:
        components["securitySchemes"] = schemes
    if components:
        document["components"] = components
    validators = {
        m.request_validator.name: {
            "validateRequestParameters": m.request_validator.validate_request_parameters,
            "validateRequestBody": m.request_validator.validate_request_body,
        }
        for _, m in api.routes()
        if m.request_validator is not None
    }
    if validators:
        document["x-amazon-apigateway-request-validators"] = validators
    if api.gateway_responses:
        document["x-amazon-apigateway-gateway-responses"] = {
            response_type: _gateway_response(
                response.status_code, response.response_parameters, response.response_templates
            )
            for response_type, response in api.gateway_responses.items()
        }
    if api.binary_media_types:
        document["x-amazon-apigateway-binary-media-types"] = list(api.binary_media_types)
    document["x-amazon-apigateway-api-key-source"] = api.api_key_source
    if api.policy is not None:
        document["x-amazon-apigateway-policy"] = dict(api.policy)
    document["x-sagegate-stage"] = stage_extension(api.stage, api.usage_plans)
    return document


def _gateway_response(
    status: str | None, parameters: Mapping[str, str], templates: Mapping[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if status is not None:
        out["statusCode"] = status
    if parameters:
        out["responseParameters"] = dict(parameters)
    if templates:
        out["responseTemplates"] = dict(templates)
    return out
