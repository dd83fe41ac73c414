"""Java's String, List and Map methods as a template calls them, by their Javadoc.

https://docs.oracle.com/javase/8/docs/api/java/lang/String.html
https://docs.oracle.com/javase/8/docs/api/java/util/List.html
"""

from __future__ import annotations

from typing import Any

import pytest

from sagegate.gateway.vtl.methods import call_method, get_index, get_property
from sagegate.gateway.vtl.values import ContextMap


@pytest.mark.parametrize(
    ("text", "name", "args", "result"),
    [
        # lastIndexOf(str, fromIndex) searches backward from fromIndex: a match may start there.
        ("abcabc", "lastIndexOf", ["bc"], 4),
        ("abcabc", "lastIndexOf", ["bc", 3], 1),
        ("abcabc", "lastIndexOf", ["bc", 4], 4),
        ("abcabc", "lastIndexOf", ["abc", 3], 3),
        ("abcabc", "lastIndexOf", ["abc", 2], 0),
        ("abcabc", "lastIndexOf", ["z", 5], -1),
        ("abcabc", "indexOf", ["c", 3], 5),
        ("abcabc", "indexOf", ["a", -4], 0),  # a negative fromIndex is 0
        ("abc", "substring", [0, 3], "abc"),
        ("abc", "substring", [3], ""),
        ("abc", "substring", [1, 1], ""),
        ("abc", "charAt", [2], "c"),
        ("\t\x00 a b\x1f ", "trim", [], "a b"),  # every char <= U+0020, only those
        ("\u00a0a\u2003", "trim", [], "\u00a0a\u2003"),
        ("    ", "trim", [], ""),
        ("", "isEmpty", [], True),
        (" ", "isEmpty", [], False),
        ("abc", "startsWith", ["bc", 1], True),
        ("abc", "startsWith", ["ab", -1], False),
        ("abc", "endsWith", ["bc"], True),
        ("abc", "compareTo", ["abd"], -1),
        ("b", "compareTo", ["a"], 1),
        ("ab", "compareTo", ["a"], 1),
        ("a", "compareTo", ["abc"], -2),
        ("A", "compareTo", ["a"], -32),
        ("abc", "compareTo", ["abc"], 0),
        ("aBc", "equalsIgnoreCase", ["AbC"], True),
        ("abc", "equalsIgnoreCase", ["abd"], False),
        ("abd", "equalsIgnoreCase", ["abc"], False),
        ("1", "equalsIgnoreCase", [1], False),
        ("abc", "equals", ["abc"], True),
        ("1", "equals", [1], False),
        ("a-b", "concat", ["-c"], "a-b-c"),
        ("a.b.c", "replace", [".", "/"], "a/b/c"),
        ("abc", "contains", ["bc"], True),
        ("Ab", "toUpperCase", [], "AB"),
        ("Ab", "toLowerCase", [], "ab"),
        ("abc", "length", [], 3),
        ("abc", "noSuchMethod", [], None),
    ],
)
def test_string_methods(text: str, name: str, args: list[Any], result: Any) -> None:
    assert call_method(text, name, args) == result


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("abc", "substring", [-1]),
        ("abc", "substring", [0, 4]),
        ("abc", "substring", [2, 1]),
        ("abc", "charAt", [3]),
        ("abc", "charAt", [-1]),
    ],
)
def test_string_index_out_of_range(text: str, name: str, args: list[Any]) -> None:
    with pytest.raises(IndexError, match=r"^String index out of range: "):
        call_method(text, name, args)


def test_list_methods() -> None:
    items: list[Any] = ["a", "b"]
    assert call_method(items, "add", ["c"]) is True
    assert call_method(items, "add", [0, "z"]) is None  # add(index, element) is void
    assert items == ["z", "a", "b", "c"]
    assert call_method(items, "set", [1, "y"]) == "a"
    assert call_method(items, "get", [1]) == "y"
    assert call_method(items, "indexOf", ["c"]) == 3
    assert call_method(items, "indexOf", ["nope"]) == -1
    assert call_method(items, "remove", ["c"]) is True
    assert call_method(items, "remove", ["c"]) is False
    assert call_method(items, "remove", [0]) == "z"  # remove(int index) gives the element
    assert call_method(items, "contains", ["b"]) is True
    assert call_method(items, "addAll", [["q"]]) is True
    assert call_method(items, "addAll", [[]]) is False
    assert (call_method(items, "size", []), call_method(items, "isEmpty", [])) == (3, False)
    call_method(items, "clear", [])
    assert call_method(items, "isEmpty", []) is True
    assert call_method(range(3), "get", [2]) == 2


@pytest.mark.parametrize("index", [-1, 2, 3])
def test_list_index_out_of_bounds(index: int) -> None:
    with pytest.raises(IndexError, match=rf"^Index {index} out of bounds for length 2$"):
        call_method(["a", "b"], "get", [index])


def test_map_methods() -> None:
    mapping: dict[str, Any] = {"a": 1}
    assert call_method(mapping, "put", ["b", 2]) is None
    assert call_method(mapping, "put", ["a", 3]) == 1
    assert call_method(mapping, "keySet", []) == ["a", "b"]
    assert call_method(mapping, "values", []) == [3, 2]
    assert call_method(mapping, "containsKey", ["b"]) is True
    assert call_method(mapping, "containsValue", [2]) is True
    assert call_method(mapping, "remove", ["b"]) == 2
    assert call_method(mapping, "remove", ["b"]) is None
    assert (call_method(mapping, "size", []), call_method(mapping, "isEmpty", [])) == (1, False)
    assert call_method({}, "isEmpty", []) is True
    call_method(mapping, "putAll", [{"c": 4}])
    assert mapping == {"a": 3, "c": 4}


def test_scalar_methods() -> None:
    assert call_method(2.9, "intValue", []) == 2
    assert call_method(3, "doubleValue", []) == 3.0
    assert call_method(True, "booleanValue", []) is True
    assert call_method(object(), "toString", []) is None  # no methods: null


def test_properties_are_map_keys_or_getters() -> None:
    assert get_property({"size": 5}, "size") == 5
    assert get_property(["a"], "empty") is False  # isEmpty()
    assert get_property("ab", "bytes") is None
    assert get_property([1, 2], "size") is None  # size() is no getter: getSize/isSize
    assert get_property("abc", "") is None
    assert get_property(None, "x") is None
    assert get_property(ContextMap(a=1), "a") == 1


def test_index_notation() -> None:
    assert get_index(["a", "b"], 1) == "b"
    assert get_index(["a", "b"], 2) is None
    assert get_index(["a", "b"], -1) is None
    assert get_index({"k": "v"}, "k") == "v"
    assert get_index("text", 0) is None
