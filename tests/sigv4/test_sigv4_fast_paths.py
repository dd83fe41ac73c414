"""The verifier's shortcuts give what the general functions give."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from sagegate.sigv4 import (
    Identity,
    SignedRequest,
    SigV4Error,
    SigV4Signer,
    SigV4Verifier,
    StaticIdentityStore,
)
from sagegate.sigv4 import canonical as c
from sagegate.sigv4.canonical import ALGORITHM, _component, unquote_cached
from sagegate.sigv4.errors import MISSING_TOKEN
from sagegate.sigv4.keys import SigningKeyCache, derive_signing_key
from sagegate.sigv4.parse import _QUERY_PARAMS, MAX_PRESIGN_EXPIRES, AuthParams, from_query


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


def _old_from_query(raw_pairs: list[tuple[str, str]]) -> AuthParams:
    """The former pair-based `from_query`, verbatim but for the name: the reference."""
    first: dict[str, str] = {}
    for name, value in raw_pairs:
        if "%" in name:
            name = unquote_cached(name)
        if name in _QUERY_PARAMS and name not in first:
            first[name] = unquote_cached(value) if "%" in value else value
    if first.get("X-Amz-Algorithm") != ALGORITHM:
        raise SigV4Error("missing", MISSING_TOKEN)
    missing = [
        f"AWS query-string parameters must include '{name}'."
        for name in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
        if name not in first
    ]
    if missing:
        raise SigV4Error(
            "incomplete", f"{' '.join(missing)} Re-examine the query-string parameters."
        )
    expires: int | None = None
    if "X-Amz-Expires" in first:
        text = first["X-Amz-Expires"]
        if not text.isdigit():
            raise SigV4Error("incomplete", "X-Amz-Expires should be a number")
        expires = int(text)
        if expires > MAX_PRESIGN_EXPIRES:
            raise SigV4Error(
                "incomplete",
                "X-Amz-Expires must be less than a week (in seconds) that is "
                f"{MAX_PRESIGN_EXPIRES}",
            )
    return AuthParams(
        credential=first["X-Amz-Credential"],
        signed_headers=tuple(first["X-Amz-SignedHeaders"].split(";")),
        signature=first["X-Amz-Signature"],
        timestamp=first["X-Amz-Date"],
        session_token=first.get("X-Amz-Security-Token"),
        expires=expires,
        presigned=True,
    )


def _outcome(call: Callable[[], AuthParams]) -> AuthParams | tuple[str, str]:
    try:
        return call()
    except SigV4Error as exc:
        return exc.kind, exc.message


# Pieces that exercise the encodings: escapes (valid, invalid, of '-', '=' and '&'), '+',
# empty names and values, repeats, the X-Amz-* names plain and escaped, non-ASCII.
_PIECES = st.sampled_from(
    [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fexecute-api%2Faws4_request",
        "X-Amz-Date=20240101T000000Z",
        "X-Amz-Expires=60",
        "X-Amz-Expires=x",
        "X-Amz-SignedHeaders=host",
        "X-Amz-Signature=ab",
        "X-Amz-Signature",
        "X%2DAmz-Signature=cd",
        "X-Amz%2DSignature",
        "X-Amz+Signature=1",
        "X-Amz%2BSignature=1",
        "X-Amz-Security-Token=t%2Bk",
        "a=1",
        "a",
        "a=",
        "=b",
        "",
        "a-b=2",
        "a%3Db=%26",
        "%ZZ=%",
        "sp+ace=a+b",
        "é=ü",
        "%C3%A9=%FF",
    ]
)
_QUERIES = st.one_of(
    st.lists(_PIECES, max_size=8).map("&".join),
    st.text(alphabet=st.sampled_from("aX-=&%2F+.~ é"), max_size=40),
)


@given(_QUERIES)
def test_one_pass_presigned_query_matches_the_former_composition(query: str) -> None:
    """`from_query` gives the params (or error) and the canonical query the old chain gave:
    split_query -> from_query(pairs), and split_query -> canonical_pairs -> drop the
    signature -> canonical_query."""
    raw = c.split_query(query)
    outcome = _outcome(lambda: from_query(query)[0])
    assert outcome == _outcome(lambda: _old_from_query(raw))
    if isinstance(outcome, AuthParams):
        expected = c.canonical_query(
            [pair for pair in c.canonical_pairs(raw) if pair[0] != "X-Amz-Signature"]
        )
        _, signed = from_query(query)
        assert c.canonical_query(c.canonical_pairs(signed)) == expected


@given(_QUERIES)
def test_signed_pairs_drop_exactly_the_canonical_signature_name(query: str) -> None:
    """Whatever the X-Amz-* checks say, the pairs kept are the old filter's, encoded as sent."""
    # Make the query presigned-valid so the pairs come back, keeping its own pairs first.
    valid = "&".join(
        [
            query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fexecute-api%2Faws4_request",
            "X-Amz-Date=20240101T000000Z",
            "X-Amz-SignedHeaders=host",
            "X-Amz-Signature=ab",
        ]
    )
    if _outcome(lambda: from_query(valid)[0]).__class__ is not AuthParams:
        return  # the query's own X-Amz-* values are invalid (e.g. X-Amz-Expires=x)
    _, signed = from_query(valid)
    kept = [pair for pair in c.split_query(valid) if _component(pair[0]) != "X-Amz-Signature"]
    assert signed == kept


