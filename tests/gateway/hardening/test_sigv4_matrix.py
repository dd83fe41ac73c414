"""The SigV4 negative matrix over a real server, and the valid forms real clients send.

Each refusal is checked for AWS's status, `x-amzn-ErrorType` and message. The server's clock
is injected (GatewaySettings.clock), so a presigned URL is replayed past its expiry without
waiting.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from sagegate.gateway.app import GatewaySettings
from sagegate.sigv4 import Identity, SigV4Signer, StaticIdentityStore
from sagegate.spec import Spec
from tests.gateway.factories import spec_gateway
from tests.gateway.hardening.support import (
    ALICE,
    REGION,
    TEMP,
    assert_aws_error,
    botocore_headers,
    echo_spec_data,
)
from tests.servers import serve_in_thread

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
PATH = "/v1/echo/hello"


class ServerClock:
    """Real time plus an offset the test can move."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def clock() -> ServerClock:
    return ServerClock()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, clock: ServerClock) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sigv4")
    spec = Spec.from_mapping(echo_spec_data(root, api={"authorization_type": "AWS_IAM"}))
    gateway = spec_gateway(
        spec,
        GatewaySettings(region=REGION, identities=StaticIdentityStore([ALICE, TEMP]), clock=clock),
    )
    with serve_in_thread(gateway) as base:
        yield base


@pytest.fixture(autouse=True)
def _reset_clock(clock: ServerClock) -> None:
    clock.offset = 0.0


