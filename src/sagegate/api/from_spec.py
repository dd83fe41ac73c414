"""Our YAML spec as the API model, by the construct's own rules.

The construct (`sagegate.cdk`, like the upstream `aws-apigateway-sagemakerendpoint`) makes one
GET method whose AWS integration POSTs to the SageMaker Runtime, with passthrough NEVER, the
Content-Type header mapped to 'application/json', and three integration responses: the default
200 (with the response template), `5\\d{2}` -> 500 and `4\\d{2}` -> 400. A test holds this
door to the model read back from the construct's own synthesized CloudFormation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from sagegate.api.formats import access_log_format
from sagegate.api.model import (
    ApiKey,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    MethodSetting,
    QuotaSettings,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    ThrottleSettings,
    UsagePlan,
    frozen,
)
from sagegate.iam_policy import Policy, PolicyError
from sagegate.spec import Spec, SpecError, Throttle

# The construct's RestApi is named after its construct id.
API_NAME = "RestApi"
# The name the construct gives its request validator.
VALIDATOR_NAME = "request-param-validator"


def api_id_for(spec: Spec) -> str:
    """A stable 10-character API id for a spec (AWS ids are 10 lowercase alphanumerics)."""
    digest = hashlib.sha256(f"{spec.endpoint_name}{spec.resource_template}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def sagemaker_uri(region: str, endpoint_name: str) -> str:
    """The AWS integration URI of InvokeEndpoint, as the construct writes it."""
    return (
        f"arn:aws:apigateway:{region}:runtime.sagemaker:path/endpoints/{endpoint_name}/invocations"
    )


def _throttle(throttle: Throttle | None) -> ThrottleSettings | None:
    if throttle is None:
        return None
    return ThrottleSettings(throttle.rate_limit, throttle.burst_limit)


def _policy(spec: Spec) -> dict[str, Any] | None:
    """The spec's resource policy (inline or a file), checked as the gateway will read it."""
    document = spec.api.policy
    if document is None:
        return None
    if isinstance(document, dict):
        loaded: Any = document
    else:
        try:
            loaded = json.loads(Path(document).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SpecError(f"invalid spec: api.policy: cannot read {document}: {exc}") from None
        except ValueError as exc:
            raise SpecError(f"invalid spec: api.policy: {document} is not JSON: {exc}") from None
    try:
        Policy.parse(loaded)
    except PolicyError as exc:
        raise SpecError(f"invalid spec: api.policy: {exc}") from None
    return dict(loaded)


def _method(spec: Spec, region: str) -> Method:
    ok_templates = (
        {"application/json": spec.response_mapping_template}
        if spec.response_mapping_template is not None
        else None
    )
    integration = Integration(
        type="AWS",
        uri=sagemaker_uri(region, spec.endpoint_name),
        http_method="POST",
        request_parameters=frozen(
            {"integration.request.header.Content-Type": "'application/json'"}
        ),
        request_templates=frozen(spec.request_templates),
        passthrough_behavior="NEVER",
        timeout_ms=spec.api.integration_timeout_ms,
        responses=(
            IntegrationResponse("200", None, response_templates=frozen(ok_templates)),
            IntegrationResponse("500", r"5\d{2}"),
            IntegrationResponse("400", r"4\d{2}"),
        ),
    )
    required = spec.required_request_parameters
    return Method(
        http_method="GET",
        authorization_type=spec.api.authorization_type,
        api_key_required=spec.api.api_key_required,
        request_parameters=frozen(required),
        # The construct always attaches its parameter validator.
        request_validator=RequestValidator(VALIDATOR_NAME, validate_request_parameters=True),
        integration=integration,
        method_responses=(MethodResponse("200"), MethodResponse("500"), MethodResponse("400")),
    )


def _resources(spec: Spec, method: Method) -> tuple[Resource, ...]:
    resources = [Resource("/")]
    path = ""
    for part in spec.path_parts:
        path += "/" + part
        resources.append(Resource(path))
    resources[-1] = Resource(path, frozen({"GET": method}))
    return tuple(resources)


def _usage_plans(spec: Spec) -> tuple[UsagePlan, ...]:
    if not spec.create_usage_plan:
        return ()
    plan = spec.usage_plan
    if plan is None:
        return (UsagePlan("usageplan1"),)
    quota = plan.quota
    return (
        UsagePlan(
            "usageplan1",
            throttle=_throttle(plan.throttle),
            quota=QuotaSettings(quota.limit, quota.period, quota.offset) if quota else None,
            api_keys=tuple(
                ApiKey(f"key{index}", value) for index, value in enumerate(plan.api_keys, start=1)
            ),
        ),
    )


def api_from_spec(spec: Spec, *, region: str) -> RestApi:
    """The REST API the construct deploys for `spec`, in `region`."""
    throttle = _throttle(spec.api.throttling)
    stage = Stage(
        name=spec.api.stage_name,
        variables=frozen(spec.api.stage_variables),
        # The construct always writes the stage-wide setting (its logging level), throttled
        # or not.
        method_settings=(MethodSetting("/*", "*", throttle),),
        access_log_format=access_log_format(spec.api.access_log_format),
        tracing_enabled=spec.api.tracing,
    )
    return RestApi(
        name=API_NAME,
        id=api_id_for(spec),
        stage=stage,
        resources=_resources(spec, _method(spec, region)),
        usage_plans=_usage_plans(spec),
        policy=_policy(spec),
        endpoint_type=spec.api.endpoint_type,
    )
