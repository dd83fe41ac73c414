"""Verifying SigV4-signed requests, as Amazon API Gateway does for an `AWS_IAM` method.

Both forms are accepted: the `Authorization` header and the presigned query string. Every
refusal raises `SigV4Error` with AWS's text. The signature is compared in constant time.
https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4-signing-elements.html
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sagegate.sigv4 import canonical as c
from sagegate.sigv4.errors import (
    CONTENT_SHA_MISMATCH,
    HOST_NOT_SIGNED,
    INVALID_TOKEN,
    MISSING_TOKEN,
    SigV4Error,
    duration_text,
    mismatch_message,
)
from sagegate.sigv4.identity import Identity, IdentityStore
from sagegate.sigv4.keys import SigningKeyCache
from sagegate.sigv4.parse import (
    both_forms_error,
    from_header,
    from_query,
    iso_basic,
    parse_timestamp,
)


# Not frozen: made for every request, and a frozen init costs ~4x (0.7 vs 0.15 µs).
# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(slots=True, init=False)
class SignedRequest:
    """A request as it arrived, before any decoding.

    `raw_path` and `query_string` are the wire forms (ASGI's `raw_path` and `query_string`
    decoded as UTF-8), headers are as received, names in any case, repeats allowed.
    """

    method: str
    raw_path: str
    query_string: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    def __init__(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers = headers
        self.body = body


class Verifier(Protocol):
    """What a gateway step needs of a verifier: the caller behind a signed request."""

    def verify(self, request: SignedRequest) -> Identity:
        """The identity that signed ``request``; raises SigV4Error when it is refused."""
        ...


class SigV4Verifier:
    """Checks a request's SigV4 signature against the identities in a store.

    By default it accepts exactly what AWS accepts: a signature over the canonical request,
    whose path is normalised and URI-encoded twice (a wire `%20` is signed as `%2520`) and
    whose query is re-encoded and sorted by name, then value
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).

    `accept_literal_form=True`, an explicit compatibility option, also accepts a signature over
    the path and query exactly as sent. curl's `--aws-sigv4` signs so before 8.3 (7.88 signs
    `state.up.path` and `state.up.query` unchanged), and later curls still encode a path's
    `%XX` escapes only once. AWS refuses those signatures whenever the two forms differ; the
    canonical form is always tried first, and a refusal shows AWS's canonical request.
    `compare_digest` is injectable for tests only.
    """

    def __init__(
        self,
        identities: IdentityStore,
        *,
        service: str,
        region: str,
        clock: Callable[[], float] = time.time,
        max_skew_seconds: int = 300,
        key_cache: SigningKeyCache | None = None,
        accept_literal_form: bool = False,
        compare_digest: Callable[[bytes, bytes], bool] = hmac.compare_digest,
    ) -> None:
        self._identities = identities
        self._service = service
        self._region = region
        self._clock = clock
        self._skew = max_skew_seconds
        self._keys = key_cache if key_cache is not None else SigningKeyCache()
        self._accept_literal = accept_literal_form
        self._compare = compare_digest

    @property
    def key_cache(self) -> SigningKeyCache:
        """The signing-key cache this verifier derives keys through."""
        return self._keys

    def verify(self, request: SignedRequest) -> Identity:
        """The identity that signed `request`; raises `SigV4Error` when it is not valid."""
        headers = c.header_map(request.headers)
        query_string = request.query_string
        authorization = headers.get("authorization")
        # A pair named X-Amz-Algorithm (with or without '='), found without a Python loop.
        bounded = f"&{query_string}&"
        presigned = "&X-Amz-Algorithm=" in bounded or "&X-Amz-Algorithm&" in bounded
        if authorization and presigned:
            raise both_forms_error()
        if authorization:
            params = from_header(authorization[0], headers)
            raw_pairs = c.split_query(query_string)
        elif presigned:
            # The signature is the one parameter a presigned URL does not sign.
            params, raw_pairs = from_query(query_string)
        else:
            raise SigV4Error("missing", MISSING_TOKEN)
        if "host" not in params.signed_headers and ":authority" not in params.signed_headers:
            raise SigV4Error("mismatch", HOST_NOT_SIGNED)
        epoch, stamp = parse_timestamp(params.timestamp)
        self._check_time(epoch, stamp, params.expires)
        scoped = self._scope(params.credential, stamp[:8])
        if scoped is None:
            raise self._scope_error(params.credential, stamp)
        access_key, date, region, service, scope = scoped
        identity = self._identities.get(access_key)
        if identity is None:
            raise SigV4Error("unknown_key", INVALID_TOKEN)
        self._check_token(identity, params.session_token)
        payload = self._payload_hash(headers, request.body)

        signed = sorted(params.signed_headers)
        signed_list = ";".join(signed)
        header_block = c.canonical_headers(headers, signed)
        canonical = c.canonical_request(
            request.method,
            c.canonical_path(request.raw_path),
            c.canonical_query(c.canonical_pairs(raw_pairs)),
            header_block,
            signed_list,
            payload,
        )
        to_sign = c.string_to_sign(stamp, scope, canonical)
        keyed = self._keys.get_hmac(identity.secret_key, date, region, service)
        given = params.signature.encode("utf-8", "replace")
        if self._compare(c.signature_from(keyed, to_sign).encode("ascii"), given):
            return identity
        if self._accept_literal and not params.presigned:
            literal = c.canonical_request(
                request.method,
                request.raw_path or "/",
                request.query_string,
                header_block,
                signed_list,
                payload,
            )
            literal_signature = c.signature_from(keyed, c.string_to_sign(stamp, scope, literal))
            if self._compare(literal_signature.encode("ascii"), given):
                return identity
        raise SigV4Error("mismatch", mismatch_message(canonical, to_sign))

    def _check_time(self, epoch: float, stamp: str, expires: int | None) -> None:
        now = self._clock()
        skew = self._skew
        if epoch > now + skew:
            raise SigV4Error(
                "not_yet_valid",
                f"Signature not yet current: {stamp} is still later than {iso_basic(now + skew)} "
                f"({iso_basic(now)} + {duration_text(skew)}.)",
            )
        # A presigned URL lives for X-Amz-Expires from its date; a header signature, the skew.
        window = skew if expires is None else expires
        if epoch < now - window:
            raise SigV4Error(
                "expired",
                f"Signature expired: {stamp} is now earlier than {iso_basic(now - window)} "
                f"({iso_basic(now)} - {duration_text(window)}.)",
            )

    def _scope(self, credential: str, day: str) -> tuple[str, str, str, str, str] | None:
        """(access key, date, region, service, scope) of a credential valid for this verifier
        on `day` (YYYYMMDD), or None when its scope is at fault (see `_scope_error`)."""
        parts = credential.split("/")
        if len(parts) != 5:
            return None
        access_key, date, region, service, terminator = parts
        if (
            region != self._region
            or service != self._service
            or terminator != c.TERMINATOR
            or date != day
        ):
            return None
        return access_key, date, region, service, f"{date}/{region}/{service}/{c.TERMINATOR}"

    def _scope_error(self, credential: str, stamp: str) -> SigV4Error:
        """What is wrong with a credential `_scope` refused, in AWS's words."""
        parts = credential.split("/")
        if len(parts) != 5:
            return SigV4Error(
                "incomplete",
                "Credential must have exactly 5 slash-delimited elements, "
                f"e.g. keyid/date/region/service/term, got '{credential}'",
            )
        _, date, region, service, terminator = parts
        # AWS reports every scope fault at once, each sentence followed by a space.
        faults: list[str] = []
        if region != self._region:
            faults.append(f"Credential should be scoped to a valid region, not '{region}'. ")
        if service != self._service:
            faults.append(f"Credential should be scoped to correct service: '{self._service}'. ")
        if terminator != c.TERMINATOR:
            faults.append(
                "Credential should be scoped with a valid terminator: "
                f"'{c.TERMINATOR}', not '{terminator}'. "
            )
        if date != stamp[:8]:
            faults.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                f"from HTTP: '{date}' != '{stamp[:8]}', from '{stamp}'. "
            )
        return SigV4Error("bad_scope", "".join(faults))

    def _check_token(self, identity: Identity, given: str | None) -> None:
        expected = identity.session_token
        if expected is None and given is None:
            return
        if expected is None or given is None:
            raise SigV4Error("bad_token", INVALID_TOKEN)
        if not self._compare(expected.encode("utf-8"), given.encode("utf-8", "replace")):
            raise SigV4Error("bad_token", INVALID_TOKEN)

    @staticmethod
    def _payload_hash(headers: dict[str, list[str]], body: bytes) -> str:
        declared = headers.get("x-amz-content-sha256")
        if declared:
            # Repeated, the header is its values joined (RFC 9110): never a valid hash.
            value = ",".join(declared)
            if value != c.UNSIGNED_PAYLOAD and value != hashlib.sha256(body).hexdigest():
                raise SigV4Error("content_sha_mismatch", CONTENT_SHA_MISMATCH)
            return value
        return hashlib.sha256(body).hexdigest() if body else c.EMPTY_SHA256
