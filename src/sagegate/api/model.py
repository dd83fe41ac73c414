"""The REST API as API Gateway itself holds it: resources, methods, integrations, stage.

Three front doors build it (`from_spec`, `cloudformation`, `openapi`) and two consumers read
it (the local gateway, and `to_openapi`). The names follow API Gateway's own API reference
(https://docs.aws.amazon.com/apigateway/latest/api/API_Types.html) in snake_case, so a reader
who knows `aws apigateway get-method` recognises every field. Everything is frozen: the model is
built once at load and only read afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import Any, Literal

AuthorizationType = Literal["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]
IntegrationType = Literal["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"]
PassthroughBehavior = Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]
ContentHandling = Literal["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"]
QuotaPeriod = Literal["DAY", "WEEK", "MONTH"]
ApiKeySource = Literal["HEADER", "AUTHORIZER"]

AUTHORIZATION_TYPES: tuple[str, ...] = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
INTEGRATION_TYPES: tuple[str, ...] = ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK")
PASSTHROUGH_BEHAVIORS: tuple[str, ...] = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLINGS: tuple[str, ...] = ("CONVERT_TO_TEXT", "CONVERT_TO_BINARY")
HTTP_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")

# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
GATEWAY_RESPONSE_STATUS: Mapping[str, int] = MappingProxyType(
    {
        "ACCESS_DENIED": 403,
        "API_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_FAILURE": 500,
        "BAD_REQUEST_PARAMETERS": 400,
        "BAD_REQUEST_BODY": 400,
        "DEFAULT_4XX": 0,  # no status of its own: each type keeps its own
        "DEFAULT_5XX": 0,
        "EXPIRED_TOKEN": 403,
        "INTEGRATION_FAILURE": 504,
        "INTEGRATION_TIMEOUT": 504,
        "INVALID_API_KEY": 403,
        "INVALID_SIGNATURE": 403,
        "MISSING_AUTHENTICATION_TOKEN": 403,
        "QUOTA_EXCEEDED": 429,
        "REQUEST_TOO_LARGE": 413,
        "RESOURCE_NOT_FOUND": 404,
        "THROTTLED": 429,
        "UNAUTHORIZED": 401,
        "UNSUPPORTED_MEDIA_TYPE": 415,
        "WAF_FILTERED": 403,
    }
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
# A SageMaker Runtime integration URI, as API Gateway takes it for an AWS integration:
# arn:aws:apigateway:REGION:runtime.sagemaker:path/endpoints/NAME/invocations
# https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html
SAGEMAKER_URI = re.compile(
    r"^arn:aws[a-zA-Z-]*:apigateway:(?P<region>[a-z0-9-]*):runtime\.sagemaker:path/+"
    r"endpoints/(?P<name>[^/]+)/(?P<action>invocations|invocations-response-stream|"
    r"async-invocations)$"
)
_AWS_SERVICE_URI = re.compile(
    r"^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]*:(?P<service>[a-zA-Z0-9.-]+):(?P<kind>path|action)/"
)


def _empty() -> Mapping[str, Any]:
    return _EMPTY


def frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy (the model is shared by every request and never changes)."""
    return MappingProxyType(dict(mapping)) if mapping else _EMPTY


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    """A token bucket: steady requests per second and the burst it absorbs."""

    rate_limit: float
    burst_limit: int


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    """At most `limit` requests per UTC calendar period, shifted by `offset` days."""

    limit: int
    period: QuotaPeriod = "DAY"
    offset: int = 0


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html"""

    status_code: str
    selection_pattern: str | None = None
    response_parameters: Mapping[str, str] = field(default_factory=_empty)
    response_templates: Mapping[str, str] = field(default_factory=_empty)
    content_handling: ContentHandling | None = None


@dataclass(frozen=True, slots=True)
class Integration:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html"""

    type: IntegrationType
    uri: str | None = None
    http_method: str | None = None
    request_parameters: Mapping[str, str] = field(default_factory=_empty)
    request_templates: Mapping[str, str] = field(default_factory=_empty)
    passthrough_behavior: PassthroughBehavior = "WHEN_NO_MATCH"
    content_handling: ContentHandling | None = None
    timeout_ms: int = 29_000
    responses: tuple[IntegrationResponse, ...] = ()
    credentials: str | None = None
    connection_type: str | None = None

    @property
    def sagemaker(self) -> re.Match[str] | None:
        """The SageMaker Runtime URI's parts (region, name, action), for an AWS integration."""
        if self.type != "AWS" or self.uri is None:
            return None
        return SAGEMAKER_URI.match(self.uri)

    @property
    def aws_service(self) -> str | None:
        """The AWS service an AWS/AWS_PROXY integration calls ('runtime.sagemaker', 'lambda')."""
        if self.uri is None:
            return None
        found = _AWS_SERVICE_URI.match(self.uri)
        return found.group("service") if found else None


