"""API Gateway's Velocity semantics, grafted onto an airspeed parse tree at compile time.

airspeed parses Velocity; its evaluation follows Python (Python methods on values,
`None != ''`, truthy empty strings, no loop cap). After parsing, `lexical.apply` puts the
tree's text and escapes right, then each node whose behaviour differs gets an
instance-level replacement here, once per template, so the render path pays nothing extra
and airspeed's module stays untouched for other users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from airspeed import operators as av

from sagegate.gateway.vtl import lexical, values
from sagegate.gateway.vtl.methods import call_method, get_index, get_property
from sagegate.gateway.vtl.tree import elements

# API Gateway caps #foreach at 1,000 iterations. It runs Velocity 1.7, whose
# `directive.foreach.maxloops` ends the loop silently at the cap (Foreach.render checks
# the count before each iteration): the output is truncated, not an error.
FOREACH_MAX_ITERATIONS = 1000

_JAVA_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": values.greater,
    "gt": values.greater,
    ">=": values.greater_equal,
    "ge": values.greater_equal,
    "<": values.less,
    "lt": values.less,
    "<=": values.less_equal,
    "le": values.less_equal,
    "==": values.equals,
    "eq": values.equals,
    "!=": lambda a, b: not values.equals(a, b),
    "ne": lambda a, b: not values.equals(a, b),
    "%": values.modulo,
    "||": lambda a, b: values.truthy(a) or values.truthy(b),
    "or": lambda a, b: values.truthy(a) or values.truthy(b),
    "&&": lambda a, b: values.truthy(a) and values.truthy(b),
    "and": lambda a, b: values.truthy(a) and values.truthy(b),
    "+": values.add,
    "-": values.subtract,
    "*": values.multiply,
    "/": values.divide,
}
# airspeed keeps only the Python function on a parsed operator node: map it back.
_BY_AIRSPEED_FUNCTION = {
    id(function): _JAVA_OPERATORS[symbol]
    for symbol, function in av.BinaryOperator.OPERATORS.items()
    if symbol in _JAVA_OPERATORS
}


def adapt(root: av.TemplateBody) -> None:
    """Give every node of the parsed template API Gateway's semantics (in place)."""
    lexical.apply(root)
    linked = links_scopes(root)
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
            continue
        if not isinstance(node, av._Element) or id(node) in seen:
            continue
        seen.add(id(node))
        _adapt_node(node, linked)
        for value in vars(node).values():
            # Some nodes keep a child only as a bound method (ParenthesizedExpression
            # stores `calculate = expression.calculate`): reach the child through it.
            stack.append(getattr(value, "__self__", value))


def _adapt_node(node: av._Element, linked: bool) -> None:
    if isinstance(node, av.NameOrCall):
        _adapt_name_or_call(node)
    elif isinstance(node, av.SubExpression):
        _adapt_subexpression(node)
    elif isinstance(node, av.FormalReference):
        node.evaluate_raw = _reference_renderer(node)
    elif isinstance(node, lexical.EscapedReference):
        node.evaluate_raw = _escaped_renderer(node)
    elif isinstance(node, av.ForeachDirective):
        node.evaluate_raw = _foreach_renderer(node, linked)
    elif isinstance(node, lexical.BreakDirective):
        node.evaluate_raw = _break_renderer(node)
    elif isinstance(node, lexical.StopWithMessage) and node.argument is not None:
        node.evaluate_raw = _stop_renderer(node.argument)
    elif isinstance(node, av.StopDirective):
        node.evaluate_raw = _stop
    elif isinstance(node, av.BinaryOperator):
        node.apply_to = _BY_AIRSPEED_FUNCTION[id(node.apply_to)]
    elif isinstance(node, av.Condition):
        expression = node.expression
        node.calculate = lambda ns, loader: values.truthy(expression.calculate(ns, loader))
    elif isinstance(node, av.ElseifBlock):
        condition = node.condition
        node.calculate = lambda ns, loader: condition.calculate(ns, loader)
    elif isinstance(node, av.UnaryOperatorValue):
        node.op = lambda value: not values.truthy(value)
    elif isinstance(node, av.Range):
        node.calculate = _range_calculator(node)
    elif isinstance(node, av.ArrayLiteral):
        # ArrayLiteral bound its values' calculate at parse time: re-bind it late so the
        # adapted Range above is the one that runs.
        node.calculate = lambda ns, loader: list(node.values.calculate(ns, loader))
    elif isinstance(node, av.MacroDefinition):
        # API Gateway does not support macros: a definition registers nothing ...
        node.evaluate_raw = lambda stream, ns, loader: None
    elif isinstance(node, av.MacroCall | av.EvaluateDirective):
        # ... and a call (or #evaluate, also unsupported) prints literally.
        text = node.my_text()
        node.evaluate_raw = lambda stream, ns, loader: stream.write(text)


