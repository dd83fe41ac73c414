"""Authorize: each SigV4 failure as API Gateway answers it, and the resource policy's verdict."""

from __future__ import annotations

import pytest

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import AccessDenied, GatewayError
from sagegate.gateway.steps.authorize import Authorize
from sagegate.iam_policy import Policy
from sagegate.sigv4 import Identity, SignedRequest, SigV4Error, Verifier
from sagegate.sigv4.errors import ErrorKind
from tests.gateway.factories import invocation
from tests.sigv4.sigv4_helpers import ALICE

API = "arn:aws:execute-api:us-east-1:000000000000:abcdefghij"
RESOURCE = f"{API}/prod/GET/predicted-ratings/321"
MASKED = "arn:aws:execute-api:us-east-1:********0000:abcdefghij/prod/GET/predicted-ratings/321"


class Refusing:
    """A verifier that refuses every request with one failure."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.error = SigV4Error(kind, message)

    def verify(self, request: SignedRequest) -> Identity:
        raise self.error


class Accepting:
    """A verifier that finds Alice behind every request, and keeps what it was shown."""

    def __init__(self) -> None:
        self.seen: list[SignedRequest] = []

    def verify(self, request: SignedRequest) -> Identity:
        self.seen.append(request)
        return ALICE


def step(verifier: Verifier | None, policy: Policy | None = None) -> Authorize:
    return Authorize(
        verifier=verifier,
        policy=policy,
        region="us-east-1",
        account_id="000000000000",
        api_id="abcdefghij",
    )


def routed(**kwargs: object) -> Invocation:
    ctx = invocation(**kwargs)  # type: ignore[arg-type]
    ctx.stage = "prod"
    return ctx


@pytest.mark.parametrize(
    ("kind", "response_type", "error_type"),
    [
        ("missing", "MISSING_AUTHENTICATION_TOKEN", "MissingAuthenticationTokenException"),
        ("incomplete", "INVALID_SIGNATURE", "IncompleteSignatureException"),
        ("mismatch", "INVALID_SIGNATURE", "InvalidSignatureException"),
        ("expired", "INVALID_SIGNATURE", "InvalidSignatureException"),
        ("not_yet_valid", "INVALID_SIGNATURE", "InvalidSignatureException"),
        ("bad_scope", "INVALID_SIGNATURE", "InvalidSignatureException"),
        ("content_sha_mismatch", "INVALID_SIGNATURE", "InvalidSignatureException"),
        ("unknown_key", "UNAUTHORIZED", "UnrecognizedClientException"),
        ("bad_token", "UNAUTHORIZED", "UnrecognizedClientException"),
    ],
)
def test_each_signature_failure_is_its_gateway_response(
    kind: ErrorKind, response_type: str, error_type: str
) -> None:
    ctx = routed()
    with pytest.raises(GatewayError) as refused:
        step(Refusing(kind, f"the {kind} text"))(ctx)
    error = refused.value
    assert (error.response_type, error.status_code) == (response_type, 403)
    assert (error.instance_error_type, error.message) == (error_type, f"the {kind} text")
    assert ctx.caller.identity is None


def test_the_verifier_sees_the_request_as_sent_and_the_caller_is_recorded() -> None:
    verifier = Accepting()
    ctx = routed(method="POST", query="a=1&b=2", headers=[("Host", "h")], body=b"{}")
    step(verifier)(ctx)
    assert verifier.seen == [
        SignedRequest("POST", "/prod/predicted-ratings/321", "a=1&b=2", [("Host", "h")], b"{}")
    ]
    assert ctx.caller.identity == ALICE


def policy(effect: str, resource: str = f"{API}/prod/GET/*") -> Policy:
    statement = {"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke"}
    return Policy.parse({"Statement": [statement | {"Resource": resource}]})


def test_the_policy_judges_the_method_arn_of_the_request() -> None:
    step(None, policy("Allow"))(routed())
    step(None, policy("Allow", RESOURCE))(routed())
    with pytest.raises(AccessDenied) as refused:
        step(None, policy("Allow", f"{API}/prod/POST/*"))(routed())
    assert refused.value.message == (
        f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {MASKED}"
    )


def test_an_explicit_deny_names_the_signed_caller() -> None:
    with pytest.raises(AccessDenied) as refused:
        step(Accepting(), policy("Deny"))(routed())
    assert refused.value.message == (
        f"User: {ALICE.arn} is not authorized to perform: execute-api:Invoke on resource: "
        f"{MASKED} with an explicit deny"
    )
