"""The method request's query string, decoded as API Gateway decodes it."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from sagegate.gateway.context import parse_query


def _decode_every_component(query_string: str) -> dict[str, list[str]]:
    """The rule without shortcuts: every name and value goes through the decoder."""
    result: dict[str, list[str]] = {}
    for pair in query_string.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            result.setdefault(unquote(key.replace("+", " ")), []).append(
                unquote(value.replace("+", " "))
            )
    return result


def test_plus_is_a_space_and_escapes_are_decoded() -> None:
    assert parse_query("a+b=c%20d&a+b=%2C&e&=f") == {"a b": ["c d", ","], "e": [""], "": ["f"]}


@given(st.text(alphabet="ab=&+%20C2F%zé", max_size=40))
def test_the_same_as_decoding_every_component(query_string: str) -> None:
    assert parse_query(query_string) == _decode_every_component(query_string)
