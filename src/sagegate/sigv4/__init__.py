"""AWS Signature Version 4: verifying inbound requests and signing outbound ones.

Built on botocore's canonicalisation rules, so what is verified is exactly what botocore signs.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4.html
"""

from sagegate.sigv4.errors import SigV4Error
from sagegate.sigv4.identity import (
    DEFAULT_ACCOUNT_ID,
    Identity,
    IdentityStore,
    StaticIdentityStore,
)
from sagegate.sigv4.keys import SigningKeyCache
from sagegate.sigv4.sign import SigV4Signer
from sagegate.sigv4.verify import SignedRequest, SigV4Verifier, Verifier

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "Identity",
    "IdentityStore",
    "SigV4Error",
    "SigV4Signer",
    "SigV4Verifier",
    "SignedRequest",
    "SigningKeyCache",
    "StaticIdentityStore",
    "Verifier",
]
