"""Java String methods, printing, equality, truthiness and arithmetic."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagegate.gateway.vtl import MappingTemplate, RequestFacts
from sagegate.gateway.vtl.java_regex import split
from sagegate.gateway.vtl.values import (
    _java_string_hash,
    add,
    divide,
    equals,
    greater,
    greater_equal,
    java_double,
    java_hashmap_order,
    less,
    less_equal,
    modulo,
    multiply,
    subtract,
    to_text,
)

FACTS = RequestFacts(http_method="GET", path="/p", resource_path="/p", stage="s")


def render(source: str) -> str:
    return MappingTemplate(source).render(FACTS).output


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#set($s = 'a,b,,c,,')$s.split(',')", "[a, b, , c]"),
        ("#set($s = 'a1b22c')$s.split('\\d+')", "[a, b, c]"),
        ("#set($s = 'a.b')$s.split('.').size()", "0"),
        ("#set($s = 'abc')$s.split('')", "[a, b, c]"),
        ("#set($s = 'a,b,c')$s.split(',', 2)", "[a, b,c]"),
        ("#set($s = 'john smith')$s.replaceAll('(\\w+) (\\w+)', '$2 $1')", "smith john"),
        ("#set($s = 'a-b-c')$s.replaceFirst('-', '+')", "a+b-c"),
        ("#set($s = 'a.b.c')$s.replace('.', '/')", "a/b/c"),
        ("#set($s = 'abc')$s.matches('b')|$s.matches('a.c')", "false|true"),
        ("#set($s = 'abc')$s.indexOf('z')|$s.indexOf('c')|$s.lastIndexOf('a')", "-1|2|0"),
        ("#set($s = 'abcdef')$s.substring(2)|$s.substring(1, 3)", "cdef|bc"),
        ("#set($s = '  hi ')[$s.trim()]|$s.length()", "[hi]|5"),
        ("#set($s = 'Ab')$s.toUpperCase()$s.toLowerCase()", "ABab"),
        ("#set($s = 'abc')$s.contains('b')$s.startsWith('a')$s.endsWith('c')", "truetruetrue"),
        (
            "#set($s = '')$s.isEmpty()|$s.equals('')|'x'.equalsIgnoreCase('X')",
            "true|true|'x'.equalsIgnoreCase('X')",
        ),
        ("#set($s = 'abc')$s.charAt(1)$s.concat('d')", "babcd"),
        ("#set($s = 'abc')$s.python_only()|$s.__class__", "|"),
    ],
)
def test_string_methods(source: str, expected: str) -> None:
    assert render(source) == expected


def test_java_split_edge_cases() -> None:
    assert split("", ",") == [""]
    assert split(",,,", ",") == []
    assert split("a,b,,", ",", -1) == ["a", "b", "", ""]
    assert split(",a,,b,", ",") == ["", "a", "", "b"]
    assert split("a", ",") == ["a"]
    assert split("a, b,  c", ", ") == ["a", "b", " c"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=",a; ", max_size=12),
    pattern=st.sampled_from([",", ";", "a", ",,", ", ", "; "]),
)
def test_literal_split_is_the_regex_split(text: str, pattern: str) -> None:
    # A literal pattern takes str.split; wrapped in a group it takes the regex path.
    assert split(text, pattern) == split(text, f"(?:{re.escape(pattern)})")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$x", ""),
        ("$!x ${x} $x.y.z", "  "),
        ("#set($m = {'a': 1, 'b': [1, 2], 'c': {'d': true}})$m", "{a=1, b=[1, 2], c={d=true}}"),
        ("#set($l = [1, 'a', 2.5])$l", "[1, a, 2.5]"),
        ("#set($m = {})#set($ignore = $m.put('k', $nothing))$m", "{k=null}"),
        ("#set($m = {'a': 1})$m.keySet() $m.values() $m.entrySet() $m.size()", "[a] [1] [a=1] 1"),
        ("#set($l = [])$l.add(1)$l.add(2)$l $l.get(1) $l.isEmpty()", "truetrue[1, 2] 2 false"),
        ("${context.identity}|$context.requestOverride", "|"),
    ],
)
def test_printing(source: str, expected: str) -> None:
    assert render(source) == expected


def test_doubles_print_like_java() -> None:
    assert java_double(2.0) == "2.0"
    assert java_double(3.52) == "3.52"
    assert java_double(1e7) == "1.0E7"
    assert java_double(-1.25e-4) == "-1.25E-4"
    assert java_double(0.001) == "0.001"
    assert java_double(float("nan")) == "NaN"
    assert java_double(0.00099999) == "9.9999E-4"
    assert java_double(9999999.999) == "9999999.999"
    assert java_double(-1e7) == "-1.0E7"
    assert java_double(-0.0) == "-0.0"
    assert java_double(float("-inf")) == "-Infinity"
    assert java_double(5e-324) == "5.0E-324"
    assert java_double(0.1 + 0.2) == "0.30000000000000004"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#if($nothing == '')T#else F#end", "T"),
        ("#if($nothing == $null)T#else F#end", "T"),
        ("#if($nothing != '')T#else F#end", " F"),
        ("#if([] == '')T#else F#end", " F"),
        ("#if('5' == 5)T#else F#end", "T"),
        ("#if(1 == 1.0)T#else F#end", "T"),
        ("#if($nothing)T#else F#end", "T"),
        ("#if('')T#else F#end", "T"),
        ("#if(0)T#else F#end", "T"),
        ("#if(false)T#else F#end", " F"),
        ("#if(!'')T#else F#end", " F"),
        ("#if('a' < 'b')T#else F#end", " F"),
        ("#if(2 > 1 && $nothing)T#else F#end", "T"),
    ],
)
def test_conditions(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#set($x = 7 / 2)$x", "3"),
        ("#set($x = -7 / 2)$x", "-3"),
        ("#set($x = -7 % 3)$x", "-1"),
        ("#set($x = 7.0 / 2)$x", "3.5"),
        ("#set($x = 'n' + 1)$x", "n1"),
        ("#set($x = 1 / 0)[$x]", "[]"),
        ("#set($x = $nothing + 1)[$x]", "[]"),
        ("#set($x = 3 - 1 * 2)$x", "1"),
    ],
)
def test_arithmetic(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("left", "right", "lt", "le", "gt", "ge"),
    [
        (1, 2, True, True, False, False),
        (2, 1, False, False, True, True),
        (2, 2, False, True, False, True),
        (1.5, 2, True, True, False, False),
        ("a", "b", False, False, False, False),  # not numbers: Velocity 1.7 says false
        (None, 1, False, False, False, False),
    ],
)
def test_comparisons(left: object, right: object, lt: bool, le: bool, gt: bool, ge: bool) -> None:
    assert [less(left, right), less_equal(left, right)] == [lt, le]
    assert [greater(left, right), greater_equal(left, right)] == [gt, ge]


@pytest.mark.parametrize(
    ("operation", "left", "right", "result"),
    [
        (add, 1, 2, 3),
        (add, 1.5, 1, 2.5),
        (add, "a", 1, "a1"),
        (add, 1, "a", "1a"),
        (add, "a", None, None),
        (add, [1], 2, None),
        (subtract, 5, 7, -2),
        (subtract, "5", 7, None),
        (multiply, 3, 4, 12),
        (multiply, "3", 4, None),
        (divide, 7, 2, 3),
        (divide, -7, 2, -3),  # integer division truncates toward zero, as in Java
        (divide, 7, -2, -3),
        (divide, -7, -2, 3),
        (divide, 7, -1, -7),
        (divide, 0, -3, 0),
        (divide, 7.0, 2, 3.5),
        (divide, 7, 0, None),
        (divide, "7", 1, None),
        (modulo, 7, 3, 1),
        (modulo, -7, 3, -1),  # the remainder has the dividend's sign
        (modulo, 7, -3, 1),
        (modulo, 5.5, 2, 1.5),
        (modulo, -5.5, 2, -1.5),
        (modulo, 7, 0, None),
    ],
)
def test_arithmetic_functions(
    operation: Callable[[object, object], object], left: object, right: object, result: object
) -> None:
    assert operation(left, right) == result


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", 0),
        ("a", 97),
        ("ab", 3105),
        ("é", 233),
        ("\U0001f600", 1772899),
        ("Aa", 2112),
        ("BB", 2112),
        ("polygenelubricants", 2**31),
    ],
)
def test_java_string_hash(text: str, code: int) -> None:
    # s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, as a 32-bit int (here unsigned):
    # Java's "polygenelubricants".hashCode() is Integer.MIN_VALUE.
    assert _java_string_hash(text) == code


def test_hashmap_order_is_bucket_order_then_insertion_order() -> None:
    # 'q' (113) and 'a' (97) share bucket 1 of a 16-bucket table: insertion order within it.
    twelve = ("q", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")
    assert java_hashmap_order(twelve) == ("q", "a", *twelve[2:])
    # The 13th key passes the 0.75 load factor: 32 buckets, and 'q' moves to bucket 17.
    thirteen = (*twelve, "l")
    assert java_hashmap_order(thirteen) == (*thirteen[1:], "q")
    assert java_hashmap_order(("b", "a")) == ("a", "b")


def test_null_prints_empty_at_the_top_and_null_inside_a_collection() -> None:
    assert (to_text(None), to_text([None, 1]), to_text({"k": None})) == (
        "",
        "[null, 1]",
        "{k=null}",
    )
    assert render("#set($l = [$nothing, 1])$nothing|$l") == "|[null, 1]"


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e8, "1.0E8"),
        (-1e8, "-1.0E8"),
        (1.5e-5, "1.5E-5"),
        (-123456789.5, "-1.234567895E8"),
        (float("nan"), "NaN"),
    ],
)
def test_double_to_string_outside_the_plain_range(value: float, printed: str) -> None:
    # Java's Double.toString: 'computerized scientific notation' outside [1e-3, 1e7).
    assert java_double(value) == printed


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [(1, 2, False), (2, 2.0, True), ("a", "a", True), ("a", "b", False), (None, "", True)],
)
def test_equality(left: object, right: object, equal: bool) -> None:
    assert equals(left, right) is equal


@pytest.mark.parametrize(
    ("operation", "left", "right", "result"),
    [(divide, 3, 3, 1), (divide, -3, -3, 1), (modulo, 0, 5, 0), (modulo, -6, 3, 0)],
)
def test_arithmetic_at_zero_and_equal_operands(
    operation: Callable[[object, object], object], left: object, right: object, result: object
) -> None:
    assert operation(left, right) == result


def test_a_map_entry_with_a_null_key_prints_null() -> None:
    # java.util.HashMap allows one null key; its entry prints as null=value.
    assert render("#set($m = {})#set($x = $m.put($nothing, 1))$m.entrySet()") == "[null=1]"
