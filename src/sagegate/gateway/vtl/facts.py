"""The facts about one method request that the mapping templates can see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IdentityFacts:
    """The caller's identity, as `$context.identity.*` shows it (None renders as '').

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
    """

    caller: str | None = None
    user: str | None = None
    user_arn: str | None = None
    access_key: str | None = None
    account_id: str | None = None
    api_key: str | None = None
    api_key_id: str | None = None
    cognito_authentication_provider: str | None = None
    cognito_authentication_type: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None
    principal_org_id: str | None = None


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """One method request, built once per request by the gateway.

    `path` includes the stage (`/prod/predicted-ratings/321`), as `$context.path` does;
    `query` is multi-valued; `headers` are single-valued with their case as received
    (looked up case-insensitively, as API Gateway does).
    """

    http_method: str
    path: str
    resource_path: str
    stage: str
    resource_id: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    request_id: str = ""
    extended_request_id: str = ""
    request_time_epoch_ms: int = 0
    api_id: str = ""
    account_id: str = ""
    deployment_id: str = ""
    domain_name: str = ""
    domain_prefix: str = ""
    protocol: str = "HTTP/1.1"
    source_ip: str = "127.0.0.1"
    user_agent: str | None = None
    identity: IdentityFacts = field(default_factory=IdentityFacts)
    stage_variables: Mapping[str, str] | None = None
    # Only present in $context when the stage has canary settings, as on AWS.
    is_canary_request: bool | None = None
    # Only present in $context when tracing is on.
    xray_trace_id: str | None = None
