"""Compile the API model into the gateway's routing table: every method's steps, once.

Each method becomes a `MethodPlan`: the steps its requests run after routing, built with
everything decided at load (templates compiled, mappings parsed, schemas compiled, the target
of its endpoint, its buckets). A method the local gateway cannot run (a Lambda proxy, a
custom or Cognito authorizer, another AWS service) is routed to a step that answers API
Gateway's 500 and logs why, so nothing about it is silent; `RouteInfo.reason` says why too,
for the banner and the console.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sagegate.api.errors import ApiError
from sagegate.api.model import Integration, Method, Resource, RestApi, ThrottleSettings
from sagegate.endpoint.targets import Target
from sagegate.gateway.body_models import BodyCheck, compile_model
from sagegate.gateway.chain import Step
from sagegate.gateway.context import Invocation, MethodResponse
from sagegate.gateway.limits import Limit, LimitFactory, LocalLimits
from sagegate.gateway.mappings import MappingError, Mappings
from sagegate.gateway.responses import ApiConfigurationError
from sagegate.gateway.router import Router
from sagegate.gateway.steps.authorize import Authorize
from sagegate.gateway.steps.integrate import Integrate
from sagegate.gateway.steps.integrate_http import HttpClients, HttpIntegrate
from sagegate.gateway.steps.integrate_mock import mock_integrate
from sagegate.gateway.steps.integration_request import IntegrationRequestStep
from sagegate.gateway.steps.integration_response import (
    IntegrationResponse,
    IntegrationResponseStep,
)
from sagegate.gateway.steps.throttle import Throttle, UsagePlanKey
from sagegate.gateway.steps.validate import Validate
from sagegate.gateway.trace import Tracer
from sagegate.gateway.vtl import MappingTemplate, TemplateError
from sagegate.iam_policy import Policy
from sagegate.metrics.registry import Metrics, api_name
from sagegate.metrics.series import Series
from sagegate.sigv4 import SigV4Verifier

log = logging.getLogger("sagegate.gateway")

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
# Headers of an HTTP_PROXY answer that API Gateway drops, and those it renames
# x-amzn-Remapped-*: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
_PROXY_DROPPED = frozenset({"transfer-encoding", "content-encoding", "via", "content-length"})
_PROXY_REMAPPED = frozenset({"connection", "date", "server"})


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One method as the banner and the console list it."""

    http_method: str
    path: str
    authorization: str
    api_key_required: bool
    integration: str
    reason: str | None = None  # why it is not served, when it is not


@dataclass(slots=True)
class MethodPlan:
    """The steps of one method, after routing (mutable only for the bench's profiler),
    and the series its requests are counted in."""

    info: RouteInfo
    steps: tuple[Step, ...]
    metrics: Series
    # The console's test calls skip authorization, as API Gateway's TestInvokeMethod does.
    test_steps: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        if not self.test_steps:
            self.test_steps = tuple(s for s in self.steps if not isinstance(s, Authorize))


@dataclass(slots=True)
class BuildSettings:
    """What compiling needs beyond the model."""

    region: str
    account_id: str
    tracer: Tracer
    verifier: SigV4Verifier | None
    policy: Policy | None
    targets: Mapping[str, Target]
    http_clients: HttpClients
    limits: LimitFactory
    metrics: Metrics
    # The SageMaker endpoint names the API names, by method, filled in while compiling.
    endpoint_names: set[str] = field(default_factory=set)


def render_stage_variables(text: str, variables: Mapping[str, str]) -> str:
    """`${stageVariables.NAME}` replaced by the stage's value ('' for an unset one)."""
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


