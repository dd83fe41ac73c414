"""The SigV4 signing key, derived once per (secret, date, region, service) and cached.

Deriving the key costs four HMAC-SHA256 rounds; it changes only daily per credential, so both
the verifier and the signer keep the last few in a bounded LRU, each with an HMAC object keyed
with it, ready to be copied for a signature.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4-create-signed-request.html
"""

from __future__ import annotations

import functools
import hashlib
import hmac


def derive_signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _derive_with_hmac(
    secret_key: str, date: str, region: str, service: str
) -> tuple[bytes, hmac.HMAC]:
    key = derive_signing_key(secret_key, date, region, service)
    return key, hmac.new(key, digestmod=hashlib.sha256)


class SigningKeyCache:
    """A bounded LRU of derived signing keys; `derivations` counts how many were computed."""

    def __init__(self, maxsize: int = 256) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._cached = functools.lru_cache(maxsize=maxsize)(_derive_with_hmac)

    def get(self, secret_key: str, date: str, region: str, service: str) -> bytes:
        """The signing key for this scope, derived on first use."""
        return self._cached(secret_key, date, region, service)[0]

    def get_hmac(self, secret_key: str, date: str, region: str, service: str) -> hmac.HMAC:
        """An HMAC-SHA256 object keyed with this scope's signing key, fed nothing yet.

        Shared: copy it (`canonical.signature_from`), never update it. Copying a keyed object
        skips the key schedule `hmac.new` runs for every signature (measured: 1.3 -> 1.0 µs).
        """
        return self._cached(secret_key, date, region, service)[1]

    @property
    def derivations(self) -> int:
        """How many keys were derived (cache misses) since creation."""
        return self._cached.cache_info().misses

    @property
    def size(self) -> int:
        """How many keys are held now."""
        return self._cached.cache_info().currsize
