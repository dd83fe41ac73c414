"""$input: body, path, json, params (lookup order, hidden headers)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sagegate.gateway.vtl import MappingTemplate, RequestFacts, jsonpath
from sagegate.gateway.vtl.values import from_json


def facts(**overrides: object) -> RequestFacts:
    values: dict[str, object] = {
        "http_method": "POST",
        "path": "/dev/things/7",
        "resource_path": "/things/{id}",
        "stage": "dev",
        "path_params": {"id": "7", "shared": "from-path"},
        "query": {"shared": ["from-query"], "q": ["1", "2"], "only": ["q"]},
        "headers": {"Shared": "from-header", "X-Token": "abc", "Connection": "close"},
        "body": b'{"a": {"b": [1, 2.5, {"c": "d"}]}, "n": null, "s": "t"}',
    }
    return RequestFacts(**(values | overrides))  # type: ignore[arg-type]


def render(source: str, **overrides: object) -> str:
    return MappingTemplate(source).render(facts(**overrides)).output


def test_params_search_path_then_query_then_header() -> None:
    assert render("$input.params('shared')") == "from-path"
    assert render("$input.params('only')") == "q"
    assert render("$input.params('x-token')") == "abc"  # headers case-insensitively
    assert render("[$input.params('missing')]") == "[]"
    assert render("$input.params('q')") == "2"  # a repeated query parameter: the last


def test_params_hide_the_headers_aws_hides() -> None:
    assert render("[$input.params('Connection')]") == "[]"
    assert "Connection" not in render("$input.params().header")


def test_params_without_a_name_prints_java_maps() -> None:
    out = render("$input.params()", headers={"H": "v"})
    assert (
        out == "{path={id=7, shared=from-path}, "
        "querystring={shared=from-query, q=2, only=q}, header={H=v}}"
    )
    assert render("$input.params().path.id") == "7"


def test_body_and_empty_body() -> None:
    assert render("$input.body", body=b"raw") == "raw"
    assert render("$input.body", body=None) == "{}"


def test_path_values_print_java_style() -> None:
    assert render("$input.path('$.a')") == '{b=[1,2.5,{"c":"d"}]}'
    assert render("$input.path('$.a.b')") == '[1,2.5,{"c":"d"}]'
    assert render("$input.path('$.a.b[2]')") == "{c=d}"
    assert render("$input.path('$.a.b[-1].c')") == "d"
    assert render("[$input.path('$.n')][$input.path('$.nope')]") == "[][]"
    assert render("$input.path(\"$['a']['b'][0]\")") == "1"
    assert render("$input.path('$..c')") == '["d"]'
    assert render("$input.path('$.a.b[*]').size()") == "3"


def test_json_serialises_the_selection() -> None:
    assert render("$input.json('$.a.b')") == '[1,2.5,{"c":"d"}]'
    assert render("$input.json('$.s')") == '"t"'
    assert render("$input.json('$.nope')") == "null"


def test_body_is_parsed_only_when_used() -> None:
    # An invalid JSON body is fine as long as the template never asks for JSON.
    assert render("$input.params('id')", body=b"not json") == "7"


def _every_match(document: Any, expression: str) -> Any:
    """The general walk (a list of matches per step) that a definite path short-cuts."""
    current = [document]
    for step in jsonpath.parse_path(expression):
        current = [found for value in current for found in jsonpath._apply(step, value)]
    return current[0] if current else None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=8,
)
_DEFINITE = st.lists(
    st.sampled_from([".a", ".b", "['a']", "[0]", "[1]", "[-1]", "[-3]", "[5]"]), max_size=4
).map(lambda steps: "$" + "".join(steps))


@settings(max_examples=300, deadline=None)
@given(text=_JSON.map(json.dumps), expression=_DEFINITE)
def test_a_definite_path_follows_one_value(text: str, expression: str) -> None:
    document = from_json(text)
    assert jsonpath.evaluate(document, expression) is _every_match(document, expression)
