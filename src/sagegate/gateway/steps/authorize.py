"""Authorize: AWS_IAM verifies SigV4 and, when a policy is given, evaluates it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
The messages and error types are API Gateway's own, so clients see what they would see on AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import (
    AccessDenied,
    ExpiredToken,
    GatewayError,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
)
from sagegate.sigv4 import SignedRequest, SigV4Error, SigV4Verifier

if TYPE_CHECKING:
    from sagegate.iam_policy import PolicyDocument

# SigV4Error.kind -> the gateway response API Gateway gives for it.
_ERRORS: dict[str, tuple[type[GatewayError], str | None]] = {
    "missing": (MissingAuthenticationToken, None),
    "incomplete": (InvalidSignature, "IncompleteSignatureException"),
    "mismatch": (InvalidSignature, None),
    "expired": (InvalidSignature, None),
    "not_yet_valid": (InvalidSignature, None),
    "bad_scope": (InvalidSignature, None),
    "content_sha_mismatch": (InvalidSignature, None),
    "unknown_key": (UnrecognizedClient, None),
    "bad_token": (UnrecognizedClient, None),
    "expired_token": (ExpiredToken, None),
}

ANONYMOUS = "anonymous"


class Authorize:
    """Verifies the caller's signature and checks the optional resource policy."""

    def __init__(
        self,
        *,
        verifier: SigV4Verifier | None,
        policy: PolicyDocument | None,
        arn_prefix: str,
    ) -> None:
        self.verifier = verifier
        self.policy = policy
        # arn:aws:execute-api:{region}:{account}:{api_id}
        self.arn_prefix = arn_prefix

    async def __call__(self, ctx: Invocation) -> None:
        request = ctx.request
        principal = ANONYMOUS
        if self.verifier is not None:
            try:
                identity = self.verifier.verify(
                    SignedRequest(
                        method=request.http_method,
                        raw_path=request.raw_path,
                        query_string=request.query_string,
                        headers=request.headers,
                        body=request.body,
                    )
                )
            except SigV4Error as exc:
                error_class, error_type = _ERRORS.get(exc.kind, (InvalidSignature, None))
                raise error_class(exc.message or None, error_type=error_type) from None
            ctx.caller.identity = identity
            principal = identity.arn
        if self.policy is not None:
            below_stage = request.path[len(ctx.stage) + 1 :]
            resource = f"{self.arn_prefix}/{ctx.stage}/{request.http_method}{below_stage}"
            decision = self.policy.evaluate(
                principal=principal, action="execute-api:Invoke", resource=resource
            )
            if not decision.allowed:
                suffix = " with an explicit deny" if decision.explicit_deny else ""
                raise AccessDenied(
                    f"User: {principal} is not authorized to perform: execute-api:Invoke "
                    f"on resource: {resource}{suffix}"
                )
