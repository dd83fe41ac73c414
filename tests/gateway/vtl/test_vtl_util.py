"""$util functions, with the exact behaviour of the Java libraries AWS uses."""

from __future__ import annotations

import pytest

from sagegate.gateway.vtl import MappingTemplate, RequestFacts, TemplateError
from sagegate.gateway.vtl.util import (
    base64_decode,
    base64_encode,
    escape_javascript,
    parse_json,
    url_decode,
    url_encode,
)
from sagegate.gateway.vtl.values import JsonArray


def test_escape_javascript() -> None:
    assert escape_javascript('it\'s "x" a/b \\ \n\t') == 'it\\\'s \\"x\\" a\\/b \\\\ \\n\\t'
    assert escape_javascript("é\x01😀") == "\\u00E9\\u0001\\uD83D\\uDE00"
    assert escape_javascript("plain") == "plain"
    assert escape_javascript(None) is None


def test_url_encode_is_java_urlencoder() -> None:
    assert url_encode('{"a": "b c"}') == "%7B%22a%22%3A+%22b+c%22%7D"
    assert url_encode("a*b-c_d.e~f/é") == "a*b-c_d.e%7Ef%2F%C3%A9"
    assert url_encode(None) == ""


def test_url_decode() -> None:
    assert url_decode("a+b%2Fc%C3%A9") == "a b/cé"
    with pytest.raises(ValueError, match="Illegal hex"):
        url_decode("bad%zz")


def test_base64_round_trip() -> None:
    assert base64_encode('{"foo": "bar1"}') == "eyJmb28iOiAiYmFyMSJ9"
    assert base64_decode("eyJmb28iOiAiYmFyMSJ9") == '{"foo": "bar1"}'
    with pytest.raises(ValueError, match="base64Decode"):
        base64_decode("***")


def test_parse_json_gives_maps_and_json_arrays() -> None:
    value = parse_json('{"a": [1, {"b": 2}]}')
    assert value == {"a": [1, {"b": 2}]}
    assert isinstance(value["a"], JsonArray)


def test_util_from_a_template() -> None:
    facts = RequestFacts(http_method="GET", path="/p", resource_path="/p", stage="s")
    source = (
        "$util.escapeJavaScript(\"it's\") $util.parseJson('{\"k\": [1]}').k $util.urlDecode('a+b')"
    )
    assert MappingTemplate(source).render(facts).output == "it\\'s [1] a b"
    with pytest.raises(TemplateError):
        MappingTemplate("$util.base64Decode('***')").render(facts)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("\b\f\r\n\t", "\\b\\f\\r\\n\\t"),
        ("\x00\x1f\x0b", "\\u0000\\u001F\\u000B"),
        ("\x7f~ ", "\x7f~ "),  # DEL and the rest of ASCII stay
        ("\x80\u20ac", "\\u0080\\u20AC"),
        ("a😀b😀", "a\\uD83D\\uDE00b\\uD83D\\uDE00"),  # one escape per UTF-16 code unit
    ],
)
def test_escape_javascript_as_commons_lang(text: str, escaped: str) -> None:
    assert escape_javascript(text) == escaped


def test_util_functions_print_non_strings_first() -> None:
    assert url_encode(5) == "5"
    assert escape_javascript(True) == "true"
    assert base64_encode("é") == "w6k="
    assert base64_decode("/w==") == "\ufffd"  # not UTF-8: the replacement character


@pytest.mark.parametrize("text", ["a%", "a%4", "%4g", "%%41", "100%"])
def test_url_decode_refuses_a_broken_escape(text: str) -> None:
    with pytest.raises(ValueError, match=r"^URLDecoder: Illegal hex characters in escape \(%\)"):
        url_decode(text)


def test_url_decode_takes_either_case_of_hex() -> None:
    assert url_decode("%c3%A9%41") == "éA"
    assert url_decode("a b!$") == "a b!$"  # only '%' starts an escape
    assert url_decode(None) == ""
