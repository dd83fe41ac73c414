"""`$context`: the request's context variables, in API Gateway's key order and formats.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sagegate.gateway.vtl.facts import RequestFacts
from sagegate.gateway.vtl.values import ContextMap, java_hashmap_order

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_request_time(epoch_ms: int) -> str:
    """`$context.requestTime`: CLF-style `dd/MMM/yyyy:HH:mm:ss +0000`, English months, UTC."""
    return _format_second(epoch_ms // 1000)


@lru_cache(maxsize=64)
def _format_second(epoch_s: int) -> str:
    # Requests arrive many to a second: format each second once.
    t = time.gmtime(epoch_s)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


@lru_cache(maxsize=64)
def _layout(keys: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[Sequence[Any]], Any]]:
    """The HashMap order of `keys`, and a getter that puts values in that order."""
    ordered = java_hashmap_order(keys)
    return ordered, itemgetter(*[keys.index(key) for key in ordered])


def _hashmap(keys: tuple[str, ...], values: Sequence[Any]) -> ContextMap:
    # Filled in Java HashMap iteration order so Python iteration matches keySet().
    ordered, reorder = _layout(keys)
    return ContextMap(zip(ordered, reorder(values), strict=True))


# Insertion orders as recorded against AWS (they decide the order within a bucket).
_IDENTITY_KEYS = (
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "sourceIp",
    "principalOrgId",
    "accessKey",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "userAgent",
    "user",
)
_CONTEXT_KEYS = (
    "resourceId",
    "resourcePath",
    "httpMethod",
    "extendedRequestId",
    "requestTime",
    "path",
    "accountId",
    "protocol",
    "requestOverride",
    "stage",
    "domainPrefix",
    "requestTimeEpoch",
    "requestId",
    "identity",
    "domainName",
    "deploymentId",
    "responseOverride",
    "apiId",
)
_REQUEST_OVERRIDE_KEYS = ("path", "header", "querystring")


def _identity(facts: RequestFacts) -> ContextMap:
    identity = facts.identity
    keys: tuple[str, ...] = _IDENTITY_KEYS
    values = [
        identity.cognito_identity_pool_id,
        identity.account_id,
        identity.cognito_identity_id,
        identity.caller,
        facts.source_ip,
        identity.principal_org_id,
        identity.access_key,
        identity.cognito_authentication_type,
        identity.cognito_authentication_provider,
        identity.user_arn,
        facts.user_agent,
        identity.user,
    ]
    # API-key fields only exist when the method uses an API key.
    if identity.api_key is not None:
        keys += ("apiKey",)
        values.append(identity.api_key)
    if identity.api_key_id is not None:
        keys += ("apiKeyId",)
        values.append(identity.api_key_id)
    return _hashmap(keys, values)


def build_context_variables(facts: RequestFacts) -> ContextMap:
    """The `$context` map for one request (mutable: the overrides live in it).

    Build it once per request and pass it to both the request and the response template,
    so `$context.requestOverride`/`responseOverride` set by one are seen by the other.
    """
    request_override = _hashmap(_REQUEST_OVERRIDE_KEYS, (ContextMap(), ContextMap(), ContextMap()))
    # responseOverride starts with only `header`; `status` appears once a template sets it.
    response_override = ContextMap(header=ContextMap())
    keys: tuple[str, ...] = _CONTEXT_KEYS
    values = [
        facts.resource_id,
        facts.resource_path,
        facts.http_method,
        facts.extended_request_id,
        format_request_time(facts.request_time_epoch_ms),
        facts.path,
        facts.account_id,
        facts.protocol,
        request_override,
        facts.stage,
        facts.domain_prefix,
        facts.request_time_epoch_ms,
        facts.request_id,
        _identity(facts),
        facts.domain_name,
        facts.deployment_id,
        response_override,
        facts.api_id,
    ]
    if facts.is_canary_request is not None:
        keys += ("isCanaryRequest",)
        values.append(facts.is_canary_request)
    if facts.xray_trace_id is not None:
        keys += ("xrayTraceId",)
        values.append(facts.xray_trace_id)
    return _hashmap(keys, values)
