"""$input: body, path, json, params (lookup order, hidden headers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagegate.gateway.vtl import MappingTemplate, RequestFacts, TemplateError, jsonpath


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


def json_of(expression: str, body: Any) -> str:
    """What `$input.json(expression)` prints for a payload."""
    return render(f"$input.json('{expression}')", body=json.dumps(body).encode())


NESTED = {"x": {"y": {"k": 1}, "k2": [{"k": 2}]}, "z": {"k": 3}, "k": 0}


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        # Depth first, each node before its children (Jayway's ScanPathToken.walk), where a
        # breadth-first walk would give [0,3,1,2].
        ("$..k", "[0,1,2,3]"),
        ("$..k2[0].k", "[2]"),
        ("$..y", '[{"k":1}]'),
        ("$..missing", "[]"),
    ],
)
def test_a_deep_scan_lists_matches_depth_first(expression: str, printed: str) -> None:
    assert json_of(expression, NESTED) == printed


def test_a_deep_scan_wildcard_lists_every_value_below_the_root() -> None:
    document = {"a": {"b": {"c": 1}}, "d": [2, [3]]}
    assert json_of("$..*", document) == '[{"b":{"c":1}},[2,[3]],{"c":1},1,2,[3],3]'
    assert json_of("$.a.*", document) == '[{"c":1}]'
    assert json_of("$.d[*]", document) == "[2,[3]]"
    assert json_of("$..*", 5) == "[]"


@pytest.mark.parametrize(
    ("index", "printed"),
    [
        ("0", "1"),
        ("2", '{"c":"d"}'),
        ("3", "null"),
        ("-1", '{"c":"d"}'),
        ("-3", "1"),
        ("-4", "null"),
        ("7", "null"),
        (" 1 ", "2.5"),
    ],
)
def test_an_index_counts_from_either_end_within_the_list(index: str, printed: str) -> None:
    # The most negative index is minus the length; one more is out of the list, as in Jayway
    # (its IndexOutOfBounds is no match).
    assert render(f"$input.json('$.a.b[{index}]')") == printed


def test_quoted_names_are_any_text() -> None:
    document = {"": 1, "a b": {"$x": 2}, "$x": [{"$x": 3}]}
    assert jsonpath.evaluate(document, "$['']") == 1
    assert jsonpath.evaluate(document, '$["a b"][ "$x" ]') == 2
    # A name that sorts before '*' is still a name, not a wildcard.
    assert jsonpath.evaluate(document, "$..$x") == [[{"$x": 3}], 2, 3]


def test_an_index_into_a_wildcard_or_scan_applies_to_each_match() -> None:
    document = {"l": [[1, 2], [3], "s", {"0": 4}]}
    assert json_of("$.l[*][-1]", document) == "[2,3]"
    assert json_of("$..l[0]", document) == "[[1,2]]"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a", "JSONPath must start with '$': 'a'"),
        ("$.a b", "unsupported JSONPath at 3: '$.a b'"),
        ("$[", "unsupported JSONPath at 1: '$['"),
        ("$..", "unsupported JSONPath at 1: '$..'"),
    ],
)
def test_an_unsupported_path_fails_the_template_with_its_position(
    expression: str, message: str
) -> None:
    # What `sagegate invoke` and the console show for the 500 the failed template gives.
    with pytest.raises(TemplateError) as failure:
        render(f"$input.path('{expression}')")
    assert str(failure.value) == f"mapping template failed to render: {message}"
