"""Requests signed by real clients are accepted: botocore (header and presigned),
requests-aws4auth and curl --aws-sigv4, in-process and through a real server."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from requests_aws4auth import AWS4Auth

from sagegate.sigv4 import SigV4Error, SigV4Signer, SigV4Verifier, StaticIdentityStore
from sagegate.sigv4.parse import from_query
from tests.sigv4.sigv4_helpers import (
    ALICE,
    REGION,
    SERVICE,
    TEMP,
    botocore_presigned,
    botocore_signed,
    credentials,
    echo_app,
    received,
)

HOST = "https://abc123.execute-api.us-east-1.amazonaws.com"
URLS = [
    "/prod/predicted-ratings/321?items=101%2C131%2C162",
    "/prod/with%20space/and+plus",
    "/prod/caf%C3%A9/%E2%9C%93",
    "/prod/a%2Fb/c",
    "/prod/x?k=2&k=1&k=10",
    "/prod/x?empty=&bare&z=%2A",
    "/prod/./a/../b//c/",
    "/prod/x?q=a%20b&Q=upper&_=1",
    "/",
]


def verifier(**kwargs: Any) -> SigV4Verifier:
    return SigV4Verifier(
        StaticIdentityStore([ALICE, TEMP]), service=SERVICE, region=REGION, **kwargs
    )


@pytest.mark.parametrize("path", URLS)
def test_botocore_header_signature_is_accepted(path: str) -> None:
    assert verifier().verify(botocore_signed("GET", HOST + path)) == ALICE


@pytest.mark.parametrize("path", URLS)
def test_botocore_presigned_url_is_accepted(path: str) -> None:
    assert verifier().verify(botocore_presigned("GET", HOST + path)) == ALICE


def test_botocore_post_with_body_and_extra_signed_headers() -> None:
    request = botocore_signed(
        "POST",
        HOST + "/prod/items",
        headers={"Content-Type": "application/json", "X-Custom": "  a   b  "},
        body=b'{"in0": [1]}',
    )
    assert verifier().verify(request) == ALICE


def test_session_token_identity_is_accepted_with_its_token() -> None:
    assert verifier().verify(botocore_signed("GET", HOST + "/prod/x", identity=TEMP)) == TEMP
    assert verifier().verify(botocore_presigned("GET", HOST + "/prod/x", identity=TEMP)) == TEMP


def test_date_header_instead_of_x_amz_date() -> None:
    request = botocore_signed("GET", HOST + "/prod/x", headers={"Date": "placeholder"})
    names = {name.lower() for name, _ in request.headers}
    assert "date" in names and "x-amz-date" not in names
    assert verifier().verify(request) == ALICE


def test_declared_payload_hash_and_unsigned_payload() -> None:
    body = b"hello"
    digest = hashlib.sha256(body).hexdigest()
    signed = botocore_signed(
        "PUT", HOST + "/prod/x", headers={"X-Amz-Content-SHA256": digest}, body=body
    )
    assert verifier().verify(signed) == ALICE
    unsigned = botocore_signed(
        "PUT", HOST + "/prod/x", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, body=body
    )
    assert verifier().verify(unsigned) == ALICE


@pytest.mark.parametrize("path", URLS)
def test_our_signer_output_verifies(path: str) -> None:
    signer = SigV4Signer(ALICE, service=SERVICE, region=REGION)
    headers = {"Content-Type": "application/json"}
    added = signer.sign("POST", HOST + path, headers, b"{}")

    request = received(HOST + path, "POST", headers | added, b"{}")
    assert verifier().verify(request) == ALICE
    presigned = signer.presign("GET", HOST + path, expires=60)
    assert verifier().verify(received(presigned, "GET", {}, b"")) == ALICE


# Through a real server: the bytes on the wire are what the clients really send.


def test_botocore_requests_through_a_real_server(run_server: Callable[..., Any]) -> None:
    with run_server(echo_app(verifier())) as base:
        for path in URLS:
            request = AWSRequest(method="GET", url=base + path)
            SigV4Auth(credentials(ALICE), SERVICE, REGION).add_auth(request)
            prepared = request.prepare()
            answer = requests.get(prepared.url, headers=dict(prepared.headers), timeout=10)
            assert answer.status_code == 200, (path, answer.text)
            assert answer.json()["access_key"] == ALICE.access_key
            presign = AWSRequest(method="GET", url=base + path)
            SigV4QueryAuth(credentials(ALICE), SERVICE, REGION, expires=60).add_auth(presign)
            answer = requests.get(presign.prepare().url, timeout=10)
            assert answer.status_code == 200, (path, answer.text)


def test_requests_aws4auth_through_a_real_server(run_server: Callable[..., Any]) -> None:
    plain = AWS4Auth(ALICE.access_key, ALICE.secret_key, REGION, SERVICE)
    temp = AWS4Auth(
        TEMP.access_key, TEMP.secret_key, REGION, SERVICE, session_token=TEMP.session_token
    )
    with run_server(echo_app(verifier())) as base:
        cases: list[tuple[str, dict[str, Any]]] = [
            ("/prod/caf%C3%A9/a%20b", {"params": {"q": "a b", "k": ["2", "1"], "e": ""}}),
            ("/prod/items", {"params": {"items": "101,131,162"}}),
            ("/prod/x", {"json": {"in0": [1]}, "method": "POST"}),
        ]
        for path, options in cases:
            method = options.pop("method", "GET")
            answer = requests.request(method, base + path, auth=plain, timeout=10, **options)
            assert answer.status_code == 200, (path, answer.text)
        answer = requests.get(base + "/prod/x", auth=temp, timeout=10)
        assert answer.json() == {"access_key": TEMP.access_key, "arn": TEMP.arn}


CURL = shutil.which("curl")


def curl(url: str, *args: str, user: str = f"{ALICE.access_key}:{ALICE.secret_key}") -> Any:
    assert CURL is not None
    command = [CURL, "-sS", "--max-time", "10", "--aws-sigv4", f"aws:amz:{REGION}:{SERVICE}"]
    result = subprocess.run(
        [*command, "--user", user, *args, url],
        capture_output=True,
        timeout=20,
        check=True,
    )
    return json.loads(result.stdout)


# curl --aws-sigv4 before 8.3 signs the path and query as they are in the URL
# (lib/http_aws_sigv4.c at curl-7_88_1: `state.up.path`, `state.up.query`); 8.3 and later
# sort and re-encode the query but still encode a path's escapes once. On these URLs every
# version signs what AWS computes (the banner's URL is the first)...
CURL_CANONICAL = [
    "/prod/predicted-ratings/321?items=101%2C131%2C162",
    "/prod/x?a=1&b=2&k=1&k=2",
    "/prod/x",
    "/",
]
# ...on these, no version does: AWS encodes a path's escapes twice, and refuses them.
CURL_PATH_ESCAPES = ["/prod/with%20space", "/prod/caf%C3%A9/%E2%9C%93", "/prod/a%2Fb/c"]
# On these curl before 8.3 signs the query unsorted or not re-encoded.
CURL_QUERIES = ["/prod/x?k=2&k=1&k=10", "/prod/x?b=1&a=2", "/prod/x?items=101,131"]


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_aws_sigv4_through_a_real_server(run_server: Callable[..., Any]) -> None:
    with run_server(echo_app(verifier())) as base:
        for path in CURL_CANONICAL:
            assert curl(base + path)["access_key"] == ALICE.access_key, path
        assert curl(base + "/prod/x", "-d", '{"a": 1}')["access_key"] == ALICE.access_key
        token = f"x-amz-security-token: {TEMP.session_token}"
        answer = curl(base + "/prod/x", "-H", token, user=f"{TEMP.access_key}:{TEMP.secret_key}")
        assert answer["access_key"] == TEMP.access_key
        refused = curl(base + "/prod/x", user=f"{ALICE.access_key}:wrong-secret")
        assert refused["kind"] == "mismatch"
        # As on AWS, by default.
        for path in CURL_PATH_ESCAPES:
            assert curl(base + path)["kind"] == "mismatch", path


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_signatures_over_the_url_as_sent_pass_with_the_literal_option(
    run_server: Callable[..., Any],
) -> None:
    with run_server(echo_app(verifier(accept_literal_form=True))) as base:
        for path in [*CURL_CANONICAL, *CURL_PATH_ESCAPES, *CURL_QUERIES]:
            assert curl(base + path)["access_key"] == ALICE.access_key, path


def test_valid_requests_stay_valid_within_the_skew() -> None:
    start = time.time()
    request = botocore_signed("GET", HOST + "/prod/x")
    for offset in (-299, 0, 299):
        assert verifier(clock=lambda o=offset: start + o).verify(request) == ALICE
    with pytest.raises(SigV4Error):
        verifier(clock=lambda: start + 400).verify(request)


def test_presigned_parameter_names_and_values_are_read_decoded() -> None:
    """The X-Amz-* parameters are read after percent-decoding, names included."""
    raw = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X%2DAmz-Credential", "AKID%2F20240101%2Fus-east-1%2Fexecute-api%2Faws4_request"),
        ("X-Amz-Date", "20240101T000000Z"),
        ("X-Amz-Expires", "60"),
        ("X-Amz-SignedHeaders", "host%3Bx-amz-date"),
        ("X-Amz-Signature", "ab"),
        ("X-Amz-Signature", "cd"),
        ("items", "1%2C2"),
    ]
    params, signed = from_query("&".join(f"{name}={value}" for name, value in raw))
    assert params.credential == "AKID/20240101/us-east-1/execute-api/aws4_request"
    assert params.signed_headers == ("host", "x-amz-date")
    assert params.signature == "ab"  # the first occurrence counts
    assert params.expires == 60
    assert signed == [pair for pair in raw if pair[0] != "X-Amz-Signature"]
