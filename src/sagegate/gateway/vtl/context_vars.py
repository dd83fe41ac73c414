"""`$context`: the request's context variables, in API Gateway's key order and formats.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
"""

from __future__ import annotations

import time
from typing import Any

from sagegate.gateway.vtl.facts import RequestFacts
from sagegate.gateway.vtl.values import ContextMap, java_hashmap_order

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_request_time(epoch_ms: int) -> str:
    """`$context.requestTime`: CLF-style `dd/MMM/yyyy:HH:mm:ss +0000`, English months, UTC."""
    t = time.gmtime(epoch_ms // 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def _hashmap(entries: list[tuple[str, Any]]) -> ContextMap:
    # Filled in Java HashMap iteration order so Python iteration matches keySet().
    values = dict(entries)
    return ContextMap((key, values[key]) for key in java_hashmap_order(tuple(values)))


def _identity(facts: RequestFacts) -> ContextMap:
    identity = facts.identity
    # Insertion order as recorded against AWS (it decides the order within a bucket).
    entries: list[tuple[str, Any]] = [
        ("cognitoIdentityPoolId", identity.cognito_identity_pool_id),
        ("accountId", identity.account_id),
        ("cognitoIdentityId", identity.cognito_identity_id),
        ("caller", identity.caller),
        ("sourceIp", facts.source_ip),
        ("principalOrgId", identity.principal_org_id),
        ("accessKey", identity.access_key),
        ("cognitoAuthenticationType", identity.cognito_authentication_type),
        ("cognitoAuthenticationProvider", identity.cognito_authentication_provider),
        ("userArn", identity.user_arn),
        ("userAgent", facts.user_agent),
        ("user", identity.user),
    ]
    # API-key fields only exist when the method uses an API key.
    if identity.api_key is not None:
        entries.append(("apiKey", identity.api_key))
    if identity.api_key_id is not None:
        entries.append(("apiKeyId", identity.api_key_id))
    return _hashmap(entries)


def build_context_variables(facts: RequestFacts) -> ContextMap:
    """The `$context` map for one request (mutable: the overrides live in it).

    Build it once per request and pass it to both the request and the response template,
    so `$context.requestOverride`/`responseOverride` set by one are seen by the other.
    """
    request_override = _hashmap(
        [("path", ContextMap()), ("header", ContextMap()), ("querystring", ContextMap())]
    )
    # responseOverride starts with only `header`; `status` appears once a template sets it.
    response_override = ContextMap(header=ContextMap())
    entries: list[tuple[str, Any]] = [
        ("resourceId", facts.resource_id),
        ("resourcePath", facts.resource_path),
        ("httpMethod", facts.http_method),
        ("extendedRequestId", facts.extended_request_id),
        ("requestTime", format_request_time(facts.request_time_epoch_ms)),
        ("path", facts.path),
        ("accountId", facts.account_id),
        ("protocol", facts.protocol),
        ("requestOverride", request_override),
        ("stage", facts.stage),
        ("domainPrefix", facts.domain_prefix),
        ("requestTimeEpoch", facts.request_time_epoch_ms),
        ("requestId", facts.request_id),
        ("identity", _identity(facts)),
        ("domainName", facts.domain_name),
        ("deploymentId", facts.deployment_id),
        ("responseOverride", response_override),
        ("apiId", facts.api_id),
    ]
    if facts.is_canary_request is not None:
        entries.append(("isCanaryRequest", facts.is_canary_request))
    if facts.xray_trace_id is not None:
        entries.append(("xrayTraceId", facts.xray_trace_id))
    return _hashmap(entries)
