"""$context: key order, formats, optional keys."""

from __future__ import annotations

from sagegate.gateway.vtl import (
    IdentityFacts,
    MappingTemplate,
    RequestFacts,
    build_context_variables,
    format_request_time,
)
from sagegate.gateway.vtl.values import java_hashmap_order

# keySet() orders recorded against AWS (vector context/keyset_dump).
RECORDED_CONTEXT_ORDER = [
    "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
    "accountId", "protocol", "requestOverride", "stage", "domainPrefix", "requestTimeEpoch",
    "requestId", "identity", "domainName", "deploymentId", "responseOverride", "apiId",
]  # fmt: skip
RECORDED_IDENTITY_ORDER = [
    "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp",
    "principalOrgId", "accessKey", "cognitoAuthenticationType",
    "cognitoAuthenticationProvider", "userArn", "userAgent", "user",
]  # fmt: skip


def facts(**overrides: object) -> RequestFacts:
    values: dict[str, object] = {
        "http_method": "GET",
        "path": "/prod/x",
        "resource_path": "/x",
        "stage": "prod",
        "request_time_epoch_ms": 1_732_012_345_678,
        "user_agent": "ua",
        "identity": IdentityFacts(caller="AIDA", user="AIDA", access_key="AKIA"),
    }
    return RequestFacts(**(values | overrides))  # type: ignore[arg-type]


def test_request_time_format() -> None:
    assert format_request_time(1_732_012_345_678) == "19/Nov/2024:10:32:25 +0000"
    assert format_request_time(0) == "01/Jan/1970:00:00:00 +0000"


def test_keyset_order_matches_aws() -> None:
    out = (
        MappingTemplate(
            "#foreach($k in $context.keySet())$k,#end|"
            "#foreach($k in $context.identity.keySet())$k,#end"
        )
        .render(facts())
        .output
    )
    context_keys, identity_keys = out.split("|")
    assert context_keys.rstrip(",").split(",") == RECORDED_CONTEXT_ORDER
    assert identity_keys.rstrip(",").split(",") == RECORDED_IDENTITY_ORDER


def test_hashmap_order_is_java_bucket_order() -> None:
    # Sorted insertion differs only inside shared buckets: the bucket order is Java's.
    assert java_hashmap_order(tuple(RECORDED_CONTEXT_ORDER)) == tuple(RECORDED_CONTEXT_ORDER)
    assert java_hashmap_order(("bigger", "to", "with")) == ("with", "bigger", "to")


def test_values_and_optional_keys() -> None:
    context = build_context_variables(facts(is_canary_request=True))
    assert context["requestTime"] == "19/Nov/2024:10:32:25 +0000"
    assert context["requestTimeEpoch"] == 1_732_012_345_678
    assert context["isCanaryRequest"] is True
    assert "apiKey" not in context["identity"]
    assert list(context["responseOverride"]) == ["header"]
    keyed = build_context_variables(facts(identity=IdentityFacts(api_key="k", api_key_id="i")))
    assert keyed["identity"]["apiKey"] == "k"
    out = MappingTemplate(
        "$context.identity.caller $context.identity.accessKey $context.identity.userAgent "
        "[$context.identity.userArn] $context.httpMethod $context.stage $context.path"
    ).render(facts())
    assert out.output == "AIDA AKIA ua [] GET prod /prod/x"