def _adapt_name_or_call(node: av.NameOrCall) -> None:
    original = node.calculate
    name = node.name

    def calculate(current: Any, loader: Any, top: Any) -> Any:
        if isinstance(current, av.LocalNamespace):
            return original(current, loader, top)  # a variable lookup: airspeed's rules
        if node.parameters is not None:
            return call_method(current, name, node.parameters.calculate(top, loader))
        value = get_property(current, name)
        if node.index is not None:
            value = get_index(value, node.index.calculate(top, loader))
        return value

    node.calculate = calculate


def _adapt_subexpression(node: av.SubExpression) -> None:
    if not isinstance(node.expression, av.ArrayIndex):
        return
    index_node = node.expression

    def calculate(current: Any, loader: Any, top: Any) -> Any:
        value = get_index(current, index_node.calculate(top, loader))
        if node.subexpression is not None:
            value = node.subexpression.calculate(value, loader, top)
        return value

    node.calculate = calculate


def _reference_value(node: av.FormalReference, namespace: Any, loader: Any) -> Any:
    value = node.expression.calculate(namespace, loader)
    if value is None and node.alternate is not None:
        value = node.alternate.calculate(namespace, loader)
    return value


def _reference_renderer(node: av.FormalReference) -> Callable[[Any, Any, Any], None]:
    text = node.my_text()

    def evaluate_raw(stream: Any, namespace: Any, loader: Any) -> None:
        if node.expression is None:
            stream.write(text)
            return
        value = _reference_value(node, namespace, loader)
        # A null or undefined reference renders as '' on API Gateway (Velocity would
        # print the reference's source text).
        if value is not None:
            stream.write(values.to_text(value))

    return evaluate_raw


def _escaped_renderer(node: lexical.EscapedReference) -> Callable[[Any, Any, Any], None]:
    def evaluate_raw(stream: Any, namespace: Any, loader: Any) -> None:
        stream.write(node.prefix)
        value = _reference_value(node.reference, namespace, loader)
        if value is None:
            stream.write(node.when_null)
        else:
            stream.write(
                node.more + values.to_text(value) if node.literal is None else node.literal
            )

    return evaluate_raw


def range_list(first: Any, last: Any) -> list[int]:
    """`[first..last]`: inclusive, counting down when `last` is smaller."""
    if not (isinstance(first, int) and isinstance(last, int)):
        raise ValueError(f"range bounds must be integers, got {first!r}..{last!r}")
    step = 1 if last >= first else -1
    return list(range(first, last + step, step))


def _range_calculator(node: av.Range) -> Callable[[Any, Any], list[int]]:
    def calculate(namespace: Any, loader: Any) -> list[int]:
        return range_list(
            node.value1.calculate(namespace, loader), node.value2.calculate(namespace, loader)
        )

    return calculate


class ForeachScope(values.VtlObject):
    """`$foreach` inside a loop (Velocity 1.7's ForeachScope)."""

    __slots__ = ("count", "first", "hasNext", "index", "last")
    vtl_members = frozenset({"count", "index", "hasNext", "first", "last"})

    def __init__(self, index: int, total: int) -> None:
        self.index = index
        self.count = index + 1
        self.hasNext = index + 1 < total
        self.first = index == 0
        self.last = index + 1 == total

    def vtl_property(self, name: str) -> Any:
        """`$foreach.name` (every member is a plain attribute)."""
        return getattr(self, name) if name in self.vtl_members else None