def unsupported_reason(api: RestApi, method: Method) -> str | None:
    """Why the local gateway cannot run `method`, or None when it can."""
    if method.authorization_type == "CUSTOM":
        return "a CUSTOM (Lambda) authorizer is not emulated"
    if method.authorization_type == "COGNITO_USER_POOLS":
        return "a COGNITO_USER_POOLS authorizer is not emulated"
    if method.api_key_required and api.api_key_source == "AUTHORIZER":
        return "API keys from an authorizer (apiKeySource AUTHORIZER) are not emulated"
    integration = method.integration
    if integration is None:
        return "the method has no integration"
    if integration.type == "AWS_PROXY":
        return "an AWS_PROXY (Lambda proxy) integration is not emulated"
    if integration.type == "AWS":
        service = integration.aws_service
        if service != "runtime.sagemaker":
            return f"an AWS integration with {service or integration.uri!r} is not emulated"
        found = integration.sagemaker
        if found is None:
            return f"{integration.uri!r} is not a SageMaker Runtime InvokeEndpoint URI"
        if found.group("action") == "async-invocations":
            return "SageMaker's asynchronous inference (async-invocations) is not emulated"
        if (integration.http_method or "").upper() != "POST":
            # InvokeEndpoint is `POST /endpoints/NAME/invocations`; API Gateway calls the
            # service with the integration's own method, so any other one fails on AWS.
            # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
            return (
                "SageMaker's InvokeEndpoint is called with POST, and the integration's "
                f"method is {integration.http_method or 'missing'}"
            )
    if integration.type in ("HTTP", "HTTP_PROXY"):
        if integration.connection_type == "VPC_LINK":
            return "an HTTP integration through a VPC link is not emulated"
        if not integration.uri or not re.match(r"^https?://", integration.uri):
            return f"HTTP integration URI {integration.uri!r} is not an http(s) URL"
    return None


def _describe(integration: Integration | None, uri: str | None) -> str:
    if integration is None:
        return "none"
    if integration.type == "AWS" and integration.sagemaker is not None:
        return f"AWS -> SageMaker endpoint {integration.sagemaker.group('name')}"
    if integration.type in ("HTTP", "HTTP_PROXY"):
        return f"{integration.type} -> {integration.http_method or 'ANY'} {uri}"
    return integration.type


class _NotServed:
    """The step of a method the local gateway does not run: API Gateway's 500, and why."""

    def __init__(self, info: RouteInfo) -> None:
        self.info = info

    def __call__(self, ctx: Invocation) -> None:
        reason = (
            f"{self.info.http_method} {self.info.path} is not served locally: {self.info.reason}"
        )
        log.warning("request %s: %s", ctx.request_id, reason)
        ctx.integration_error = reason
        raise ApiConfigurationError()


def _proxy_response(ctx: Invocation) -> None:
    """HTTP_PROXY: the integration's answer goes back as it came."""
    answer = ctx.endpoint_response
    assert answer is not None, "the integrate step runs first"
    headers: list[tuple[bytes, bytes]] = []
    for name, value in answer.headers:
        lowered = name.lower()
        if lowered in _PROXY_DROPPED:
            continue
        if lowered in _PROXY_REMAPPED:
            lowered = f"x-amzn-remapped-{lowered}"
        headers.append((lowered.encode("latin-1"), value.encode("latin-1")))
    ctx.response = MethodResponse(status=answer.status, headers=headers, body=answer.body)


