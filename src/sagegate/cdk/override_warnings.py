"""The `AWS_SOLUTIONS_CONSTRUCTS_WARNING` lines upstream prints when a default is overridden.

Upstream diffs its default props against the user's with the `deep-diff` package and prints
one line per *edited* value (added or removed keys are not reported), with the old and new
values when both are plain readable strings. It also prints "Possible override of X value."
for a few keys it cannot diff (durations and the like). The same lines, in the same order,
make switching constructs invisible in a deploy log too. `overrideWarningsEnabled=false` in the
environment silences them, as upstream.

https://github.com/awslabs/aws-solutions-constructs/blob/main/source/patterns/%40aws-solutions-constructs/core/lib/override-warning-service.ts
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sagegate.cdk.props_tree import StructNode

_WARNING = "\x1b[103;30m"  # black on yellow
_LABEL = "\x1b[31;1m"  # bold red
_RESET = "\x1b[22;49;39m"

# Keys upstream does not diff (deep-diff cannot walk a cdk.Duration); 'node' silently.
_PREFILTERED = ("maxRecordAge", "expiration", "transitionAfter", "destination", "timeout", "period")

Printer = Callable[[str], None]
EnumRenderer = Callable[[enum.Enum], Any]


def print_warning(message: str) -> None:
    """Print one warning line exactly as upstream's `printWarning` does (to standard output)."""
    sys.stdout.write(f"{_WARNING}WARN{_RESET}{_LABEL} AWS_SOLUTIONS_CONSTRUCTS_WARNING:{_RESET}  ")
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


def warnings_enabled() -> bool:
    """False when `overrideWarningsEnabled=false` is set, as upstream reads it."""
    # The variable name is upstream's, mixed case and all.
    return os.environ.get("overrideWarningsEnabled") != "false"  # noqa: SIM112


@dataclass(frozen=True)
class _Edit:
    path: tuple[str | int, ...]
    lhs: Any
    rhs: Any


class _Missing:
    """deep-diff's `undefined`: a key one side does not have."""


_MISSING = _Missing()


def _access_log_format_fields(value: object) -> dict[str, Any] | None:
    # An AccessLogFormat is a class instance whose one own field, `format`, deep-diff walks.
    from aws_cdk import aws_apigateway

    if isinstance(value, aws_apigateway.AccessLogFormat):
        return {"format": value.to_string()}
    return None


def _js_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Differ:
    """A port of deep-diff's walk, restricted to what upstream reports (edits)."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self.edits: list[_Edit] = []

    def diff(self, lhs: Any, rhs: Any, path: tuple[str | int, ...], key: str | int | None) -> None:
        if key is not None:
            if isinstance(key, str) and (key in _PREFILTERED or key == "node"):
                if key != "node":
                    self.printer(f"Possible override of {key} value.")
                return
            path = (*path, key)
        if lhs is _MISSING or rhs is _MISSING:
            return  # a new or deleted key: upstream keeps only edits
        if lhs is rhs:
            return
        lhs_fields = _access_log_format_fields(lhs)
        rhs_fields = _access_log_format_fields(rhs)
        if lhs_fields is not None and rhs_fields is not None:
            self._objects(lhs_fields, rhs_fields, path)
            return
        if isinstance(lhs, Mapping) and isinstance(rhs, Mapping):
            self._objects(lhs, rhs, path)
            return
        if isinstance(lhs, list) and isinstance(rhs, list):
            # deep-diff reports length changes as array kinds and walks the common part
            # from the end; only the edits inside matter here.
            for index in reversed(range(min(len(lhs), len(rhs)))):
                self.diff(lhs[index], rhs[index], path, index)
            return
        if _js_type(lhs) != _js_type(rhs):
            self.edits.append(_Edit(path, lhs, rhs))
            return
        if isinstance(lhs, enum.Enum) or isinstance(rhs, enum.Enum):
            if lhs is not rhs:
                self.edits.append(_Edit(path, lhs, rhs))
            return
        if lhs != rhs:
            self.edits.append(_Edit(path, lhs, rhs))

    def _objects(
        self,
        lhs: Mapping[str, Any],
        rhs: Mapping[str, Any],
        path: tuple[str | int, ...],
    ) -> None:
        names = _js_names(lhs, rhs)
        for key in lhs:
            self.diff(lhs[key], rhs.get(key, _MISSING), path, names(key))
        for key in rhs:
            if key not in lhs:
                self.diff(_MISSING, rhs[key], path, names(key))


def _js_names(*nodes: Mapping[str, Any]) -> Callable[[str], str]:
    def name(key: str) -> str:
        for node in nodes:
            if isinstance(node, StructNode):
                return node.js_name(key)
        return key

    return name


def _format_path(path: tuple[str | int, ...]) -> str:
    # upstream's formatOverridePath: a,b,c -> a[b][c]
    if len(path) > 1:
        return f"{path[0]}" + "".join(f"[{part}]" for part in path[1:])
    return ",".join(str(part) for part in path)


def _readable(value: Any, render_enum: EnumRenderer) -> str | None:
    if isinstance(value, enum.Enum):
        value = render_enum(value)
    if isinstance(value, str) and "${Token[" not in value and value != "":
        return value
    return None


def flag_overridden_defaults(
    default_props: Any,
    user_props: Any,
    *,
    render_enum: EnumRenderer,
    printer: Printer = print_warning,
) -> None:
    """Print upstream's warning for every default value that `user_props` edits.

    `render_enum` gives an enum member's JavaScript value (e.g. `AuthorizationType.IAM` is
    "AWS_IAM" there), since the lines show JavaScript values.
    """
    differ = _Differ(printer)
    differ.diff(default_props, user_props, (), None)
    for edit in differ.edits:
        if "node" in edit.path or "bind" in edit.path:
            continue
        lhs = _readable(edit.lhs, render_enum)
        rhs = _readable(edit.rhs, render_enum)
        details = f" Default value: '{lhs}'. You provided: '{rhs}'." if lhs and rhs else ""
        printer(
            f"An override has been provided for the property: {_format_path(edit.path)}." + details
        )