def _send(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Any:
    return requests.request(method, target, headers=headers, data=body or None, timeout=30)


def _mismatch(response: requests.Response) -> None:
    body = assert_aws_error(response, 403, "InvalidSignatureException")
    assert body["message"].startswith(MISMATCH + "\n\nThe Canonical String for this request")
    assert "The String-to-Sign should have been" in body["message"]


# --- tampering: signed for one request, sent as another --------------------------------


def test_tampered_method(url: str) -> None:
    headers = botocore_headers("PUT", f"{url}{PATH}", ALICE)
    _mismatch(_send("GET", f"{url}{PATH}", headers))


def test_tampered_path(url: str) -> None:
    headers = botocore_headers("GET", f"{url}/v1/echo/other", ALICE)
    _mismatch(_send("GET", f"{url}{PATH}", headers))


def test_tampered_query(url: str) -> None:
    headers = botocore_headers("GET", f"{url}{PATH}?sleep=0", ALICE)
    _mismatch(_send("GET", f"{url}{PATH}?sleep=0.1", headers))


def test_added_query_parameter(url: str) -> None:
    headers = botocore_headers("GET", f"{url}{PATH}", ALICE)
    _mismatch(_send("GET", f"{url}{PATH}?extra=1", headers))


def test_tampered_signed_header(url: str) -> None:
    headers = botocore_headers("GET", f"{url}{PATH}", ALICE, headers={"X-Tenant": "a"})
    headers["X-Tenant"] = "b"
    _mismatch(_send("GET", f"{url}{PATH}", headers))


def test_tampered_body(url: str) -> None:
    headers = botocore_headers("GET", f"{url}{PATH}", ALICE, body=b'{"n": 1}')
    _mismatch(_send("GET", f"{url}{PATH}", headers, b'{"n": 2}'))


def test_wrong_secret_key(url: str) -> None:
    impostor = replace(ALICE, secret_key="not/alice/secret/0123456789abcdefghijklmn")
    _mismatch(_send("GET", f"{url}{PATH}", botocore_headers("GET", f"{url}{PATH}", impostor)))


# --- time, scope and identity ----------------------------------------------------------


def _at(offset: float, url: str, identity: Identity = ALICE) -> dict[str, str]:
    signer = SigV4Signer(
        identity, service="execute-api", region=REGION, clock=lambda: time.time() + offset
    )
    return signer.sign("GET", f"{url}{PATH}", {}, b"")


def test_expired_signature(url: str) -> None:
    body = assert_aws_error(
        _send("GET", f"{url}{PATH}", _at(-360, url)), 403, "InvalidSignatureException"
    )
    assert body["message"].startswith("Signature expired: ")
    assert body["message"].endswith(" - 5 min.)")


def test_signature_from_the_future(url: str) -> None:
    body = assert_aws_error(
        _send("GET", f"{url}{PATH}", _at(+360, url)), 403, "InvalidSignatureException"
    )
    assert body["message"].startswith("Signature not yet current: ")
    assert body["message"].endswith(" + 5 min.)")


def test_within_the_skew_is_accepted(url: str) -> None:
    assert _send("GET", f"{url}{PATH}", _at(-240, url)).status_code == 200
    assert _send("GET", f"{url}{PATH}", _at(+240, url)).status_code == 200


def _scoped(url: str, *, service: str = "execute-api", region: str = REGION) -> dict[str, str]:
    return botocore_headers("GET", f"{url}{PATH}", ALICE, service=service, region=region)


def test_wrong_region(url: str) -> None:
    body = assert_aws_error(
        _send("GET", f"{url}{PATH}", _scoped(url, region="eu-west-1")),
        403,
        "InvalidSignatureException",
    )
    assert body["message"] == "Credential should be scoped to a valid region, not 'eu-west-1'. "


def test_wrong_service(url: str) -> None:
    body = assert_aws_error(
        _send("GET", f"{url}{PATH}", _scoped(url, service="sagemaker")),
        403,
        "InvalidSignatureException",
    )
    assert body["message"] == "Credential should be scoped to correct service: 'execute-api'. "


def test_unknown_key(url: str) -> None:
    stranger = Identity("AKIASTRANGER00000001", "stranger/secret/0123456789abcdefghijklmn")
    response = _send("GET", f"{url}{PATH}", botocore_headers("GET", f"{url}{PATH}", stranger))
    assert_aws_error(
        response,
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


class _HostlessAuth(SigV4Auth):  # type: ignore[misc]
    """botocore's signer, minus Host in the signed headers (a broken client)."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


def test_unsigned_host(url: str) -> None:
    request = AWSRequest(method="GET", url=f"{url}{PATH}")
    _HostlessAuth(Credentials(ALICE.access_key, ALICE.secret_key), "execute-api", REGION).add_auth(
        request
    )
    assert "host" not in request.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    body = assert_aws_error(
        _send("GET", f"{url}{PATH}", dict(request.headers.items())),
        403,
        "InvalidSignatureException",
    )
    assert body["message"] == (
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )


def test_malformed_authorization_header(url: str) -> None:
    response = _send(
        "GET", f"{url}{PATH}", {"Authorization": "AWS4-HMAC-SHA256 Credential=x", "X-Amz-Date": "x"}
    )
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] in (
        "IncompleteSignatureException",
        "InvalidSignatureException",
    )
    assert response.json()["message"]


def test_missing_signature_is_missing_authentication_token(url: str) -> None:
    assert_aws_error(
        _send("GET", f"{url}{PATH}", {}),
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )


# --- presigned URLs ----------------------------------------------------------------------


def _botocore_presigned(url: str, identity: Identity, expires: int) -> str:
    request = AWSRequest(method="GET", url=url)
    credentials = Credentials(identity.access_key, identity.secret_key, identity.session_token)
    SigV4QueryAuth(credentials, "execute-api", REGION, expires=expires).add_auth(request)
    presigned: str = request.url
    return presigned


@pytest.mark.parametrize("identity", [ALICE, TEMP], ids=["long-term", "session"])
def test_botocore_presigned_url_is_accepted(url: str, identity: Identity) -> None:
    response = requests.get(_botocore_presigned(f"{url}{PATH}", identity, 60), timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"said": "hello"}


def test_presigned_url_replayed_past_its_expiry(url: str, clock: ServerClock) -> None:
    presigned = _botocore_presigned(f"{url}{PATH}?sleep=0", ALICE, 60)
    assert requests.get(presigned, timeout=30).status_code == 200
    assert requests.get(presigned, timeout=30).status_code == 200  # replay within its life
    clock.offset = 61.0
    body = assert_aws_error(requests.get(presigned, timeout=30), 403, "InvalidSignatureException")
    assert body["message"].startswith("Signature expired: ")
    assert body["message"].endswith(" - 1 min.)")


def test_presigned_url_with_tampered_query(url: str) -> None:
    presigned = _botocore_presigned(f"{url}{PATH}?sleep=0", ALICE, 60)
    _mismatch(requests.get(presigned.replace("sleep=0", "sleep=1"), timeout=30))


def test_presigned_url_with_a_stripped_token(url: str) -> None:
    presigned = _botocore_presigned(f"{url}{PATH}", TEMP, 60)
    parts = [p for p in presigned.split("&") if not p.startswith("X-Amz-Security-Token=")]
    response = requests.get("&".join(parts), timeout=30)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] in (
        "UnrecognizedClientException",
        "InvalidSignatureException",
    )


# --- the valid forms real clients send ---------------------------------------------------


def test_botocore_signed_headers_are_accepted(url: str) -> None:
    for identity in (ALICE, TEMP):
        response = _send("GET", f"{url}{PATH}", botocore_headers("GET", f"{url}{PATH}", identity))
        assert response.status_code == 200, response.text


def test_requests_aws4auth_is_accepted(url: str) -> None:
    auth = AWS4Auth(ALICE.access_key, ALICE.secret_key, REGION, "execute-api")
    response = requests.get(f"{url}{PATH}", params={"sleep": "0"}, auth=auth, timeout=30)
    assert response.status_code == 200, response.text
    session = AWS4Auth(
        TEMP.access_key, TEMP.secret_key, REGION, "execute-api", session_token=TEMP.session_token
    )
    assert requests.get(f"{url}{PATH}", auth=session, timeout=30).status_code == 200


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_aws_sigv4_is_accepted(url: str, tmp_path: Path) -> None:
    def curl(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "curl",
                "-sS",
                "--max-time",
                "30",
                "--aws-sigv4",
                f"aws:amz:{REGION}:execute-api",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    plain = curl("--user", f"{ALICE.access_key}:{ALICE.secret_key}", f"{url}{PATH}?sleep=0")
    assert plain.stdout.strip() == '{"said": "hello"}'
    session = curl(
        "--user",
        f"{TEMP.access_key}:{TEMP.secret_key}",
        "-H",
        f"x-amz-security-token: {TEMP.session_token}",
        f"{url}{PATH}",
    )
    assert session.stdout.strip() == '{"said": "hello"}'
    wrong = curl("--user", f"{ALICE.access_key}:wrong-secret", f"{url}{PATH}")
    assert MISMATCH in wrong.stdout
