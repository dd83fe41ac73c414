"""The spec: the construct's props in snake_case plus the local-only blocks, validated at load.

One spec flows into both targets: the CDK construct (`sagegate.cdk`) and the local gateway
(`sagegate.gateway`). Neither imports the other; both read this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
ENDPOINT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
ENDPOINT_NAME_MAX_LENGTH = 63
# A path part as API Gateway accepts it: a literal, a {param}, or a greedy {proxy+}.
# https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html
_PATH_PART = re.compile(r"^(?:[a-zA-Z0-9._:@~!$&'()*,;=-]+|\{[a-zA-Z0-9._-]+\+?\})$")
# https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html
_STAGE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_CONTENT_TYPE = re.compile(r"^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+*-]+$")
# Method request parameters as API Gateway names them: method.request.{location}.{name}.
_PARAMETER_LOCATIONS = ("path", "querystring", "header")

BLOG_REQUEST_TEMPLATE = """{
    "instances": [
#set( $user_id = $input.params("user_id") )
#set( $items = $input.params("items") )
#foreach( $item in $items.split(",") )
    {"in0": [$user_id], "in1": [$item]}#if( $foreach.hasNext ),#end
    $esc.newline
#end
    ]
}"""
"""The request template of the AWS blog post and the upstream integration test."""

BLOG_RESPONSE_TEMPLATE = """{
    "ratings": [
#set( $predictions = $input.path("$.predictions") )
#foreach( $item in $predictions )
    $item.scores[0]#if( $foreach.hasNext ),#end
    $esc.newline
#end
    ]
}"""
"""The response template of the AWS blog post and the upstream integration test."""

DEFAULT_ENDPOINT_NAME = "movie-ratings"


class SpecError(ValueError):
    """A spec that cannot be served or synthesized; the message names each key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Throttle(_Strict):
    """A token bucket: steady requests per second and the burst it absorbs."""

    rate_limit: float = Field(ge=0)
    burst_limit: int = Field(ge=0)


class Quota(_Strict):
    """A usage-plan quota: at most `limit` requests per period (UTC calendar periods)."""

    limit: int = Field(gt=0)
    period: Literal["DAY", "WEEK", "MONTH"] = "DAY"
    offset: int = Field(default=0, ge=0)


