"""The JSONPath subset API Gateway's `$input.path`/`$input.json` accept.

Supported: `$`, `.name`, `['name']`/`["name"]`, `[n]` (negative counts from the end),
`[*]`/`.*` and `..name`/`..*`. A definite path gives the value or null; a path with a
wildcard or deep scan gives a JSON array of every match, as Jayway JsonPath does (a deep scan
walks depth first, each node before its children: Jayway's `ScanPathToken.walk`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from sagegate.gateway.vtl.values import JsonArray


class JsonPathError(ValueError):
    """A JSONPath expression outside the supported subset."""


_TOKEN = re.compile(
    r"""\.\.(?P<scan_all>\*)
      | \.\.(?P<scan>[A-Za-z0-9_$@-]+)
      | \.(?P<key>[A-Za-z0-9_$@-]+)
      | \.(?P<dot_star>\*)
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<star>\*)\s*\]
      | \[\s*'(?P<single_quoted>[^']*)'\s*\]
      | \[\s*"(?P<double_quoted>[^"]*)"\s*\]""",
    re.VERBOSE,
)


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _walk(value: Any) -> Iterator[Any]:
    """`value` and everything below it, depth first, each node before its children."""
    stack = [value]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_children(node)))


def _key(value: Any, key: Any) -> list[Any]:
    return [value[key]] if isinstance(value, dict) and key in value else []


def _index(value: Any, index: Any) -> list[Any]:
    if isinstance(value, list) and -len(value) <= index < len(value):
        return [value[index]]
    return []


def _wildcard(value: Any, _: Any) -> list[Any]:
    return _children(value)


def _scan(value: Any, key: Any) -> list[Any]:
    return [node[key] for node in _walk(value) if isinstance(node, dict) and key in node]


def _scan_all(value: Any, _: Any) -> list[Any]:
    return [child for node in _walk(value) for child in _children(node)]


# A step applies its function, with its argument, to each value the path has reached.
Step = tuple[Callable[[Any, Any], list[Any]], Any]
_STEPS: dict[str, Callable[[str], Step]] = {
    "scan_all": lambda _: (_scan_all, None),
    "scan": lambda name: (_scan, name),
    "key": lambda name: (_key, name),
    "dot_star": lambda _: (_wildcard, None),
    "index": lambda number: (_index, int(number)),
    "star": lambda _: (_wildcard, None),
    "single_quoted": lambda name: (_key, name),
    "double_quoted": lambda name: (_key, name),
}
_DEFINITE = (_key, _index)


def parse_path(expression: str) -> tuple[Step, ...]:
    """Parse a JSONPath expression."""
    text = expression.strip()
    if not text.startswith("$"):
        raise JsonPathError(f"JSONPath must start with '$': {expression!r}")
    steps: list[Step] = []
    position = 1
    while text[position:]:
        match = _TOKEN.match(text, position)
        if match is None:
            raise JsonPathError(f"unsupported JSONPath at {position}: {expression!r}")
        token = match.lastgroup
        assert token is not None, "every alternative is one named group"
        steps.append(_STEPS[token](match[token]))
        position = match.end()
    return tuple(steps)


@lru_cache(maxsize=1024)
def _plan(expression: str) -> tuple[tuple[Step, ...], bool]:
    """The steps of `expression`, and whether it is definite (no wildcard, no deep scan).

    Cached: a template asks for the same few expressions on every request."""
    steps = parse_path(expression)
    return steps, all(apply in _DEFINITE for apply, _ in steps)


def evaluate(document: Any, expression: str) -> Any:
    """Evaluate `expression` on the parsed `document`."""
    steps, definite = _plan(expression)
    current = [document]
    for apply, argument in steps:
        current = [found for value in current for found in apply(value, argument)]
    if definite:
        return next(iter(current), None)
    return JsonArray(current)
