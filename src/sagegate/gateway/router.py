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
        for part in [p for p in path.split("/") if p]:
            built += "/" + part
            if part.startswith("{") and part.endswith("+}"):
                if node.greedy is None:
                    node.greedy = _Node(built)
                    node.greedy_name = part[1:-2]
                node = node.greedy
            elif part.startswith("{"):  # '{name}': the readers check the form
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
        if len(segments) < 2 or segments[0] or segments[1] != self.stage:
            return None
        rest = segments[2:]
        if rest and rest[-1] == "":
            rest.pop()  # API Gateway ignores one trailing slash
        params: dict[str, str] = {}
        node = _find(self._root, rest, params)
        if node is None:
            return None
        methods = node.methods
        assert methods is not None, "_find returns resources only"
        value = methods.get(http_method)
        if value is None:
            value = methods.get("ANY")
        return None if value is None else (value, node.path, params)


def _find(node: _Node[T], segments: list[str], params: dict[str, str]) -> _Node[T] | None:
    """The resource for `segments` below `node`; fills `params` on the way."""
    if not segments:
        return node if node.methods is not None else None
    segment = segments[0]
    if "%" in segment:  # unquote gives any other segment back as it is, after a Python call
        segment = unquote(segment)
    child = node.literals.get(segment)
    if child is not None:
        found = _find(child, segments[1:], params)
        if found is not None:
            return found
    if node.param is not None and segment:
        found = _find(node.param, segments[1:], params)
        if found is not None:
            params[node.param_name] = segment
            return found
    if node.greedy is not None and node.greedy.methods is not None:
        rest = "/".join(segments)
        if rest:
            params[node.greedy_name] = unquote(rest)
            return node.greedy
    return None
