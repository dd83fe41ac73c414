"""Java-style values as API Gateway's Velocity sees them, and how they print.

API Gateway evaluates templates on the JVM: JSON objects from `$input.path` and
`$util.parseJson` are `LinkedHashMap`s (print `{k=v}`), JSON arrays are json-smart
`JSONArray`s (print as compact JSON), list literals are `ArrayList`s (print `[a, b]`),
doubles print as `Double.toString`, and a null reference prints as ''.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

from mypy_extensions import mypyc_attr


@mypyc_attr(native_class=False)
class JsonArray(list[Any]):
    """A JSON array from a parsed body: prints as compact JSON, like json-smart's JSONArray."""

    __slots__ = ()


@mypyc_attr(native_class=False)
class ContextMap(dict[str, Any]):
    """A map inside `$context` (identity, requestOverride, ...).

    For parity with API Gateway it prints as '' (recorded: `$context.get('identity')` is
    empty) and its keySet() follows Java HashMap iteration order.
    """

    __slots__ = ()


@mypyc_attr(allow_interpreted_subclasses=True)
class VtlObject:
    """A host object exposed to templates ($input, $util, $foreach).

    Only the names in `vtl_members` are reachable from a template, so Python internals
    (`$input.__class__`) never leak.
    """

    __slots__ = ()
    vtl_members: ClassVar[frozenset[str]] = frozenset()

    def vtl_property(self, name: str) -> Any:
        """`$obj.name`: the member's value (None when not a member)."""
        if name not in self.vtl_members:
            return None
        value = getattr(self, name)
        return None if callable(value) else value

    def vtl_call(self, name: str, args: list[Any]) -> Any:
        """`$obj.name(args)`: call the member; a plain attribute answers a call with no args."""
        if name not in self.vtl_members:
            return None
        value = getattr(self, name)
        if callable(value):
            return value(*args)
        return value if not args else None


class MapEntry(VtlObject):
    """A `Map.Entry` from `entrySet()`."""

    __slots__ = ("key", "value")
    vtl_members: ClassVar[frozenset[str]] = frozenset({"key", "value", "getKey", "getValue"})

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value

    def getKey(self) -> Any:
        """Java `Map.Entry.getKey()`."""
        return self.key

    def getValue(self) -> Any:
        """Java `Map.Entry.getValue()`."""
        return self.value


def is_number(value: object) -> bool:
    """A Java Number (Python bool is an int, Java Boolean is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def java_double(value: float) -> str:
    """`Double.toString`: plain notation in [1e-3, 1e7), else `d.dddE±n`."""
    if 1e-3 <= abs(value) < 1e7:
        # Python's repr is plain in this range too (False for NaN), shortest round trip.
        return repr(value)
    if math.isnan(value):
        return "NaN"
    number = Decimal(repr(value))
    sign = "-" if number.is_signed() else ""
    if number.is_infinite():
        return f"{sign}Infinity"
    if number.is_zero():
        return f"{sign}0.0"
    digits = "".join(str(d) for d in number.as_tuple().digits).rstrip("0")
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}E{number.adjusted()}"


def _json_default(value: Any) -> Any:
    if isinstance(value, range):
        return list(value)
    return to_text(value)


def to_json(value: Any) -> str:
    """Compact JSON, as json-smart writes a JSONArray."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def to_text(value: Any, nested: bool = False) -> str:
    """How Velocity prints `value`: '' for a top-level null, `null` inside a collection."""
    if value.__class__ is float:
        # Doubles first: a response template prints many (measured 0.44 -> 0.25 µs each).
        return java_double(value)
    if value is None:
        return "null" if nested else ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, ContextMap):
        return ""
    if isinstance(value, JsonArray):
        return to_json(value)
    if isinstance(value, dict):
        pairs = [f"{to_text(k, True)}={to_text(v, True)}" for k, v in value.items()]
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list | tuple | range):
        return "[" + ", ".join(to_text(v, True) for v in value) + "]"
    if isinstance(value, MapEntry):
        return f"{to_text(value.key, True)}={to_text(value.value, True)}"
    return str(value)


def from_json(text: str) -> Any:
    """Parse JSON into Java-style values (arrays become JsonArray)."""
    return _arrays_to_json_arrays(json.loads(text))


def _arrays_to_json_arrays(value: Any) -> Any:
    # json.loads makes exactly list and dict, so class identity tests are enough (and
    # cheaper: this runs over every parsed body). `type(v)`, not `v.__class__`: compiled, the
    # one reads the object's type, the other is a generic attribute lookup.
    if type(value) is list:
        return _json_array(value)
    if type(value) is dict:
        return _json_object(value)
    return value


def _json_array(items: list[Any]) -> JsonArray:
    return JsonArray(
        [
            _json_array(v) if type(v) is list else _json_object(v) if type(v) is dict else v
            for v in items
        ]
    )


