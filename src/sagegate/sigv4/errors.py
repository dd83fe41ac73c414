"""Why a SigV4 check failed, with the text AWS answers for each case.

The texts copy what Amazon API Gateway returns in `{"message": ...}` for an `AWS_IAM` method;
see https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html and
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "missing",
    "incomplete",
    "mismatch",
    "unknown_key",
    "expired",
    "not_yet_valid",
    "bad_scope",
    "content_sha_mismatch",
    "bad_token",
]

MISSING_TOKEN = "Missing Authentication Token"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
# S3 is the one AWS service documented to check the header against the body; its text is used.
CONTENT_SHA_MISMATCH = (
    "The provided 'x-amz-content-sha256' header does not match what was computed."
)

# The AWS error type (`x-amzn-ErrorType`) that API Gateway reports for each kind.
_ERROR_TYPES: dict[ErrorKind, str] = {
    "missing": "MissingAuthenticationTokenException",
    "incomplete": "IncompleteSignatureException",
    "mismatch": "InvalidSignatureException",
    "unknown_key": "UnrecognizedClientException",
    "expired": "InvalidSignatureException",
    "not_yet_valid": "InvalidSignatureException",
    "bad_scope": "InvalidSignatureException",
    "content_sha_mismatch": "InvalidSignatureException",
    "bad_token": "UnrecognizedClientException",
}


class SigV4Error(Exception):
    """A request whose SigV4 authentication failed.

    `kind` says which check failed (see `ErrorKind`); `message` is the text AWS answers, which the
    gateway puts in its 403 body. `error_type` is the matching `x-amzn-ErrorType`.
    """

    kind: ErrorKind
    message: str

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @property
    def error_type(self) -> str:
        """The AWS exception name API Gateway reports in `x-amzn-ErrorType` for this failure."""
        return _ERROR_TYPES[self.kind]

    def __repr__(self) -> str:
        return f"SigV4Error({self.kind!r}, {self.message!r})"


def mismatch_message(canonical_request: str, string_to_sign: str) -> str:
    """AWS's mismatch text, which shows the canonical request and string-to-sign it expected."""
    return (
        f"{SIGNATURE_MISMATCH}\n\n"
        f"The Canonical String for this request should have been\n'{canonical_request}'\n\n"
        f"The String-to-Sign should have been\n'{string_to_sign}'\n"
    )


def duration_text(seconds: int) -> str:
    """How AWS writes a tolerance in its skew messages: `5 min`, or seconds when not whole."""
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} sec"
