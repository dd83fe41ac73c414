"""The verifier's shortcuts give what the general functions give."""

from __future__ import annotations

from sagegate.sigv4 import canonical as c
from sagegate.sigv4.keys import SigningKeyCache, derive_signing_key


def test_signature_from_a_prepared_hmac_is_the_plain_signature() -> None:
    cache = SigningKeyCache()
    keyed = cache.get_hmac("secret", "20240101", "us-east-1", "execute-api")
    key = cache.get("secret", "20240101", "us-east-1", "execute-api")
    assert key == derive_signing_key("secret", "20240101", "us-east-1", "execute-api")
    for text in ("", "AWS4-HMAC-SHA256\n20240101T000000Z", "é\u2603" * 100):
        # Twice each: the shared object must not absorb what one signature fed it.
        assert c.signature_from(keyed, text) == c.signature(key, text)
        assert c.signature_from(keyed, text) == c.signature(key, text)
    assert cache.derivations == 1
