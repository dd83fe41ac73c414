"""Questions the code generator asks of an adapted airspeed parse tree."""

from __future__ import annotations

from typing import Any

from airspeed import operators as av

LOOP_NAMES = ("foreach", "velocityCount", "velocityHasNext")


def constant_text(block: av.Block) -> str | None:
    """The text a block always writes, when it holds nothing but text."""
    parts: list[str] = []
    for child in block.children:
        if isinstance(child, av.Text | av.FallthroughHashText):
            parts.append(child.text)
        elif isinstance(child, av.MacroCall | av.EvaluateDirective):
            parts.append(child.my_text())
        elif not isinstance(child, av.Comment | av.MacroDefinition):
            return None
    return "".join(parts)


def condition_expression(condition: av.Condition) -> av.Expression:
    """The expression inside `#if(...)` (kept by airspeed only as a bound method)."""
    expression: av.Expression = condition.expression.calculate.__self__
    return expression


def roots_written_through(root: Any) -> set[str]:
    """Variables some `#set($x.key = ...)` writes through."""
    return {
        item.root_term for item in elements(root) if isinstance(item, av.Assignment) and item.terms
    }


def names_written(root: Any) -> set[str]:
    """Variables some #set or #foreach writes."""
    written: set[str] = set()
    for item in elements(root):
        if isinstance(item, av.Assignment):
            written.add(item.root_term)
        elif isinstance(item, av.ForeachDirective):
            written.update((item.loop_var_name, *LOOP_NAMES))
    return written


def names_in(node: Any) -> list[str]:
    """Every variable name read or set anywhere under `node`."""
    names: list[str] = []
    for item in elements(node):
        if isinstance(item, av.NameOrCall):
            names.append(item.name)
        elif isinstance(item, av.Assignment):
            names.append(item.root_term)
        elif isinstance(item, av.ForeachDirective):
            names.append(item.loop_var_name)
    return names


def elements(node: Any) -> list[Any]:
    """Every parse-tree element under `node` (itself included)."""
    found: list[Any] = []
    stack: list[Any] = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            continue
        if not isinstance(item, av._Element) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        for value in vars(item).values():
            # ParenthesizedExpression keeps its child only as a bound method.
            stack.append(getattr(value, "__self__", value))
    return found
