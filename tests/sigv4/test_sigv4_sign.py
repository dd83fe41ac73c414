"""The signer matches botocore byte for byte, and caches its signing keys."""

from __future__ import annotations

import datetime
from typing import Any

import botocore.utils
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest

from sagegate.sigv4 import Identity, SigV4Signer
from sagegate.sigv4 import canonical as c
from sagegate.sigv4.canonical import canonical_pairs, canonical_path
from tests.sigv4.sigv4_helpers import ALICE, TEMP, credentials

T0 = 1704067200.0 + 3723  # 2024-01-01T01:02:03Z
SAGEMAKER = "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/movie-ratings/invocations"


@pytest.fixture
def frozen_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore reads its clock itself; the reference signer is pinned to T0."""
    moment = datetime.datetime.fromtimestamp(T0, datetime.UTC).replace(tzinfo=None)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: moment)


CASES = [
    ("POST", SAGEMAKER, "sagemaker", {"Content-Type": "application/json"}, b'{"instances": []}'),
    ("GET", "https://h.example/prod/a%20b/caf%C3%A9?z=1&a=2&a=1&e=", "execute-api", {}, b""),
    ("PUT", "http://127.0.0.1:8081/x/../y//z/", "execute-api", {"X-Custom": " a  b "}, b"data"),
    ("GET", "https://h.example:8443/", "execute-api", {"Accept": "*/*"}, b""),
]


@pytest.mark.usefixtures("frozen_botocore")
@pytest.mark.parametrize("identity", [ALICE, TEMP], ids=["keys", "session"])
@pytest.mark.parametrize(("method", "url", "service", "headers", "body"), CASES)
def test_sign_matches_botocore(
    identity: Identity,
    method: str,
    url: str,
    service: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    reference = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    SigV4Auth(credentials(identity), service, "us-east-1").add_auth(reference)
    ours = SigV4Signer(identity, service=service, region="us-east-1", clock=lambda: T0)
    added = ours.sign(method, url, headers, body)
    expected = {
        name: reference.headers[name]
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
        if name in reference.headers
    }
    assert added == expected


@pytest.mark.usefixtures("frozen_botocore")
@pytest.mark.parametrize("identity", [ALICE, TEMP], ids=["keys", "session"])
@pytest.mark.parametrize(
    "url",
    [
        "https://h.example/prod/predicted-ratings/321?items=101%2C131%2C162",
        "https://h.example/prod/a%20b",
        "http://127.0.0.1:8080/prod/x?b=2&a=1",
    ],
)
def test_presign_matches_botocore(identity: Identity, url: str) -> None:
    reference = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(credentials(identity), "execute-api", "us-east-1", expires=120).add_auth(
        reference
    )
    ours = SigV4Signer(identity, service="execute-api", region="us-east-1", clock=lambda: T0)
    assert ours.presign("GET", url, expires=120) == reference.url


def test_credentials_provider_is_asked_each_time_and_keys_are_cached() -> None:
    asked: list[int] = []

    def provider() -> Identity:
        asked.append(1)
        return ALICE

    signer = SigV4Signer(provider, service="sagemaker", region="us-east-1", clock=lambda: T0)
    first = signer.sign("POST", SAGEMAKER, {}, b"{}")
    for _ in range(20):
        assert signer.sign("POST", SAGEMAKER, {}, b"{}") == first
    assert len(asked) == 21
    assert signer.key_cache.derivations == 1


def test_s3_gets_the_payload_hash_header() -> None:
    signer = SigV4Signer(ALICE, service="s3", region="us-east-1", clock=lambda: T0)
    added = signer.sign("PUT", "https://b.s3.amazonaws.com/k", {}, b"")
    assert added["X-Amz-Content-SHA256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert "x-amz-content-sha256" in added["Authorization"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/"),
        ("/", "/"),
        ("/a/./b/../c", "/a/c"),
        ("//a//b//", "/a/b/"),
        ("/a%20b", "/a%2520b"),
        ("/a%2Fb", "/a%252Fb"),
        ("/caf%C3%A9", "/caf%25C3%25A9"),
        ("/a:b@c", "/a%3Ab%40c"),
        ("/~user", "/~user"),
    ],
)
def test_canonical_path_double_encodes_like_botocore(path: str, expected: str) -> None:
    assert canonical_path(path) == expected
    reference = SigV4Auth(credentials(ALICE), "execute-api", "us-east-1")
    assert reference._normalize_url_path(path) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (("a", "b c"), ("a", "b%20c")),
        (("a", "b+c"), ("a", "b%20c")),
        (("a", "1,2"), ("a", "1%2C2")),
        (("a", "%2c"), ("a", "%2C")),
        (("%7E", "%41"), ("~", "A")),
        (("k", "é"), ("k", "%C3%A9")),
    ],
)
def test_query_components_are_normalised(raw: Any, expected: Any) -> None:
    assert canonical_pairs([raw]) == [expected]


@pytest.mark.parametrize(
    "path",
    [
        *("/a/./b/../c/", "/a//b", "/a/b/..", "/..", "/a/..", "..", "/"),
        *("a/b", "%41/b", "-x/", "z/", "!"),  # relative: botocore keeps them relative
        *("/x-", "/x!"),
    ],
)
def test_dot_segments_are_removed_as_botocore_removes_them(path: str) -> None:
    # botocore (the oracle) normalises a path so before signing; relative paths included.
    assert c.remove_dot_segments(path) == botocore.utils.remove_dot_segments(path)