def test_scopes_refuse_the_same_way_every_time() -> None:
    """A refusal's text is built from each request's stamp, and a credential accepted one day
    is refused with the date text on a mismatching day."""
    start = 1_704_067_200.0  # 2024-01-01T00:00:00Z
    identity = Identity("AKIDCACHE", "secret")
    signer = SigV4Signer(identity, service="execute-api", region="eu-west-1", clock=lambda: start)
    verifier = SigV4Verifier(
        StaticIdentityStore([identity]),
        service="execute-api",
        region="us-east-1",
        clock=lambda: start,
    )
    url = signer.presign("GET", "http://localhost/prod/x?a=1", 60)
    path, _, query = url.split("localhost", 1)[1].partition("?")
    request = SignedRequest("GET", path, query, [("host", "localhost")], b"")
    messages = []
    for _ in range(2):
        try:
            verifier.verify(request)
        except SigV4Error as exc:
            messages.append((exc.kind, exc.message))
    assert (
        messages
        == [("bad_scope", "Credential should be scoped to a valid region, not 'eu-west-1'. ")] * 2
    )

    good = SigV4Signer(identity, service="execute-api", region="us-east-1", clock=lambda: start)
    url = good.presign("GET", "http://localhost/prod/x?a=1", 60)
    path, _, query = url.split("localhost", 1)[1].partition("?")
    assert verifier.verify(SignedRequest("GET", path, query, [("host", "localhost")], b""))
    # Same credential, a date of the next day: day one's scope does not apply.
    shifted = query.replace("X-Amz-Date=20240101T000000Z", "X-Amz-Date=20240102T000000Z")
    late = SigV4Verifier(
        StaticIdentityStore([identity]),
        service="execute-api",
        region="us-east-1",
        clock=lambda: start + 86_400,
        max_skew_seconds=86_400,
    )
    for _ in range(2):
        try:
            late.verify(SignedRequest("GET", path, shifted, [("host", "localhost")], b""))
        except SigV4Error as exc:
            assert (exc.kind, exc.message) == (
                "bad_scope",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                "date from HTTP: '20240101' != '20240102', from '20240102T000000Z'. ",
            )
        else:
            raise AssertionError("accepted a credential scoped to another day")


_HEADER_VALUES = st.text(alphabet=st.sampled_from("ab ,\t\n\u00a0é;="), max_size=12)


@given(
    st.dictionaries(
        st.sampled_from(["host", "x-amz-date", "accept", "x-a"]),
        st.lists(_HEADER_VALUES, min_size=1, max_size=3),
    ),
    st.lists(st.sampled_from(["host", "x-amz-date", "accept", "x-a", "absent"]), unique=True),
)
def test_canonical_headers_and_query_match_their_former_forms(
    by_name: dict[str, list[str]], signed: list[str]
) -> None:
    """One value trimmed inline, several through `trim_value`: both as the former loop was;
    the query joined with `"=".join` as with an f-string."""
    former = "".join(
        f"{name}:{','.join(c.trim_value(v) for v in by_name[name])}\n"
        for name in signed
        if name in by_name
    )
    assert c.canonical_headers(by_name, signed) == former
    pairs = [(name, ",".join(values)) for name, values in by_name.items()]
    assert c.canonical_query(pairs) == "&".join(f"{n}={v}" for n, v in sorted(pairs))
