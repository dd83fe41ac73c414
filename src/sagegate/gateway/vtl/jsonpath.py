"""The JSONPath subset API Gateway's `$input.path`/`$input.json` accept.

Supported: `$`, `.name`, `['name']`/`["name"]`, `[n]` (negative counts from the end),
`[*]`/`.*` and `..name`/`..*`. A definite path gives the value or null; a path with a
wildcard or deep scan gives a JSON array of every match, as Jayway JsonPath does (a deep scan
walks depth first, each node before its children: Jayway's `ScanPathToken.walk`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sagegate.gateway.vtl.values import JsonArray


class JsonPathError(ValueError):
    """A JSONPath expression outside the supported subset."""


@dataclass(frozen=True, slots=True)
class _Step:
    kind: str  # "key", "index", "wildcard" or "scan"
    key: str = ""
    index: int = 0


_TOKEN = re.compile(
    r"""\.\.(?P<scan>[A-Za-z0-9_$@-]+|\*)
      | \.(?P<key>[A-Za-z0-9_$@-]+)
      | \.(?P<dotstar>\*)
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<star>\*)\s*\]
      | \[\s*'(?P<squoted>[^']*)'\s*\]
      | \[\s*"(?P<dquoted>[^"]*)"\s*\]""",
    re.VERBOSE,
)


def parse_path(expression: str) -> tuple[_Step, ...]:
    """Parse a JSONPath expression."""
    text = expression.strip()
    if not text.startswith("$"):
        raise JsonPathError(f"JSONPath must start with '$': {expression!r}")
    steps: list[_Step] = []
    position = 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise JsonPathError(f"unsupported JSONPath at {position}: {expression!r}")
        groups = match.groupdict()
        if groups["scan"] is not None:
            steps.append(_Step("scan", key=groups["scan"]))
        elif groups["key"] is not None:
            steps.append(_Step("key", key=groups["key"]))
        elif groups["dotstar"] is not None or groups["star"] is not None:
            steps.append(_Step("wildcard"))
        elif groups["index"] is not None:
            steps.append(_Step("index", index=int(groups["index"])))
        else:
            steps.append(_Step("key", key=groups["squoted"] or groups["dquoted"] or ""))
        position = match.end()
    return tuple(steps)


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _scan(value: Any, key: str) -> list[Any]:
    found: list[Any] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key == "*":
                found.extend(node.values())
            elif key in node:
                found.append(node[key])
        elif isinstance(node, list) and key == "*":
            found.extend(node)
        # Depth first, each node before its children, the children in document order.
        stack.extend(reversed(_children(node)))
    return found


def _apply(step: _Step, value: Any) -> list[Any]:
    if step.kind == "key":
        return [value[step.key]] if isinstance(value, dict) and step.key in value else []
    if step.kind == "index":
        if isinstance(value, list) and -len(value) <= step.index < len(value):
            return [value[step.index]]
        return []
    if step.kind == "wildcard":
        return _children(value)
    return _scan(value, step.key)


@lru_cache(maxsize=1024)
def _plan(expression: str) -> tuple[tuple[_Step, ...], bool]:
    """The steps of `expression`, and whether it is definite (no wildcard, no deep scan).

    Cached: a template asks for the same few expressions on every request."""
    steps = parse_path(expression)
    return steps, not any(step.kind in ("wildcard", "scan") for step in steps)


def evaluate(document: Any, expression: str) -> Any:
    """Evaluate `expression` on the parsed `document`."""
    steps, definite = _plan(expression)
    current = [document]
    for step in steps:
        current = [found for value in current for found in _apply(step, value)]
    if definite:
        return current[0] if current else None
    return JsonArray(current)
