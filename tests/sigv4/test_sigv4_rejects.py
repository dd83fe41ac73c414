"""The negative matrix: each tampered or invalid request is refused with AWS's kind and text."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode

from sagegate.sigv4 import (
    Identity,
    SignedRequest,
    SigV4Error,
    SigV4Signer,
    SigV4Verifier,
    StaticIdentityStore,
)
from sagegate.sigv4.errors import SIGNATURE_MISMATCH
from sagegate.sigv4.parse import from_query, parse_timestamp
from tests.sigv4.sigv4_helpers import (
    ALICE,
    HOSTNAME,
    REGION,
    SERVICE,
    TEMP,
    botocore_signed,
    credentials,
    received,
)

T0 = 1704067200.0  # 2024-01-01T00:00:00Z
URL = f"https://{HOSTNAME}/prod/predicted-ratings/321?items=101%2C131%2C162"


def verifier(clock: float = T0, **kwargs: Any) -> SigV4Verifier:
    return SigV4Verifier(
        StaticIdentityStore([ALICE, TEMP]),
        service=SERVICE,
        region=REGION,
        clock=lambda: clock,
        **kwargs,
    )


def signed(
    at: float = T0,
    *,
    identity: Identity = ALICE,
    region: str = REGION,
    service: str = SERVICE,
    method: str = "GET",
    url: str = URL,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> SignedRequest:
    signer = SigV4Signer(identity, service=service, region=region, clock=lambda: at)
    sent = dict(headers or {})
    return received(url, method, sent | signer.sign(method, url, sent, body), body)


def refusal(request: SignedRequest, **kwargs: Any) -> SigV4Error:
    with pytest.raises(SigV4Error) as caught:
        verifier(**kwargs).verify(request)
    return caught.value


def with_header(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    kept = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    if value is not None:
        kept.append((name, value))
    return dataclasses.replace(request, headers=kept)


def test_a_valid_request_passes_the_fixture() -> None:
    assert verifier().verify(signed()) == ALICE


def test_mismatch_message_has_aws_layout() -> None:
    request = SignedRequest(
        "GET",
        "/prod/x",
        "",
        [
            ("Host", "example.com"),
            ("X-Amz-Date", "20240101T000000Z"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 Credential={ALICE.access_key}/20240101/us-east-1/"
                "execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
            ),
        ],
        b"",
    )
    canonical = (
        "GET\n/prod/x\n\nhost:example.com\nx-amz-date:20240101T000000Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    to_sign = (
        "AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/execute-api/aws4_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    error = refusal(request)
    assert error.kind == "mismatch"
    assert error.error_type == "InvalidSignatureException"
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.\n\nThe Canonical String for this request should have "
        f"been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
    )


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda r: dataclasses.replace(r, method="POST"), id="method"),
        pytest.param(lambda r: dataclasses.replace(r, raw_path=r.raw_path + "9"), id="path"),
        pytest.param(lambda r: dataclasses.replace(r, query_string="items=101%2C131"), id="query"),
        pytest.param(lambda r: dataclasses.replace(r, query_string=""), id="query-dropped"),
        pytest.param(lambda r: with_header(r, "X-Custom", "other"), id="signed-header"),
        pytest.param(lambda r: with_header(r, "Host", "evil.example"), id="host"),
        pytest.param(lambda r: dataclasses.replace(r, body=b"tampered"), id="body"),
    ],
)
def test_tampering_is_a_mismatch(tamper: Any) -> None:
    request = signed(headers={"X-Custom": "value"}, method="GET")
    error = refusal(tamper(request))
    assert error.kind == "mismatch"
    assert error.message.startswith(SIGNATURE_MISMATCH + "\n\nThe Canonical String")


def test_body_tampered_under_a_declared_hash() -> None:
    body = b'{"a": 1}'
    headers = {"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    request = signed(method="POST", headers=headers, body=body)
    assert verifier().verify(request) == ALICE
    error = refusal(dataclasses.replace(request, body=b'{"a": 2}'))
    assert error.kind == "content_sha_mismatch"
    assert error.message == (
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    )


def test_expired_signature() -> None:
    error = refusal(signed(T0), clock=T0 + 600)
    assert error.kind == "expired"
    assert error.message == (
        "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z "
        "(20240101T001000Z - 5 min.)"
    )


def test_future_signature() -> None:
    error = refusal(signed(T0 + 1200), clock=T0 + 600)
    assert error.kind == "not_yet_valid"
    assert error.message == (
        "Signature not yet current: 20240101T002000Z is still later than 20240101T001500Z "
        "(20240101T001000Z + 5 min.)"
    )


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_signature_exactly_five_minutes_off_is_still_current(offset: int) -> None:
    # AWS refuses a date more than 5 minutes from its clock, either way: 300 s is within.
    assert verifier(T0).verify(signed(T0 + offset)) == ALICE


def test_one_second_past_the_skew_either_way_is_refused() -> None:
    late = refusal(signed(T0 + 301), clock=T0)
    assert (late.kind, late.message) == (
        "not_yet_valid",
        "Signature not yet current: 20240101T000501Z is still later than 20240101T000500Z "
        "(20240101T000000Z + 5 min.)",
    )
    early = refusal(signed(T0 - 301), clock=T0)
    assert (early.kind, early.message) == (
        "expired",
        "Signature expired: 20231231T235459Z is now earlier than 20231231T235500Z "
        "(20240101T000000Z - 5 min.)",
    )


@pytest.mark.parametrize("terminator", ["aws4_requests", "aws4_reques", "aws3_request"])
def test_a_scope_with_another_terminator(terminator: str) -> None:
    request = signed()
    headers = [
        (k, v.replace("/aws4_request,", f"/{terminator},") if k == "Authorization" else v)
        for k, v in request.headers
    ]
    error = refusal(dataclasses.replace(request, headers=headers))
    assert (error.kind, error.message) == (
        "bad_scope",
        "Credential should be scoped with a valid terminator: 'aws4_request', "
        f"not '{terminator}'. ",
    )


def test_every_fault_of_a_scope_is_reported_in_aws_order() -> None:
    request = signed(region="eu-west-1", service="sagemaker")
    headers = [
        (k, v.replace("/aws4_request,", "/x,") if k == "Authorization" else v)
        for k, v in request.headers
    ]
    request = with_header(
        dataclasses.replace(request, headers=headers), "X-Amz-Date", "20240102T000000Z"
    )
    error = refusal(request, clock=T0 + 86400)
    assert error.message == (
        "Credential should be scoped to a valid region, not 'eu-west-1'. "
        "Credential should be scoped to correct service: 'execute-api'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'x'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20240101' != '20240102', from '20240102T000000Z'. "
    )


@pytest.mark.parametrize("region", ["eu-west-1", "us-west-2"])  # sorting before and after
def test_wrong_region(region: str) -> None:
    error = refusal(signed(region=region))
    assert error.kind == "bad_scope"
    assert error.message == f"Credential should be scoped to a valid region, not '{region}'. "


@pytest.mark.parametrize("service", ["sagemaker", "apigateway"])  # after and before
def test_wrong_service(service: str) -> None:
    error = refusal(signed(service=service))
    assert (error.kind, error.message) == (
        "bad_scope",
        "Credential should be scoped to correct service: 'execute-api'. ",
    )


def test_wrong_region_and_service_are_reported_together() -> None:
    error = refusal(signed(region="eu-west-1", service="sagemaker"))
    assert error.message == (
        "Credential should be scoped to a valid region, not 'eu-west-1'. "
        "Credential should be scoped to correct service: 'execute-api'. "
    )


def test_scope_date_not_matching_x_amz_date() -> None:
    request = with_header(signed(T0), "X-Amz-Date", "20231231T235959Z")
    error = refusal(request)
    assert error.kind == "bad_scope"
    assert error.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20240101' != '20231231', from '20231231T235959Z'. "
    )


def test_unknown_access_key() -> None:
    stranger = Identity("AKIASTRANGER00000001", "x" * 40)
    error = refusal(signed(identity=stranger))
    assert (error.kind, error.message) == (
        "unknown_key",
        "The security token included in the request is invalid.",
    )
    assert error.error_type == "UnrecognizedClientException"


def test_host_not_signed() -> None:
    request = signed()
    headers = [
        (k, v.replace("SignedHeaders=host;", "SignedHeaders=") if k == "Authorization" else v)
        for k, v in request.headers
    ]
    error = refusal(dataclasses.replace(request, headers=headers))
    assert (error.kind, error.message) == (
        "mismatch",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )


def test_missing_authentication() -> None:
    request = SignedRequest("GET", "/prod/x", "a=1", [("Host", HOSTNAME)], b"")
    error = refusal(request)
    assert (error.kind, error.message) == ("missing", "Missing Authentication Token")
    assert error.error_type == "MissingAuthenticationTokenException"


def test_bearer_token_is_not_a_key_value_pair() -> None:
    request = SignedRequest(
        "GET", "/", "", [("Host", HOSTNAME), ("Authorization", "Bearer abc.def")], b""
    )
    error = refusal(request)
    assert (error.kind, error.message) == (
        "incomplete",
        "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer abc.def'.",
    )


def test_bare_token_lists_every_missing_part() -> None:
    request = SignedRequest("GET", "/", "", [("Authorization", "eyJhbGciOi")], b"")
    error = refusal(request)
    assert error.kind == "incomplete"
    assert error.message == (
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=eyJhbGciOi"
    )


def test_malformed_credential_and_date() -> None:
    request = signed()
    bad_credential = [
        (k, v.replace("/us-east-1/", "/") if k == "Authorization" else v)
        for k, v in request.headers
    ]
    error = refusal(dataclasses.replace(request, headers=bad_credential))
    assert error.kind == "incomplete"
    assert error.message.startswith("Credential must have exactly 5 slash-delimited elements")
    error = refusal(with_header(request, "X-Amz-Date", "yesterday"))
    assert error.message.startswith("Date must be in ISO-8601 'basic format'. Got 'yesterday'.")


def test_presigned_url_past_its_expiry() -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION, clock=lambda: T0)
    url = signer.presign("GET", URL, expires=60)
    request = received(url, "GET", {}, b"")
    assert verifier(T0 + 59).verify(request) == ALICE
    error = refusal(request, clock=T0 + 61)
    assert error.kind == "expired"
    assert error.message == (
        "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
        "(20240101T000101Z - 1 min.)"
    )
    long_lived = received(signer.presign("GET", URL, expires=3600), "GET", {}, b"")
    assert verifier(T0 + 1800).verify(long_lived) == ALICE


def test_presigned_url_tampered_or_incomplete() -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION, clock=lambda: T0)
    request = received(signer.presign("GET", URL, expires=60), "GET", {}, b"")
    longer = request.query_string.replace("X-Amz-Expires=60", "X-Amz-Expires=600")
    assert refusal(dataclasses.replace(request, query_string=longer)).kind == "mismatch"
    no_signature = "&".join(
        p for p in request.query_string.split("&") if not p.startswith("X-Amz-Signature")
    )
    error = refusal(dataclasses.replace(request, query_string=no_signature))
    assert (error.kind, error.message) == (
        "incomplete",
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "Re-examine the query-string parameters.",
    )


def test_header_and_query_forms_together_are_refused() -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION, clock=lambda: T0)
    presigned = received(signer.presign("GET", URL), "GET", {}, b"")
    both = with_header(presigned, "Authorization", "AWS4-HMAC-SHA256 Credential=x")
    assert refusal(both).kind == "mismatch"


@pytest.mark.parametrize(
    ("identity", "sent_token"),
    [
        pytest.param(TEMP, "wrong-token", id="wrong"),
        pytest.param(TEMP, None, id="missing"),
        pytest.param(ALICE, "unexpected-token", id="unexpected"),
    ],
)
def test_session_token_must_match(identity: Identity, sent_token: str | None) -> None:
    request = with_header(signed(identity=identity), "X-Amz-Security-Token", sent_token)
    error = refusal(request)
    assert (error.kind, error.message) == (
        "bad_token",
        "The security token included in the request is invalid.",
    )


def test_wrong_session_token_from_botocore() -> None:
    forged = dataclasses.replace(TEMP, session_token="forged")
    error = refusal(botocore_signed("GET", URL, identity=forged), clock=time.time())
    assert error.kind == "bad_token"


def test_signatures_are_compared_in_constant_time() -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    request = signed()
    assert verifier(compare_digest=spy).verify(request) == ALICE
    given = dict(request.headers)["Authorization"].rsplit("=", 1)[1]
    assert calls == [(given.encode(), given.encode())]
    default = SigV4Verifier(StaticIdentityStore([]), service=SERVICE, region=REGION)
    assert default._compare is hmac.compare_digest


def test_signing_key_is_derived_once_for_many_requests() -> None:
    check = verifier()
    for i in range(50):
        assert check.verify(signed(T0 + i % 60)) == ALICE
    assert check.key_cache.derivations == 1
    check.verify(signed(identity=TEMP, headers={"X-Amz-Security-Token": "tok-123"}))
    assert check.key_cache.derivations == 2


def literal_signed(raw_path: str, raw_query: str, at: float = T0) -> SignedRequest:
    """A GET signed over its path and query exactly as sent (what curl 7.x signs: the URL's
    `state.up.path` and `state.up.query`, lib/http_aws_sigv4.c at curl-7_88_1)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(at))
    scope = f"{stamp[:8]}/{REGION}/{SERVICE}/aws4_request"
    canonical = (
        f"GET\n{raw_path}\n{raw_query}\nhost:{HOSTNAME}\nx-amz-date:{stamp}\n\n"
        f"host;x-amz-date\n{hashlib.sha256(b'').hexdigest()}"
    )
    to_sign = (
        f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = f"AWS4{ALICE.secret_key}".encode()
    for part in (stamp[:8], REGION, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={ALICE.access_key}/{scope}, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )
    headers = [("Host", HOSTNAME), ("X-Amz-Date", stamp), ("Authorization", authorization)]
    return SignedRequest("GET", raw_path, raw_query, headers, b"")


# Requests whose literal form differs from the canonical one AWS computes, and the canonical
# path and query (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
# "Create a canonical request"). `botocore` marks the cases botocore's SigV4Auth computes the
# same canonical form for from the same URL (the others' URLs are not botocore's to send).
LITERAL_ONLY = [
    # "Each path segment must be URI-encoded twice (except for Amazon S3...)".
    pytest.param("/prod/with%20space", "", "/prod/with%2520space", "", True, id="path-escape"),
    pytest.param("/prod/caf%C3%A9", "", "/prod/caf%25C3%25A9", "", True, id="path-utf8"),
    # "Normalize URI paths according to RFC 3986. Remove redundant and relative path
    # components."
    pytest.param("/prod/./a/../b//c", "", "/prod/b/c", "", True, id="path-dots"),
    # "Sort the parameter names by character code point in ascending order. Parameters with
    # duplicate names should be sorted by value."
    pytest.param("/prod/x", "b=1&a=2", "/prod/x", "a=2&b=1", True, id="query-order"),
    pytest.param("/prod/x", "k=2&k=1", "/prod/x", "k=1&k=2", True, id="query-repeated"),
    # "If a parameter has no value, use an empty string" after its '='.
    pytest.param("/prod/x", "bare", "/prod/x", "bare=", True, id="query-bare-name"),
    # "URI-encode each parameter name and value ... Percent-encode all other characters with
    # %XY, where X and Y are hexadecimal characters (0-9 and uppercase A-F)". botocore's
    # percent_encode (which builds its query strings) encodes the same way, see the test below;
    # API Gateway refusing a signature over raw commas: okigan/awscurl#138.
    pytest.param("/prod/x", "items=101,131", "/prod/x", "items=101%2C131", False, id="comma"),
    pytest.param("/prod/x", "z=%2a", "/prod/x", "z=%2A", False, id="lowercase-hex"),
    pytest.param("/prod/x", "z=*", "/prod/x", "z=%2A", False, id="reserved"),
]


@pytest.mark.parametrize(
    ("path", "query", "canonical_path", "canonical_query", "botocore"), LITERAL_ONLY
)
def test_a_signature_over_the_path_and_query_as_sent_is_refused(
    path: str, query: str, canonical_path: str, canonical_query: str, botocore: bool
) -> None:
    request = literal_signed(path, query)
    # The signature is good for the literal form, which the explicit option accepts...
    assert verifier(accept_literal_form=True).verify(request) == ALICE
    # ...and AWS, computing the canonical form, refuses it, saying what it expected.
    error = refusal(request)
    assert error.kind == "mismatch"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(T0))
    expected = (
        f"GET\n{canonical_path}\n{canonical_query}\nhost:{HOSTNAME}\nx-amz-date:{stamp}\n\n"
        f"host;x-amz-date\n{hashlib.sha256(b'').hexdigest()}"
    )
    assert f"The Canonical String for this request should have been\n'{expected}'" in error.message
    if botocore:
        sent = AWSRequest(
            method="GET",
            url=f"https://{HOSTNAME}{path}" + (f"?{query}" if query else ""),
            headers={"Host": HOSTNAME, "X-Amz-Date": stamp},
        )
        auth = SigV4Auth(credentials(ALICE), SERVICE, REGION)
        assert auth.canonical_request(sent) == expected


