"""IAM in depth over a real server: session tokens, the payload hash, and resource policies."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import build_gateway
from sagegate.iam_policy import mask_account
from sagegate.sigv4 import Identity, StaticIdentityStore
from sagegate.spec import SpecError
from tests.gateway.hardening.support import (
    ALICE,
    BOB,
    REGION,
    TEMP,
    assert_aws_error,
    botocore_headers,
    echo_spec,
    signed_get,
)
from tests.servers import serve_in_thread

INVALID_TOKEN = "The security token included in the request is invalid."
ACCOUNT = "000000000000"


def _policy(api_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EveryoneInTheAccountMayCallEcho",
                "Effect": "Allow",
                "Principal": {"AWS": "111122223333"},
                "Action": "execute-api:Invoke",
                "Resource": f"{api_arn}/v1/GET/echo/*",
            },
            {
                "Sid": "ButNobodyMayReadTheSecret",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:*",
                "Resource": f"{api_arn}/*/GET/echo/secret*",
            },
            {
                "Sid": "BobIsAlsoDeniedPrivate",
                "Effect": "Deny",
                "Principal": {"AWS": BOB.arn},
                "Action": "execute-api:Invoke",
                "Resource": f"{api_arn}/v1/GET/echo/priv?te",
            },
        ],
    }


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Gateway]]:
    """An AWS_IAM echo API with three identities and a resource policy."""
    root = tmp_path_factory.mktemp("iam")
    spec = echo_spec(root, api={"authorization_type": "AWS_IAM"})
    probe = build_gateway(spec, identities=StaticIdentityStore([ALICE]), access_log=None)
    api_arn = f"arn:aws:execute-api:{REGION}:*:{probe.api_id}"
    gateway = build_gateway(
        spec,
        identities=StaticIdentityStore([ALICE, BOB, TEMP]),
        access_log=None,
        region=REGION,
        policy=_policy(api_arn),
    )
    with serve_in_thread(gateway) as url:
        yield url, gateway


def _resource(gateway: Gateway, word: str) -> str:
    arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{gateway.api_id}/v1/GET/echo/{word}"
    return mask_account(arn)


def test_session_token_identity_is_accepted_with_its_token(api: tuple[str, Gateway]) -> None:
    url, _ = api
    response = signed_get(f"{url}/v1/echo/hello", TEMP)
    assert response.status_code == 200, response.text
    assert response.json() == {"said": "hello"}


@pytest.mark.parametrize("token", [None, "not-the-token", f"{TEMP.session_token}x"])
def test_session_token_missing_or_wrong_is_rejected(
    api: tuple[str, Gateway], token: str | None
) -> None:
    url, _ = api
    # Signed correctly with the temporary key, but with no token or with a wrong one.
    response = signed_get(f"{url}/v1/echo/hello", replace(TEMP, session_token=token))
    assert_aws_error(response, 403, "UnrecognizedClientException", INVALID_TOKEN)


def test_a_token_on_a_long_term_key_is_rejected(api: tuple[str, Gateway]) -> None:
    url, _ = api
    response = signed_get(f"{url}/v1/echo/hello", replace(ALICE, session_token="stray"))
    assert_aws_error(response, 403, "UnrecognizedClientException", INVALID_TOKEN)


def test_content_sha256_matching_the_body_is_accepted(api: tuple[str, Gateway]) -> None:
    url, _ = api
    body = b'{"note": "a GET with a body"}'
    digest = hashlib.sha256(body).hexdigest()
    response = signed_get(
        f"{url}/v1/echo/hello", ALICE, headers={"x-amz-content-sha256": digest}, body=body
    )
    assert response.status_code == 200, response.text


def test_content_sha256_not_matching_the_body_is_rejected(api: tuple[str, Gateway]) -> None:
    url, _ = api
    target = f"{url}/v1/echo/hello"
    signed_body = b'{"amount": 1}'
    headers = botocore_headers(
        "GET",
        target,
        ALICE,
        headers={"x-amz-content-sha256": hashlib.sha256(signed_body).hexdigest()},
        body=signed_body,
    )
    response = requests.get(target, headers=headers, data=b'{"amount": 1000}', timeout=30)
    body = assert_aws_error(response, 403, "InvalidSignatureException")
    assert body["message"] == (
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    )


def test_unsigned_payload_declared_is_accepted(api: tuple[str, Gateway]) -> None:
    url, _ = api
    response = signed_get(
        f"{url}/v1/echo/hello",
        ALICE,
        headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
        body=b"anything",
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("identity", [ALICE, BOB, TEMP], ids=["alice", "bob", "temp"])
def test_policy_allows_the_account_on_the_wildcard_resource(
    api: tuple[str, Gateway], identity: Identity
) -> None:
    url, _ = api
    assert signed_get(f"{url}/v1/echo/open", identity).status_code == 200


def test_explicit_deny_wins_over_the_allow(api: tuple[str, Gateway]) -> None:
    url, gateway = api
    response = signed_get(f"{url}/v1/echo/secret", ALICE)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response.json() == {
        "Message": f"User: {ALICE.arn} is not authorized to perform: execute-api:Invoke "
        f"on resource: {_resource(gateway, 'secret')} with an explicit deny"
    }


def test_deny_for_one_principal_with_a_question_mark_wildcard(api: tuple[str, Gateway]) -> None:
    url, _ = api
    assert signed_get(f"{url}/v1/echo/private", ALICE).status_code == 200
    denied = signed_get(f"{url}/v1/echo/private", BOB)
    assert denied.status_code == 403
    assert denied.json()["Message"].startswith(f"User: {BOB.arn} is not authorized")
    # '?' is one character: 'priv??te' would not match, so a longer word is allowed.
    assert signed_get(f"{url}/v1/echo/privaate", BOB).status_code == 200


def test_default_deny_outside_the_allowed_resources(tmp_path: Path) -> None:
    spec = echo_spec(tmp_path, api={"authorization_type": "AWS_IAM"})
    gateway = build_gateway(
        spec,
        identities=StaticIdentityStore([ALICE]),
        access_log=None,
        region=REGION,
        # Allows another stage only: this one is denied by default.
        policy={
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:*:*:*/prod/*",
            },
        },
    )
    with serve_in_thread(gateway) as url:
        response = signed_get(f"{url}/v1/echo/hello", ALICE)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    message = response.json()["Message"]
    assert message == (
        f"User: {ALICE.arn} is not authorized to perform: execute-api:Invoke on resource: "
        f"{_resource(gateway, 'hello')}"
    )


def test_policy_with_authorization_none_names_the_anonymous_user(tmp_path: Path) -> None:
    spec = echo_spec(tmp_path)
    gateway = build_gateway(
        spec,
        identities=None,
        access_log=None,
        region=REGION,
        policy={
            "Statement": {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "*",
            }
        },
    )
    with serve_in_thread(gateway) as url:
        response = requests.get(f"{url}/v1/echo/hello", timeout=30)
    assert response.status_code == 403
    assert response.json()["Message"].startswith("User: anonymous is not authorized")


def test_a_bad_policy_is_refused_at_load(tmp_path: Path) -> None:
    spec = echo_spec(tmp_path, api={"authorization_type": "AWS_IAM"})
    with pytest.raises(SpecError, match=r"policy: .*Effect must be"):
        build_gateway(
            spec,
            identities=StaticIdentityStore([ALICE]),
            access_log=None,
            policy={"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}},
        )