class LinkedForeachScope(ForeachScope):
    """A ForeachScope that also knows its loop (`owner`, what `#break($foreach)` stops) and
    the `$foreach` it hid (`$foreach.parent`, when that was a scope: Scope.java's constructor).

    Used instead of ForeachScope in a template that can tell them apart (`links_scopes`), so
    loops elsewhere pay nothing for the links.
    """

    __slots__ = ("owner", "parent", "replaced")
    vtl_members = ForeachScope.vtl_members | {"parent", "topmost"}

    def __init__(self, index: int, total: int, owner: Any, previous: Any) -> None:
        super().__init__(index, total)
        self.owner = owner
        self.parent = previous if isinstance(previous, LinkedForeachScope) else None
        # What the scope hid when that was no scope (Scope.getReplaced): not a member.
        self.replaced = None if isinstance(previous, ForeachScope) else previous

    @property
    def topmost(self) -> LinkedForeachScope:
        """The outermost enclosing loop's scope (Scope.getTopmost)."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


class BreakCommand(BaseException):
    """A running `#break` (Velocity 1.7's StopCommand, which extends Error).

    `owner` is the loop (its ForeachDirective node) a `#break($scope)` stops, None for a
    bare `#break` (the innermost scope). A BaseException, so airspeed's error wrapping and
    the `except Exception` clauses between the directive and its loop let it through.
    """

    def __init__(self, owner: Any) -> None:
        super().__init__("#break for a #foreach that is not running" if owner else "#break")
        self.owner = owner


class StopCommand(BaseException):
    """A running `#stop`: the template's execution ends where it ran (Velocity 1.7's
    Stop.render throws a StopCommand, an Error, that only Template.merge catches: Stop.java
    lines 85-96, Template.java lines 358-368). What was written before it is the output;
    nothing after it runs, so a later `#set($context.responseOverride...)` has no effect.

    A BaseException, like BreakCommand: no #foreach, no error wrapping and no interpolated
    string stops it (ASTStringLiteral.value catches only RuntimeException, lines 355-358).
    """


def _stop(stream: Any, namespace: Any, loader: Any) -> None:
    raise StopCommand("#stop")


def _stop_renderer(argument: Any) -> Callable[[Any, Any, Any], None]:
    def evaluate_raw(stream: Any, namespace: Any, loader: Any) -> None:
        # Stop.render evaluates the message (String.valueOf of it is only logged), so its
        # side effects happen and its errors fail the render before the template stops.
        argument.calculate(namespace, loader)
        raise StopCommand("#stop")

    return evaluate_raw


def break_to(scope: Any, text: str) -> NoReturn:
    """`#break(scope)`: stop the loop whose `$foreach` `scope` is (Break.render)."""
    if isinstance(scope, LinkedForeachScope):
        raise BreakCommand(scope.owner)
    # Velocity 1.7 (Break.java, render): "... is not a valid Scope instance", a render error.
    raise ValueError(f"{text} is not a valid scope for #break")


def links_scopes(root: Any) -> bool:
    """Whether a template needs LinkedForeachScope: it breaks to a named scope, names
    `parent` / `topmost` (perhaps `$foreach.parent`) anywhere, or has a `#foreach($foreach
    in ...)` (see `after_foreach_variable`)."""
    return any(
        (isinstance(item, lexical.BreakDirective) and item.argument is not None)
        or (isinstance(item, av.NameOrCall) and item.name in ("parent", "topmost"))
        or (isinstance(item, av.ForeachDirective) and item.loop_var_name == "foreach")
        for item in elements(root)
    )


def after_foreach_variable(previous: Any) -> Any:
    """`$foreach` after a `#foreach($foreach in ...)` over a collection, given its value
    before the loop (None: unset); raises where Velocity 1.7 fails.

    Foreach.render (1.7: lines 367-395) saves the variable's value, puts the loop's scope as
    `$foreach`, then each item as the variable, so the body sees the item. Foreach.clean
    (lines 443-490) puts the saved value back (or removes the variable), then
    Directive.postRender (lines 192-224) casts what `$foreach` now holds to a Scope and
    calls getParent() on it: with nothing saved that is a NullPointerException, a render
    error; a scope (the loop is inside another) is replaced by its parent, or what it
    replaced, or removed; any other value stays (the ClassCastException is ignored).
    """
    if previous is None:
        raise ValueError(
            "#foreach($foreach ...): $foreach is null after the loop (Velocity 1.7's"
            " Directive.postRender throws a NullPointerException)"
        )
    if isinstance(previous, LinkedForeachScope):
        return previous.parent if previous.parent is not None else previous.replaced
    return previous


def _break_renderer(node: lexical.BreakDirective) -> Callable[[Any, Any, Any], None]:
    argument = node.argument
    if argument is None:

        def evaluate_raw(stream: Any, namespace: Any, loader: Any) -> None:
            raise BreakCommand(None)

        return evaluate_raw
    text = argument.my_text()

    def evaluate_scoped(stream: Any, namespace: Any, loader: Any) -> None:
        break_to(argument.calculate(namespace, loader), text)

    return evaluate_scoped


_LOOP_NAMES = ("foreach", "velocityCount", "velocityHasNext")
_ABSENT = object()


def _foreach_renderer(node: av.ForeachDirective, linked: bool) -> Callable[[Any, Any, Any], None]:
    loop_var = node.loop_var_name
    # `#foreach($foreach ...)`, `#foreach($velocityCount ...)`: Foreach.render puts the
    # counter, the hasNext flag, then the item (1.7: lines 392-395), so the item wins.
    rebinds_scope = loop_var in _LOOP_NAMES

    def evaluate_raw(stream: Any, namespace: Any, loader: Any) -> None:
        collection = node.value.calculate(namespace, loader)
        items = values.iterate(collection)
        items = items[:FOREACH_MAX_ITERATIONS]
        total = len(items)
        if not total and not (rebinds_scope and values.iterable(collection)):
            return
        # Velocity sets the loop variables in the template's own context (a #set inside
        # the body stays visible after the loop), restoring the previous values after.
        names = (loop_var, *_LOOP_NAMES)
        saved = [dict.get(namespace, name, _ABSENT) for name in names]
        previous = None if saved[1] is _ABSENT else saved[1]
        try:
            for index, item in enumerate(items):
                scope = (
                    LinkedForeachScope(index, total, node, previous)
                    if linked
                    else ForeachScope(index, total)
                )
                dict.__setitem__(namespace, loop_var, item)
                dict.__setitem__(namespace, "foreach", scope)
                dict.__setitem__(namespace, "velocityCount", scope.count)
                dict.__setitem__(namespace, "velocityHasNext", scope.hasNext)
                if rebinds_scope:  # Foreach.render puts the item last: the body sees it
                    dict.__setitem__(namespace, loop_var, item)
                try:
                    node.block.evaluate(stream, namespace, loader)
                except BreakCommand as command:
                    # Foreach.render (1.7, lines 423-435): a #break for this loop, or a bare
                    # one, ends it; any other goes on out, after the loop variables are put back.
                    if command.owner is None or command.owner is node:
                        break
                    raise
        finally:
            for name, value in zip(names, saved, strict=True):
                if value is _ABSENT:
                    dict.pop(namespace, name, None)
                else:
                    dict.__setitem__(namespace, name, value)
            if loop_var == "foreach":
                after = after_foreach_variable(previous)
                if after is None:
                    dict.pop(namespace, "foreach", None)
                else:
                    dict.__setitem__(namespace, "foreach", after)

    return evaluate_raw


__all__ = [
    "FOREACH_MAX_ITERATIONS",
    "BreakCommand",
    "ForeachScope",
    "LinkedForeachScope",
    "StopCommand",
    "adapt",
    "after_foreach_variable",
    "break_to",
    "links_scopes",
    "range_list",
]