def test_botocore_percent_encodes_query_values_as_aws_expects() -> None:
    # The evidence for the last LITERAL_ONLY cases: botocore builds query strings with
    # percent_encode, which leaves only A-Za-z0-9-_.~ bare.
    assert percent_encode("101,131") == "101%2C131"
    assert percent_encode("*") == "%2A"


def test_a_presigned_url_may_live_a_week_and_no_longer() -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION, clock=lambda: T0)
    week = received(signer.presign("GET", URL, expires=604800), "GET", {}, b"")
    assert verifier(T0 + 604800).verify(week) == ALICE
    longer = week.query_string.replace("X-Amz-Expires=604800", "X-Amz-Expires=604801")
    error = refusal(dataclasses.replace(week, query_string=longer))
    assert (error.kind, error.message) == (
        "incomplete",
        "X-Amz-Expires must be less than a week (in seconds) that is 604800",
    )


@pytest.mark.parametrize(
    "stamp",
    [
        "20241301T000000Z",
        "20240001T000000Z",
        "20240132T000000Z",
        "20240100T000000Z",
        "20240101T240000Z",
        "20240101T006000Z",
        "20240101T000000",
        "2024-01-01T00:00:00Z",
    ],
)
def test_an_impossible_x_amz_date_is_refused(stamp: str) -> None:
    error = refusal(with_header(signed(), "X-Amz-Date", stamp))
    assert (error.kind, error.message) == (
        "incomplete",
        f"Date must be in ISO-8601 'basic format'. Got '{stamp}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )


@pytest.mark.parametrize(
    ("text", "epoch", "stamp"),
    [
        ("20241231T235959Z", 1735689599.0, "20241231T235959Z"),
        ("20240229T120000Z", 1709208000.0, "20240229T120000Z"),
        ("Mon, 01 Jan 2024 00:00:00 GMT", T0, "20240101T000000Z"),
        ("Mon, 01 Jan 2024 01:00:00 +0100", T0, "20240101T000000Z"),
    ],
)
def test_request_dates_in_either_form(text: str, epoch: float, stamp: str) -> None:
    # X-Amz-Date in ISO-8601 basic form, or an RFC 1123 Date header (its zone applied).
    assert parse_timestamp(text) == (epoch, stamp)


@pytest.mark.parametrize("declared", ["0" * 64, "f" * 64])  # sorting before and after
def test_a_declared_payload_hash_that_is_wrong_is_refused(declared: str) -> None:
    request = signed(method="POST", headers={"X-Amz-Content-Sha256": declared}, body=b"{}")
    error = refusal(request)
    assert (error.kind, error.message) == (
        "content_sha_mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )


@pytest.mark.parametrize("algorithm", ["AWS4-ECDSA-P256-SHA256", "AWS4-HMAC-SHA512"])
def test_another_algorithm_is_refused(algorithm: str) -> None:
    request = signed()
    headers = [
        (k, v.replace("AWS4-HMAC-SHA256", algorithm) if k == "Authorization" else v)
        for k, v in request.headers
    ]
    error = refusal(dataclasses.replace(request, headers=headers))
    assert (error.kind, error.message) == (
        "incomplete",
        f"Unsupported AWS 'algorithm': '{algorithm}'.",
    )


def test_a_repeated_token_or_payload_hash_header_is_its_values_joined() -> None:
    # RFC 9110: repeated fields are one comma-separated value, which no token or hash is.
    request = signed(identity=TEMP)
    repeated = dataclasses.replace(
        request, headers=[*request.headers, ("X-Amz-Security-Token", "tok-123")]
    )
    assert refusal(repeated).kind == "bad_token"
    body = b"{}"
    request = signed(method="POST", body=body)
    digest = hashlib.sha256(body).hexdigest()
    repeated = dataclasses.replace(
        request,
        headers=[
            *request.headers,
            ("X-Amz-Content-Sha256", digest),
            ("X-Amz-Content-Sha256", digest),
        ],
    )
    assert refusal(repeated).kind == "content_sha_mismatch"


def test_a_credential_of_six_parts_is_incomplete() -> None:
    request = signed()
    headers = [
        (k, v.replace("/aws4_request,", "/aws4_request/x,") if k == "Authorization" else v)
        for k, v in request.headers
    ]
    error = refusal(dataclasses.replace(request, headers=headers))
    assert error.kind == "incomplete"
    assert error.message.startswith(
        "Credential must have exactly 5 slash-delimited elements, "
        "e.g. keyid/date/region/service/term, got 'AKIAALICE00000000001/20240101/"
    )


def test_presigned_parameters_say_so() -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION, clock=lambda: T0)
    request = received(signer.presign("GET", URL, expires=60), "GET", {}, b"")
    params, _ = from_query(request.query_string)
    assert (params.presigned, params.expires) == (True, 60)
