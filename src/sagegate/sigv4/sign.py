"""Signing outbound requests with SigV4, byte for byte as botocore's `SigV4Auth` does.

Used where the gateway calls SageMaker as its execution role, and by load clients.
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from sagegate.sigv4 import canonical as c
from sagegate.sigv4.identity import Identity
from sagegate.sigv4.keys import SigningKeyCache
from sagegate.sigv4.parse import iso_basic

# Headers botocore never signs: hop-by-hop ones, and ones proxies rewrite.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signer sets itself; a caller's copy is replaced, not signed twice.
_OWN_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# S3 is the service that requires the payload hash as a header.
_SERVICES_WITH_CONTENT_SHA = frozenset({"s3"})


def host_header(parts: SplitResult) -> str:
    """The Host value a client sends for this URL: lower-case, without a default port."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


class SigV4Signer:
    """Signs requests for one service and region with an identity (or a provider of one).

    `credentials` may be a callable, asked at every signature, so rotating credentials work.
    """

    def __init__(
        self,
        credentials: Callable[[], Identity] | Identity,
        *,
        service: str,
        region: str,
        clock: Callable[[], float] = time.time,
        key_cache: SigningKeyCache | None = None,
    ) -> None:
        self._credentials: Callable[[], Identity] = (
            (lambda: credentials) if isinstance(credentials, Identity) else credentials
        )
        self._service = service
        self._region = region
        self._clock = clock
        self._keys = key_cache if key_cache is not None else SigningKeyCache()

    @property
    def key_cache(self) -> SigningKeyCache:
        """The signing-key cache this signer derives keys through."""
        return self._keys

    def _scope(self, stamp: str) -> str:
        return f"{stamp[:8]}/{self._region}/{self._service}/{c.TERMINATOR}"

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        """The headers to add to the request: Authorization, X-Amz-Date, and when needed
        X-Amz-Security-Token and X-Amz-Content-SHA256. `headers` are the ones that will be
        sent (all are signed but the hop-by-hop ones); Host comes from `url` when absent."""
        identity = self._credentials()
        stamp = iso_basic(self._clock())
        parts = urlsplit(url)
        added: dict[str, str] = {"X-Amz-Date": stamp}
        if identity.session_token:
            added["X-Amz-Security-Token"] = identity.session_token
        payload = hashlib.sha256(body).hexdigest() if body else c.EMPTY_SHA256
        if self._service in _SERVICES_WITH_CONTENT_SHA:
            added["X-Amz-Content-SHA256"] = payload
        to_sign = [(k, v) for k, v in headers.items() if k.lower() not in _OWN_HEADERS]
        to_sign.extend(added.items())
        by_name = {
            name: values
            for name, values in c.header_map(to_sign).items()
            if name not in UNSIGNED_HEADERS
        }
        by_name.setdefault("host", [host_header(parts)])
        signed = sorted(by_name)
        signed_list = ";".join(signed)
        canonical = c.canonical_request(
            method,
            c.canonical_path(parts.path),
            c.canonical_query(c.canonical_pairs(c.split_query(parts.query))),
            c.canonical_headers(by_name, signed),
            signed_list,
            payload,
        )
        scope = self._scope(stamp)
        key = self._keys.get(identity.secret_key, stamp[:8], self._region, self._service)
        signature = c.signature(key, c.string_to_sign(stamp, scope, canonical))
        added["Authorization"] = (
            f"{c.ALGORITHM} Credential={identity.access_key}/{scope}, "
            f"SignedHeaders={signed_list}, Signature={signature}"
        )
        return added

    def presign(self, method: str, url: str, expires: int = 300) -> str:
        """`url` with the presigned-query parameters added, valid for `expires` seconds.

        Like botocore's `SigV4QueryAuth`: only Host is signed, the payload is the empty body.
        """
        identity = self._credentials()
        stamp = iso_basic(self._clock())
        parts = urlsplit(url)
        scope = self._scope(stamp)
        auth = [
            ("X-Amz-Algorithm", c.ALGORITHM),
            ("X-Amz-Credential", f"{identity.access_key}/{scope}"),
            ("X-Amz-Date", stamp),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        if identity.session_token is not None:
            auth.append(("X-Amz-Security-Token", identity.session_token))
        pairs = c.canonical_pairs(c.split_query(parts.query))
        pairs.extend((name, quote(value, safe="-_.~")) for name, value in auth)
        query = "&".join(f"{name}={value}" for name, value in pairs)
        canonical = c.canonical_request(
            method,
            c.canonical_path(parts.path),
            c.canonical_query(pairs),
            f"host:{host_header(parts)}\n",
            "host",
            c.EMPTY_SHA256,
        )
        key = self._keys.get(identity.secret_key, stamp[:8], self._region, self._service)
        signature = c.signature(key, c.string_to_sign(stamp, scope, canonical))
        query = f"{query}&X-Amz-Signature={signature}"
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
