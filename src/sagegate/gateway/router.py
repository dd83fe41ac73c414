"""The resource tree as a lookup table: which resource and method a request path names.

API Gateway matches a path segment by segment, preferring a literal part to a `{param}` and
a `{param}` to a greedy `{proxy+}` (which takes the rest of the path, at least one segment)
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#api-gateway-proxy-resource).
The resource is chosen first, then the method on it (or its ANY): a resource without the
method is not found, even when a greedy resource above it has ANY, as on AWS.
The tree is built once; a lookup walks it, so its cost depends on the path's depth, not on
how many resources the API has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("greedy", "greedy_name", "literals", "methods", "param", "param_name", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.literals: dict[str, _Node[T]] = {}
        self.param: _Node[T] | None = None
        self.param_name = ""
        self.greedy: _Node[T] | None = None
        self.greedy_name = ""
        self.methods: dict[str, T] | None = None


class Router(Generic[T]):
    """Maps (method, '/stage/path...') to the value registered for a resource and method."""

    def __init__(self, stage: str, routes: Iterable[tuple[str, str, T]]) -> None:
        """`routes` are (resource path, HTTP method or 'ANY', value)."""
        self.stage = stage
        self._root: _Node[T] = _Node("/")
        for path, method, value in routes:
            node = self._node(path)
            if node.methods is None:
                node.methods = {}
            node.methods[method] = value

    def _node(self, path: str) -> _Node[T]:
        node = self._root
        built = ""
        for part in (p for p in path.split("/") if p):
            built += "/" + part
            if part.startswith("{") and part.endswith("+}"):
                if node.greedy is None:
                    node.greedy = _Node(built)
                    node.greedy_name = part[1:-2]
                node = node.greedy
            elif part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = _Node(built)
                    node.param_name = part[1:-1]
                node = node.param
            else:
                child = node.literals.get(part)
                if child is None:
                    child = node.literals[part] = _Node(built)
                node = child
        return node

    def match(self, http_method: str, raw_path: str) -> tuple[T, str, dict[str, str]] | None:
        """The value, the resource path and the path parameters; None when nothing matches."""
        segments = raw_path.split("/")
        # segments[0] is '' (the leading slash); segments[1] is the stage.
        if len(segments) < 2 or segments[0] != "" or segments[1] != self.stage:
            return None
        rest = segments[2:]
        if rest and rest[-1] == "":
            rest.pop()  # API Gateway ignores one trailing slash
        # The first path a depth-first search tries (literal, else parameter), walked without
        # recursion; only when it ends without a resource does the full search backtrack.
        params: dict[str, str] = {}
        node: _Node[T] | None = self._root
        for raw in rest:
            assert node is not None
            segment = unquote(raw) if "%" in raw else raw
            child = node.literals.get(segment)
            if child is None:
                if node.param is None or not segment:
                    node = None
                    break
                params[node.param_name] = segment
                child = node.param
            node = child
        if node is None or node.methods is None:
            params = {}
            node = _find(self._root, rest, 0, params)
            if node is None or node.methods is None:
                return None
        value = node.methods.get(http_method)
        if value is None:
            value = node.methods.get("ANY")
            if value is None:
                return None
        return value, node.path, params


def _find(
    node: _Node[T], segments: list[str], index: int, params: dict[str, str]
) -> _Node[T] | None:
    """The resource for segments[index:] below `node`; fills `params` on the way."""
    if index == len(segments):
        return node if node.methods is not None else None
    raw = segments[index]
    # unquote only a segment with an escape: most hold none.
    segment = unquote(raw) if "%" in raw else raw
    child = node.literals.get(segment)
    if child is not None:
        found = _find(child, segments, index + 1, params)
        if found is not None:
            return found
    if node.param is not None and segment:
        found = _find(node.param, segments, index + 1, params)
        if found is not None:
            params[node.param_name] = segment
            return found
    if node.greedy is not None and node.greedy.methods is not None:
        rest = "/".join(segments[index:])
        if rest:
            params[node.greedy_name] = unquote(rest) if "%" in rest else rest
            return node.greedy
    return None
