"""Authorize: AWS_IAM verifies SigV4 and, when a policy is given, evaluates it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
The messages and error types are API Gateway's own, so clients see what they would see on AWS.
"""

from __future__ import annotations

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import (
    AccessDenied,
    GatewayError,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
)
from sagegate.iam_policy import Decision, Policy, denial_message, invoke_resource_arn
from sagegate.sigv4 import SignedRequest, SigV4Error, Verifier
from sagegate.sigv4.errors import ErrorKind

# The gateway response API Gateway gives for a SigV4 failure (INVALID_SIGNATURE for the
# others), with the failure's own message and x-amzn-ErrorType.
_RESPONSES: dict[ErrorKind, type[GatewayError]] = {
    "missing": MissingAuthenticationToken,
    "unknown_key": UnrecognizedClient,
    "bad_token": UnrecognizedClient,
}

ANONYMOUS = "anonymous"


class Authorize:
    """Verifies the caller's signature and checks the optional resource policy."""

    def __init__(
        self,
        *,
        verifier: Verifier | None,
        policy: Policy | None,
        region: str,
        account_id: str,
        api_id: str,
    ) -> None:
        self.verifier = verifier
        self.policy = policy
        self.region = region
        self.account_id = account_id
        self.api_id = api_id

    def __call__(self, ctx: Invocation) -> None:
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
                response = _RESPONSES.get(exc.kind, InvalidSignature)
                raise response(exc.message, error_type=exc.error_type) from None
            ctx.caller.identity = identity
            principal = identity.arn
        if self.policy is not None:
            resource = invoke_resource_arn(
                region=self.region,
                account_id=self.account_id,
                api_id=self.api_id,
                stage=ctx.stage,
                method=request.http_method,
                path=request.path.removeprefix(f"/{ctx.stage}"),
            )
            decision = self.policy.evaluate(principal_arn=principal, resource=resource)
            if decision is not Decision.ALLOW:
                raise AccessDenied(
                    denial_message(principal, resource, explicit=decision is Decision.EXPLICIT_DENY)
                )