class ApiSettings(_Strict):
    """The RestApi props that both the construct and the local gateway honour."""

    authorization_type: Literal["AWS_IAM", "NONE"] = "AWS_IAM"
    api_key_required: bool = False
    stage_name: str = "prod"
    endpoint_type: Literal["EDGE", "REGIONAL", "PRIVATE"] = "EDGE"
    throttling: Throttle | None = None
    tracing: bool = True
    access_log_format: str = "json"
    integration_timeout_ms: int = Field(default=29_000, ge=50, le=29_000)
    stage_variables: dict[str, str] = Field(default_factory=dict)
    # An IAM policy document (inline, or a path relative to the spec file) that limits
    # execute-api:Invoke by resource ARN, as a resource policy would.
    policy: dict[str, Any] | Path | None = None

    @field_validator("stage_name")
    @classmethod
    def _stage_name(cls, value: str) -> str:
        if not _STAGE_NAME.match(value):
            raise ValueError(
                "stage names can only contain alphanumeric characters, hyphens and "
                "underscores (at most 128)"
            )
        return value

    @field_validator("access_log_format")
    @classmethod
    def _access_log_format(cls, value: str) -> str:
        # For parity with API Gateway's UpdateStage: a custom format must identify the request.
        if value not in ("json", "clf") and (
            "$context.requestId" not in value and "$context.extendedRequestId" not in value
        ):
            raise ValueError(
                "a custom access log format must contain at least $context.requestId or "
                "$context.extendedRequestId (or use 'json' or 'clf')"
            )
        return value

    @field_validator("stage_variables")
    @classmethod
    def _stage_variables(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.match(r"^[a-zA-Z0-9_]+$", name):
                raise ValueError(f"stage variable name {name!r} may only contain [A-Za-z0-9_]")
        return value


class UsagePlanSpec(_Strict):
    """The usage plan made when `create_usage_plan` is true."""

    throttle: Throttle | None = None
    quota: Quota | None = None
    api_keys: list[str] = Field(default_factory=list)

    @field_validator("api_keys")
    @classmethod
    def _api_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not key or any(ch.isspace() for ch in key):
                raise ValueError(f"API key value {key!r} must be non-empty without whitespace")
        return value


class AwsTarget(_Strict):
    """The real SageMaker Runtime, reached with the standard AWS credential chain."""

    region: str | None = None


class EndpointTarget(_Strict):
    """Local only: what serves `endpoint_name` (exactly one of the three).

    `multi_model` makes `model_dir` a multi-model endpoint: each ``model_dir/NAME/`` is a model
    directory that ``TargetModel: NAME.tar.gz`` selects, loaded on first use, with at most
    `max_loaded_models` loaded at once (none: no bound).
    """

    model_dir: Path | None = None
    url: str | None = None
    aws: AwsTarget | None = None
    multi_model: bool = False
    max_loaded_models: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> EndpointTarget:
        chosen = [name for name in ("model_dir", "url", "aws") if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "give exactly one of model_dir, url or aws"
                + (f" (got {', '.join(chosen)})" if chosen else "")
            )
        if self.url is not None and not re.match(r"^https?://[^/\s]+", self.url):
            raise ValueError(f"url {self.url!r} must be an http:// or https:// URL")
        if self.multi_model and self.model_dir is None:
            raise ValueError("multi_model needs model_dir (a directory of model directories)")
        if self.max_loaded_models is not None and not self.multi_model:
            raise ValueError("max_loaded_models applies to multi_model endpoints only")
        return self


class Spec(_Strict):
    """A sagegate spec. Load one with `Spec.from_file` or take the default with `Spec.default`."""

    endpoint_name: str
    resource_path: str
    resource_name: str | None = None
    request_mapping_template: str
    response_mapping_template: str | None = None
    additional_request_templates: dict[str, str] = Field(default_factory=dict)
    create_usage_plan: bool = True
    required_parameters: list[str] = Field(default_factory=list)
    api: ApiSettings = Field(default_factory=ApiSettings)
    usage_plan: UsagePlanSpec | None = None
    endpoint: EndpointTarget | None = None

    @field_validator("endpoint_name")
    @classmethod
    def _endpoint_name(cls, value: str) -> str:
        if len(value) > ENDPOINT_NAME_MAX_LENGTH or not ENDPOINT_NAME_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not a SageMaker endpoint name: it must match "
                f"{ENDPOINT_NAME_PATTERN.pattern} and be at most {ENDPOINT_NAME_MAX_LENGTH} "
                "characters"
            )
        return value

    @field_validator("resource_path", "resource_name")
    @classmethod
    def _path_part(cls, value: str | None) -> str | None:
        if value is not None and not _PATH_PART.match(value):
            raise ValueError(
                f"{value!r} is not one API Gateway path part: use a literal like 'ratings', "
                "a parameter like '{user_id}' or a greedy '{proxy+}', without '/'"
            )
        return value

    @field_validator("request_mapping_template")
    @classmethod
    def _template(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the request mapping template is empty")
        return value

    @field_validator("additional_request_templates")
    @classmethod
    def _content_types(cls, value: dict[str, str]) -> dict[str, str]:
        for content_type in value:
            if not _CONTENT_TYPE.match(content_type):
                raise ValueError(
                    f"{content_type!r} is not a content type like 'text/plain' "
                    "(no parameters such as ';charset')"
                )
        return value

    @field_validator("required_parameters")
    @classmethod
    def _required(cls, value: list[str]) -> list[str]:
        for name in value:
            _parameter_key(name)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Spec:
        if self.api.api_key_required and not self.create_usage_plan:
            # For parity with the construct, which refuses the same props at synth.
            raise ValueError(
                "api.api_key_required needs create_usage_plan: true (an API key is only "
                "usable through a usage plan)"
            )
        if self.usage_plan is not None and not self.create_usage_plan:
            raise ValueError("usage_plan is given but create_usage_plan is false")
        parts = self.path_parts
        if any(part.endswith("+}") for part in parts[:-1]):
            raise ValueError("a greedy {proxy+} path part must be the last one")
        return self

    @property
    def path_parts(self) -> list[str]:
        """The resource path parts below the stage, e.g. ['predicted-ratings', '{user_id}']."""
        return [p for p in (self.resource_name, self.resource_path) if p is not None]

    @property
    def resource_template(self) -> str:
        """The resource path as API Gateway shows it, e.g. '/predicted-ratings/{user_id}'."""
        return "/" + "/".join(self.path_parts)

    @property
    def path_parameters(self) -> list[str]:
        """Names of the path parameters, e.g. ['user_id'] (greedy ones without '+')."""
        return [p.strip("{}").rstrip("+") for p in self.path_parts if p.startswith("{")]

    @property
    def required_request_parameters(self) -> dict[str, bool]:
        """`required_parameters` as API Gateway's method request parameters, all required."""
        return dict.fromkeys((_parameter_key(name) for name in self.required_parameters), True)

    @property
    def request_templates(self) -> dict[str, str]:
        """Every request template by content type, application/json first (as the construct)."""
        return {"application/json": self.request_mapping_template} | dict(
            self.additional_request_templates
        )

    @classmethod
    def default(cls) -> Spec:
        """The movie-ratings API of the AWS blog post, served by the local default model."""
        return cls(
            endpoint_name=DEFAULT_ENDPOINT_NAME,
            resource_name="predicted-ratings",
            resource_path="{user_id}",
            request_mapping_template=BLOG_REQUEST_TEMPLATE,
            response_mapping_template=BLOG_RESPONSE_TEMPLATE,
            required_parameters=["items"],
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, base_dir: Path | None = None) -> Spec:
        """Validate a spec given as a mapping; relative paths resolve against `base_dir`."""
        try:
            spec = cls.model_validate(dict(data))
        except ValidationError as exc:
            raise SpecError(_describe(exc)) from None
        return spec._resolved(base_dir) if base_dir is not None else spec

    @classmethod
    def from_file(cls, path: str | Path) -> Spec:
        """Load a YAML spec; a bad one raises `SpecError` naming the file, key and reason."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SpecError(f"{path}: cannot read the spec: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise SpecError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise SpecError(f"{path}: a spec is a YAML mapping of keys, not {type(data).__name__}")
        try:
            return cls.from_mapping(data, base_dir=path.resolve().parent)
        except SpecError as exc:
            raise SpecError(f"{path}: {exc}") from None

    def _resolved(self, base_dir: Path) -> Spec:
        endpoint = self.endpoint
        if endpoint is not None and endpoint.model_dir is not None:
            endpoint = endpoint.model_copy(update={"model_dir": base_dir / endpoint.model_dir})
        api = self.api
        if isinstance(api.policy, Path):
            api = api.model_copy(update={"policy": base_dir / api.policy})
        return self.model_copy(update={"endpoint": endpoint, "api": api})


def _parameter_key(name: str) -> str:
    """'items' -> 'method.request.querystring.items'; full names are checked and kept."""
    if name.startswith("method.request."):
        parts = name.split(".", 3)
        if len(parts) != 4 or parts[2] not in _PARAMETER_LOCATIONS or not parts[3]:
            raise ValueError(
                f"{name!r} must look like method.request.{{path|querystring|header}}.NAME"
            )
        return name
    if not name or "." in name:
        raise ValueError(
            f"{name!r} must be a query string parameter name, or a full "
            "method.request.{path|querystring|header}.NAME"
        )
    return f"method.request.querystring.{name}"


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            reason = "unknown key"
        elif error["type"] == "missing":
            reason = "required key is missing"
        else:
            reason = error["msg"].removeprefix("Value error, ")
        lines.append(f"{key}: {reason}")
    return "invalid spec: " + "; ".join(lines)