@dataclass(frozen=True, slots=True)
class MethodResponse:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_MethodResponse.html"""

    status_code: str
    response_parameters: Mapping[str, bool] = field(default_factory=_empty)
    response_models: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class RequestValidator:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_RequestValidator.html"""

    name: str
    validate_request_body: bool = False
    validate_request_parameters: bool = False


@dataclass(frozen=True, slots=True)
class Model:
    """A request or response model: a JSON Schema draft 4 document, by name.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
    """

    name: str
    schema: Mapping[str, Any]
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Method:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html"""

    http_method: str
    authorization_type: AuthorizationType = "NONE"
    api_key_required: bool = False
    request_parameters: Mapping[str, bool] = field(default_factory=_empty)
    request_validator: RequestValidator | None = None
    request_models: Mapping[str, str] = field(default_factory=_empty)
    integration: Integration | None = None
    method_responses: tuple[MethodResponse, ...] = ()
    authorizer: str | None = None
    operation_name: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """One path of the resource tree ('/', '/predicted-ratings/{user_id}') and its methods."""

    path: str
    methods: Mapping[str, Method] = field(default_factory=_empty)

    @property
    def parts(self) -> list[str]:
        """The path parts: '/a/{b}' -> ['a', '{b}']; the root has none."""
        return [part for part in self.path.split("/") if part]


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """A customised gateway response for one response type.

    https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html
    """

    response_type: str
    status_code: str | None = None
    response_parameters: Mapping[str, str] = field(default_factory=_empty)
    response_templates: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class MethodSetting:
    """A stage's method setting: '/*' + '*' for every method, else one resource and method.

    https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
    """

    resource_path: str
    http_method: str
    throttle: ThrottleSettings | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html"""

    name: str
    variables: Mapping[str, str] = field(default_factory=_empty)
    method_settings: tuple[MethodSetting, ...] = ()
    access_log_format: str | None = None
    tracing_enabled: bool = False

    def throttle_for(self, resource_path: str, http_method: str) -> ThrottleSettings | None:
        """The throttle of one method: its own setting, else the stage-wide '/*/*' one."""
        fallback: ThrottleSettings | None = None
        for setting in self.method_settings:
            if setting.resource_path == resource_path and setting.http_method == http_method:
                if setting.throttle is not None:
                    return setting.throttle
            elif setting.resource_path == "/*" and setting.http_method == "*":
                fallback = setting.throttle or fallback
        return fallback


@dataclass(frozen=True, slots=True)
class ApiKey:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_ApiKey.html"""

    id: str
    value: str
    name: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class UsagePlan:
    """A usage plan of this API's stage, with its keys.

    `method_throttles` are the per-method throttles of the plan's API stage, keyed
    '/resource/path/METHOD' as API Gateway keys them.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html
    """

    id: str
    name: str | None = None
    throttle: ThrottleSettings | None = None
    quota: QuotaSettings | None = None
    api_keys: tuple[ApiKey, ...] = ()
    method_throttles: Mapping[str, ThrottleSettings] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class RestApi:
    """A REST API deployed to one stage: what the local gateway serves.

    https://docs.aws.amazon.com/apigateway/latest/api/API_RestApi.html
    """

    name: str
    id: str
    stage: Stage
    resources: tuple[Resource, ...]
    models: Mapping[str, Model] = field(default_factory=_empty)
    gateway_responses: Mapping[str, GatewayResponse] = field(default_factory=_empty)
    binary_media_types: tuple[str, ...] = ()
    api_key_source: ApiKeySource = "HEADER"
    usage_plans: tuple[UsagePlan, ...] = ()
    policy: Mapping[str, Any] | None = None
    endpoint_type: str = "EDGE"
    description: str | None = None

    def routes(self) -> list[tuple[Resource, Method]]:
        """Every (resource, method), in path order."""
        return [
            (resource, resource.methods[name])
            for resource in sorted(self.resources, key=lambda r: r.path)
            for name in sorted(resource.methods)
        ]

    def uses_authorization(self, authorization_type: str) -> bool:
        """True when some method is authorized with `authorization_type` (e.g. AWS_IAM)."""
        return any(m.authorization_type == authorization_type for _, m in self.routes())

    def resource(self, path: str) -> Resource | None:
        """The resource at `path`, if any."""
        return next((r for r in self.resources if r.path == path), None)


def to_plain(value: Any) -> Any:
    """A model value as plain dicts, lists and scalars (for JSON, and for comparing)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value