class _Compiler:
    """Compiles one API's methods; shared state (keys, verifier) is made once."""

    def __init__(self, api: RestApi, settings: BuildSettings) -> None:
        self.api = api
        self.settings = settings
        self.variables = dict(api.stage.variables)
        self.keys = self._usage_plan_keys()
        self.api_name = api_name(api.name, api.id)

    def _bucket(self, throttle: ThrottleSettings | None) -> Limit | None:
        if throttle is None:
            return None
        return self.settings.limits.bucket(throttle.rate_limit, throttle.burst_limit)

    def _usage_plan_keys(self) -> dict[str, UsagePlanKey]:
        keys: dict[str, UsagePlanKey] = {}
        for plan in self.api.usage_plans:
            for key in plan.api_keys:
                if not key.enabled:
                    continue
                quota = plan.quota
                keys[key.value] = UsagePlanKey(
                    key.id,
                    self._bucket(plan.throttle),
                    self.settings.limits.quota(quota.limit, quota.period, quota.offset)
                    if quota is not None
                    else None,
                )
        return keys

    def _template(self, where: str, source: str) -> MappingTemplate:
        try:
            return MappingTemplate(source)
        except TemplateError as exc:
            raise ApiError(f"{where}: the template does not compile: {exc}") from None

    def _mappings(
        self, where: str, mappings: Mapping[str, str], prefix: str, side: str
    ) -> Mappings:
        try:
            return Mappings(mappings, prefix, self.variables, side=side)
        except MappingError as exc:
            raise ApiError(f"{where}: {exc}") from None

    def plan(self, resource: Resource, method: Method) -> MethodPlan:
        where = f"{method.http_method} {resource.path}"
        integration = method.integration
        uri = (
            render_stage_variables(integration.uri, self.variables)
            if integration is not None and integration.uri
            else None
        )
        reason = unsupported_reason(self.api, method)
        info = RouteInfo(
            http_method=method.http_method,
            path=resource.path,
            authorization=method.authorization_type,
            api_key_required=method.api_key_required,
            integration=_describe(integration, uri),
            reason=reason,
        )
        metrics = self.settings.metrics.api_series(
            self.api_name, self.api.stage.name, method.http_method, resource.path
        )
        if reason is not None or integration is None:
            return MethodPlan(info, (_NotServed(info),), metrics)
        steps: list[Step] = []
        verifier = self.settings.verifier if method.authorization_type == "AWS_IAM" else None
        if verifier is not None or self.settings.policy is not None:
            steps.append(
                Authorize(
                    verifier=verifier,
                    policy=self.settings.policy,
                    region=self.settings.region,
                    account_id=self.settings.account_id,
                    api_id=self.api.id,
                )
            )
        steps.extend(self._throttle(resource, method))
        steps.extend(self._validate(where, resource, method))
        steps.append(self._integration_request(where, integration, uri or ""))
        steps.append(self._integrate(integration, uri or ""))
        if integration.type == "HTTP_PROXY":
            steps.append(_proxy_response)
        else:
            steps.append(self._integration_response(where, integration))
        return MethodPlan(info, tuple(steps), metrics)

    def _throttle(self, resource: Resource, method: Method) -> list[Step]:
        stage_bucket = self._bucket(self.api.stage.throttle_for(resource.path, method.http_method))
        method_key_buckets: dict[str, Limit] = {}
        if method.api_key_required:
            route_key = f"{resource.path}/{method.http_method}"
            for plan in self.api.usage_plans:
                throttle = plan.method_throttles.get(route_key)
                if throttle is None:
                    continue
                for key in plan.api_keys:
                    bucket = self._bucket(throttle)
                    if bucket is not None:
                        method_key_buckets[key.value] = bucket
        if not method.api_key_required and stage_bucket is None:
            return []
        return [
            Throttle(
                api_key_required=method.api_key_required,
                keys=self.keys,
                stage_bucket=stage_bucket,
                method_key_buckets=method_key_buckets,
            )
        ]

    def _validate(self, where: str, resource: Resource, method: Method) -> list[Step]:
        validator = method.request_validator
        if validator is None:
            return []
        required: list[str] = []
        if validator.validate_request_parameters:
            required = [key for key, needed in method.request_parameters.items() if needed]
            # Path parameters are always required (API Gateway refuses a method that says not).
            required += [
                f"method.request.path.{part[1:-1].rstrip('+')}"
                for part in resource.parts
                if part.startswith("{")
            ]
        body_checks: dict[str, BodyCheck] = {}
        if validator.validate_request_body:
            for content_type, model in method.request_models.items():
                body_checks[content_type.lower()] = compile_model(self.api.models, model, where)
        if not required and not body_checks:
            return []
        return [Validate(required, body_checks=body_checks)]

    def _integration_request(
        self, where: str, integration: Integration, uri: str
    ) -> IntegrationRequestStep:
        parameters = integration.request_parameters
        proxy = integration.type == "HTTP_PROXY"
        templates = (
            {}
            if proxy
            else {
                content_type: self._template(f"{where}: request template {content_type}", source)
                for content_type, source in integration.request_templates.items()
            }
        )
        path = self._mappings(where, parameters, "integration.request.path.", "request")
        default_headers = {"Accept": "application/json"} if integration.type == "HTTP" else None
        return IntegrationRequestStep(
            templates,
            passthrough="WHEN_NO_MATCH" if proxy else integration.passthrough_behavior,
            headers=self._mappings(where, parameters, "integration.request.header.", "request"),
            query=self._mappings(where, parameters, "integration.request.querystring.", "request"),
            path=path if path else None,
            default_headers=default_headers,
            tracing=self.api.stage.tracing_enabled,
            uri=uri,
            http_method=integration.http_method or "ANY",
            content_handling=integration.content_handling,
            binary_media_types=self.api.binary_media_types,
        )

    def _integrate(self, integration: Integration, uri: str) -> Step:
        timeout_ms = integration.timeout_ms
        if integration.type == "MOCK":
            return mock_integrate
        if integration.type in ("HTTP", "HTTP_PROXY"):
            return HttpIntegrate(
                clients=self.settings.http_clients,
                timeout_ms=timeout_ms,
                proxy=integration.type == "HTTP_PROXY",
                api_id=self.api.id,
            )
        found = integration.sagemaker
        assert found is not None, "checked by unsupported_reason"
        name = render_stage_variables(found.group("name"), self.variables)
        stream = found.group("action") == "invocations-response-stream"
        if "{" in name:
            return Integrate(
                target=None,
                endpoint_name=None,
                timeout_ms=timeout_ms,
                tracer=self.settings.tracer,
                targets=self.settings.targets,
                stream=stream,
            )
        self.settings.endpoint_names.add(name)
        return Integrate(
            target=self.settings.targets.get(name),
            endpoint_name=name,
            timeout_ms=timeout_ms,
            tracer=self.settings.tracer,
            targets=self.settings.targets,
            stream=stream,
        )

    def _integration_response(
        self, where: str, integration: Integration
    ) -> IntegrationResponseStep:
        responses = []
        for response in integration.responses:
            label = f"{where}: integration response {response.status_code}"
            try:
                status = int(response.status_code)
            except ValueError:
                raise ApiError(f"{label}: status code is not a number") from None
            try:
                re.compile(response.selection_pattern or "")
            except re.error as exc:
                raise ApiError(f"{label}: selection pattern does not compile: {exc}") from None
            headers = self._mappings(
                label, response.response_parameters, "method.response.header.", "response"
            )
            templates = {
                content_type: self._template(f"{label} template {content_type}", source)
                for content_type, source in response.response_templates.items()
            }
            responses.append(
                IntegrationResponse(
                    status,
                    response.selection_pattern or None,
                    templates or None,
                    headers if headers else None,
                    response.content_handling,
                )
            )
        return IntegrationResponseStep(responses)


def compile_api(
    api: RestApi, settings: BuildSettings
) -> tuple[Router[MethodPlan], list[MethodPlan]]:
    """The router of `api`'s method plans, and the plans (served and not) in path order."""
    compiler = _Compiler(api, settings)
    routes = [
        (resource.path, method.http_method, compiler.plan(resource, method))
        for resource, method in api.routes()
    ]
    return Router(api.stage.name, routes), [plan for _, _, plan in routes]


def compile_routes(api: RestApi) -> list[RouteInfo]:
    """Compile every method without targets, to refuse a bad definition before serving.

    Returns the route list (served and not) that the banner prints.
    """
    settings = BuildSettings(
        region="us-east-1",
        account_id="000000000000",
        tracer=Tracer(),
        verifier=None,
        policy=None,
        targets={},
        http_clients=HttpClients(),
        limits=LocalLimits(),
        metrics=Metrics(),
    )
    return [plan.info for plan in compile_api(api, settings)[1]]
