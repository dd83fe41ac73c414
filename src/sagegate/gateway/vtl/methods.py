"""Java methods and properties on template values: String, List, Map, numbers.

Velocity resolves `$x.name(args)` by calling the Java method of the value's class and
`$x.name` by `Map.get("name")` or the getter `getName()`/`isName()`. Only the methods
below are reachable: a Python attribute never leaks into a template.
https://velocity.apache.org/engine/1.7/user-guide.html#propertylookuprules
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagegate.gateway.vtl import java_regex
from sagegate.gateway.vtl.values import (
    ContextMap,
    MapEntry,
    VtlObject,
    equals,
    is_number,
    java_hashmap_order,
    to_text,
)

Method = Callable[..., Any]


def _index_of(text: str, needle: Any, start: int = 0) -> int:
    return text.find(to_text(needle, True), max(start, 0))


def _last_index_of(text: str, needle: Any, start: int | None = None) -> int:
    wanted = to_text(needle, True)
    if start is None:
        return text.rfind(wanted)
    return text.rfind(wanted, 0, start + len(wanted))


def _substring(text: str, begin: int, end: int | None = None) -> str:
    stop = len(text) if end is None else end
    if begin < 0 or stop > len(text) or begin > stop:
        raise IndexError(f"String index out of range: begin {begin}, end {stop}")
    return text[begin:stop]


def _char_at(text: str, index: int) -> str:
    if not 0 <= index < len(text):
        raise IndexError(f"String index out of range: {index}")
    return text[index]


def _trim(text: str) -> str:
    # Java's trim() removes every char <= U+0020, not Unicode whitespace.
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def _starts_with(text: str, prefix: str, offset: int = 0) -> bool:
    return text.startswith(prefix, offset) if offset >= 0 else False


def _compare_to(text: str, other: str) -> int:
    for a, b in zip(text, other, strict=False):
        if a != b:
            return ord(a) - ord(b)
    return len(text) - len(other)


STRING_METHODS: dict[str, Method] = {
    "length": len,
    "isEmpty": lambda s: not s,
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "substring": _substring,
    "trim": _trim,
    "toUpperCase": lambda s: s.upper(),
    "toLowerCase": lambda s: s.lower(),
    "contains": lambda s, part: to_text(part, True) in s,
    "startsWith": _starts_with,
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "replace": lambda s, old, new: s.replace(to_text(old, True), to_text(new, True)),
    "replaceAll": java_regex.replace_all,
    "replaceFirst": java_regex.replace_first,
    "matches": java_regex.matches,
    "split": java_regex.split,
    "equals": lambda s, other: isinstance(other, str) and s == other,
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "compareTo": _compare_to,
    "concat": lambda s, other: s + other,
    "toString": lambda s: s,
}


def _list_get(items: list[Any], index: int) -> Any:
    if not 0 <= index < len(items):
        raise IndexError(f"Index {index} out of bounds for length {len(items)}")
    return items[index]


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = _list_get(items, index)
    items[index] = value
    return previous


def _list_add(items: list[Any], *args: Any) -> Any:
    if len(args) == 2:
        index, value = args
        items.insert(index, value)
        return None
    (value,) = args
    items.append(value)
    return True  # Java's List.add returns true, and Velocity prints it


def _list_remove(items: list[Any], target: Any) -> Any:
    if is_number(target) and isinstance(target, int):
        return items.pop(target)
    if target in items:
        items.remove(target)
        return True
    return False


def _list_index_of(items: list[Any], target: Any) -> int:
    return items.index(target) if target in items else -1


def _list_add_all(items: list[Any], more: list[Any]) -> bool:
    items.extend(more)
    return bool(more)


LIST_METHODS: dict[str, Method] = {
    "size": len,
    "isEmpty": lambda items: not items,
    "get": _list_get,
    "set": _list_set,
    "add": _list_add,
    "addAll": _list_add_all,
    "remove": _list_remove,
    "contains": lambda items, value: value in items,
    "indexOf": _list_index_of,
    "clear": lambda items: items.clear(),
    "toString": to_text,
    "equals": equals,
}


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def _map_put_all(mapping: dict[Any, Any], more: dict[Any, Any]) -> None:
    mapping.update(more)


def _key_set(mapping: dict[Any, Any]) -> list[Any]:
    if isinstance(mapping, ContextMap):
        return list(java_hashmap_order(tuple(mapping)))
    return list(mapping)


def _values(mapping: dict[Any, Any]) -> list[Any]:
    return [mapping[key] for key in _key_set(mapping)]


MAP_METHODS: dict[str, Method] = {
    "get": lambda mapping, key: mapping.get(key),
    "put": _map_put,
    "putAll": _map_put_all,
    "remove": lambda mapping, key: mapping.pop(key, None),
    "containsKey": lambda mapping, key: key in mapping,
    "containsValue": lambda mapping, value: value in mapping.values(),
    "keySet": _key_set,
    "values": _values,
    "entrySet": lambda mapping: [MapEntry(k, mapping[k]) for k in _key_set(mapping)],
    "size": len,
    "isEmpty": lambda mapping: not mapping,
    "clear": lambda mapping: mapping.clear(),
    "toString": to_text,
    "equals": equals,
}

SCALAR_METHODS: dict[str, Method] = {
    "toString": to_text,
    "equals": equals,
    "intValue": lambda number: int(number),
    "longValue": lambda number: int(number),
    "doubleValue": lambda number: float(number),
    "booleanValue": lambda flag: flag,
}


def _methods_for(value: Any) -> dict[str, Method]:
    if isinstance(value, str):
        return STRING_METHODS
    if isinstance(value, dict):
        return MAP_METHODS
    if isinstance(value, list):
        return LIST_METHODS
    if isinstance(value, bool | int | float):
        return SCALAR_METHODS
    return {}


def call_method(target: Any, name: str, args: list[Any]) -> Any:
    """`$target.name(args)`; an unknown method gives null, which renders as ''."""
    if isinstance(target, VtlObject):
        return target.vtl_call(name, args)
    if isinstance(target, range):
        target = list(target)
    method = _methods_for(target).get(name)
    if method is None:
        return None
    return method(target, *args)


def get_property(target: Any, name: str) -> Any:
    """`$target.name`: Map.get(name), else the getter `getName()` / `isName()`."""
    if target is None:
        return None
    if isinstance(target, dict):
        return target.get(name)
    if isinstance(target, VtlObject):
        return target.vtl_property(name)
    if not name:
        return None
    methods = _methods_for(target)
    capitalised = name[0].upper() + name[1:]
    for getter in ("get" + capitalised, "is" + capitalised):
        method = methods.get(getter)
        if method is not None:
            try:
                return method(target)
            except TypeError:  # the getter needs arguments: not a property
                return None
    return None


def get_index(target: Any, index: Any) -> Any:
    """`$target[index]` (Velocity 1.7 index notation): list item or map value, else null."""
    if isinstance(target, dict):
        return target.get(index)
    if isinstance(target, list | range) and isinstance(index, int):
        if not 0 <= index < len(target):
            return None
        return target[index]
    return None
