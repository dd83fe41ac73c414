"""Render with both engines and insist they agree: output, overrides, `$context`, errors."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sagegate.gateway.vtl import ContextMap, MappingTemplate, RenderResult, RequestFacts
from sagegate.gateway.vtl import build_context_variables as build_context

Render = Callable[..., RenderResult]


@dataclass
class Tally:
    """How many renders were compared (so a test can show the check ran)."""

    renders: int = 0
    errors: int = 0


TALLY = Tally()


def snapshot(value: Any, depth: int = 0) -> Any:
    """A structural, comparable picture of a template value (types included)."""
    if depth > 20:
        return ("deep",)
    kind = type(value).__name__
    if value is None or isinstance(value, str | bool | int):
        return (kind, value)
    if isinstance(value, float):
        return (kind, repr(value) if math.isnan(value) else value)
    if isinstance(value, dict):
        return (
            kind,
            tuple((snapshot(k, depth + 1), snapshot(v, depth + 1)) for k, v in value.items()),
        )
    if isinstance(value, list | tuple | range):
        return (kind, tuple(snapshot(v, depth + 1) for v in value))
    return (kind,)  # host objects ($input, $foreach): their class is what a template sees


def root_cause(error: BaseException) -> type[BaseException]:
    """The exception class that made the render fail, under the engines' wrappers."""
    current = error
    while (
        current.__cause__ is not None
        and isinstance(current, Exception)
        and type(current).__name__ in ("TemplateError", "TemplateExecutionError")
    ):
        current = current.__cause__
    return type(current)


def _outcome(
    render: Render, facts: RequestFacts, context: ContextMap, body: Any
) -> tuple[tuple[Any, ...], RenderResult | Exception]:
    try:
        result = render(facts, context=context, body=body)
    except Exception as error:
        return ("error", type(error), root_cause(error), snapshot(context)), error
    return ("ok", result, snapshot(context)), result


def compare(
    template: MappingTemplate,
    compiled: Render,
    facts: RequestFacts,
    context: ContextMap | None,
    body: str | bytes | None,
) -> RenderResult | Exception:
    """Render with the reference engine (on a copy of `context`) and with `compiled`.

    Asserts both outcomes are identical; returns the compiled one (result or error).
    """
    if context is None:
        context = build_context(facts)
    reference_context = copy.deepcopy(context)
    expected, _ = _outcome(template.render_reference, facts, reference_context, body)
    actual, raw = _outcome(compiled, facts, context, body)
    assert actual == expected, (
        f"engines disagree on {template.source!r}:\ncompiled:  {actual}\nreference: {expected}"
    )
    TALLY.renders += 1
    if actual[0] == "error":
        TALLY.errors += 1
    return raw


def checking_render(original: Render) -> Render:
    """A `MappingTemplate.render` that also renders with the reference engine and compares."""

    def render(
        self: MappingTemplate,
        facts: RequestFacts,
        *,
        context: ContextMap | None = None,
        body: str | bytes | None = None,
    ) -> RenderResult:
        def compiled(facts: RequestFacts, *, context: ContextMap, body: Any) -> RenderResult:
            return original(self, facts, context=context, body=body)

        raw = compare(self, compiled, facts, context, body)
        if isinstance(raw, Exception):
            raise raw
        return raw

    return render


__all__ = ["TALLY", "Tally", "checking_render", "compare", "root_cause", "snapshot"]