def _json_object(mapping: dict[str, Any]) -> dict[str, Any]:
    for key, item in mapping.items():
        if type(item) is list:
            mapping[key] = _json_array(item)
        elif type(item) is dict:
            _json_object(item)
    return mapping


def truthy(value: Any) -> bool:
    """Velocity 1.7 `#if`: only Boolean false is false.

    A null reference is TRUE on API Gateway (recorded: `#if(${a.b.c})yes!#end` prints
    `yes!`): AWS coerces null to '', which Velocity 1.7 treats as true.
    """
    return value is not False


def equals(left: Any, right: Any) -> bool:
    """Velocity 1.7 `==` with API Gateway's null-as-'' coercion (recorded: `null == ''`)."""
    if left is None:
        left = ""
    if right is None:
        right = ""
    if (is_number(left) and is_number(right)) or _same_kind(left, right):
        return bool(left == right)
    # Velocity 1.7 compares the toString() of objects of unrelated classes.
    return to_text(left) == to_text(right)


def _same_kind(left: Any, right: Any) -> bool:
    for kind in (str, bool, dict, list):
        if isinstance(left, kind) and isinstance(right, kind):
            return True
    return False


def _compare(left: Any, right: Any) -> int | None:
    if is_number(left) and is_number(right):
        return int(left > right) - int(left < right)
    return None  # Velocity 1.7 logs an error and the comparison is false


def less(left: Any, right: Any) -> bool:
    """`<`."""
    result = _compare(left, right)
    return result is not None and result < 0


def less_equal(left: Any, right: Any) -> bool:
    """`<=`."""
    result = _compare(left, right)
    return result is not None and result <= 0


def greater(left: Any, right: Any) -> bool:
    """`>`."""
    result = _compare(left, right)
    return result is not None and result > 0


def greater_equal(left: Any, right: Any) -> bool:
    """`>=`."""
    result = _compare(left, right)
    return result is not None and result >= 0


def add(left: Any, right: Any) -> Any:
    """`+`: numbers add; with a String operand, concatenation (Velocity 1.7); else null."""
    if is_number(left) and is_number(right):
        return left + right
    if left is not None and right is not None and (isinstance(left, str) or isinstance(right, str)):
        return to_text(left, True) + to_text(right, True)
    return None


def subtract(left: Any, right: Any) -> Any:
    """`-` (null unless both are numbers)."""
    return left - right if is_number(left) and is_number(right) else None


def multiply(left: Any, right: Any) -> Any:
    """`*` (null unless both are numbers)."""
    return left * right if is_number(left) and is_number(right) else None


def divide(left: Any, right: Any) -> Any:
    """`/`: integer division truncates toward zero as in Java; by zero gives null."""
    if not (is_number(left) and is_number(right)) or right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right)
        # Operands of the same sign have a non-negative XOR: a positive quotient.
        return quotient if left ^ right >= 0 else -quotient
    return left / right


def modulo(left: Any, right: Any) -> Any:
    """`%`: the Java remainder (sign of the dividend); by zero gives null."""
    if not (is_number(left) and is_number(right)) or right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        return left - right * divide(left, right)
    return math.fmod(left, right)


def iterate(value: Any) -> list[Any]:
    """What `#foreach` walks: a Map's values (as Velocity does), a collection's items."""
    # The concrete classes before the Iterable ABC, whose check costs ~1 µs a loop. Tuples of
    # classes, not `list | tuple | range`: a union is a new object made at every call.
    if isinstance(value, (list, tuple, range)):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    if value is None or isinstance(value, (str, int, float)):
        return []
    if isinstance(value, Iterable):
        return list(value)
    return []


def iterable(value: Any) -> bool:
    """Whether `#foreach` walks `value` (empty or not): what `iterate` takes items from.
    Velocity 1.7's Foreach.render returns at once, setting nothing, for anything else
    (null, or no iterator with `directive.foreach.skip.invalid`)."""
    if isinstance(value, list | tuple | range | dict):
        return True
    return not (value is None or isinstance(value, str | int | float)) and isinstance(
        value, Iterable
    )


def _java_string_hash(text: str) -> int:
    result = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        result = (31 * result + int.from_bytes(units[i : i + 2], "big")) & 0xFFFFFFFF
    return result


@lru_cache(maxsize=256)
def java_hashmap_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The iteration order of a `java.util.HashMap` filled with `keys` in this order.

    API Gateway's `$context` maps are HashMaps: their keySet() order is bucket order
    (hash spread as in JDK 8, table doubled past a 0.75 load factor), insertion order
    within a bucket.
    """
    capacity = 16
    while len(keys) > capacity * 0.75:
        capacity *= 2
    buckets: dict[int, list[str]] = {}
    for key in keys:
        h = _java_string_hash(key)
        buckets.setdefault((h ^ (h >> 16)) & (capacity - 1), []).append(key)
    return tuple(key for index in sorted(buckets) for key in buckets[index])
