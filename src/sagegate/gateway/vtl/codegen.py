"""Translate an adapted airspeed parse tree into the source of one Python function.

The generated function is the compiled engine: it must do exactly what the reference
engine (airspeed's tree walk with `semantics.adapt` applied) does, in the same order, so
every sub-expression is evaluated into a temporary at the point airspeed would evaluate
it. Template variables become Python locals: nothing outside the template can see its
namespace (API Gateway has no #parse/#include/#define; a template using them is left to
the reference engine by raising `Unsupported`).
"""

from __future__ import annotations

from typing import Any

from airspeed import operators as av

from sagegate.gateway.vtl.semantics import FOREACH_MAX_ITERATIONS

# The names every render starts with; any other variable starts undefined (None).
GLOBAL_NAMES = ("input", "util", "context", "stageVariables")
_LOOP_NAMES = ("foreach", "velocityCount", "velocityHasNext")


class Unsupported(Exception):
    """A construct the compiled engine leaves to the reference engine."""


class _Output:
    """One output buffer (the template's, or an interpolated string's)."""

    __slots__ = ("buffer", "stop", "write")

    def __init__(self, number: int) -> None:
        self.buffer = f"_o{number}"
        self.write = f"_w{number}"
        self.stop = f"_s{number}"


class Generator:
    """Builds the source of `def render(<globals>) -> str` for one template."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.temps = 0
        self.outputs = 0
        self.variables: dict[str, str] = {}
        self.constants: dict[str, Any] = {}
        self.uses_stop = False

    # -- bookkeeping -------------------------------------------------------------------

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def constant(self, value: Any, hint: str) -> str:
        name = f"_{hint}{len(self.constants)}"
        self.constants[name] = value
        return name

    def variable(self, name: str) -> str:
        local = self.variables.get(name)
        if local is None:
            safe = "".join(c if c.isascii() and c.isalnum() else "_" for c in name)
            local = f"v{len(self.variables)}_{safe}"
            self.variables[name] = local
        return local

    def new_output(self) -> _Output:
        output = _Output(self.outputs)
        self.outputs += 1
        self.emit(f"{output.buffer} = []")
        self.emit(f"{output.write} = {output.buffer}.append")
        self.emit(f"{output.stop} = -1")
        return output

    def joined(self, output: _Output) -> str:
        # A #stop drops every write after it (airspeed's StoppableStream); the writes are
        # append-only, so cutting the buffer where the first #stop ran is the same.
        if not self.uses_stop:
            return f"''.join({output.buffer})"
        return (
            f"''.join({output.buffer} if {output.stop} < 0 "
            f"else {output.buffer}[:{output.stop}])"
        )

    def source(self, root: av.TemplateBody) -> str:
        """The whole function's source for the template `root`."""
        output = self.new_output()
        self.block(root.block, output)
        self.emit(f"return {self.joined(output)}")
        body = self.lines
        params = [self.variable(name) for name in GLOBAL_NAMES]
        others = [local for name, local in self.variables.items() if name not in GLOBAL_NAMES]
        head = [f"def render({', '.join(params)}):"]
        if others:
            head.append("    " + " = ".join(others) + " = None")
        return "\n".join(head + body) + "\n"

    # -- statements ----------------------------------------------------------------------

    def block(self, block: av.Block, output: _Output) -> None:
        pending: list[str] = []
        for child in block.children:
            if isinstance(child, av.Text | av.FallthroughHashText):
                pending.append(child.text)
            elif isinstance(child, av.Comment | av.MacroDefinition):
                continue  # writes nothing, so text on both sides still joins
            elif isinstance(child, av.MacroCall | av.EvaluateDirective):
                pending.append(child.my_text())
            else:
                self.flush_text(pending, output)
                self.statement(child, output)
        self.flush_text(pending, output)

    def flush_text(self, pending: list[str], output: _Output) -> None:
        text = "".join(pending)
        pending.clear()
        if text:
            self.emit(f"{output.write}({text!r})")

    def statement(self, node: Any, output: _Output) -> None:
        if isinstance(node, av.FormalReference):
            self.reference(node, output)
        elif isinstance(node, av.IfDirective):
            self.if_directive(node, output)
        elif isinstance(node, av.SetDirective):
            self.assignment(node.assignment)
        elif isinstance(node, av.ForeachDirective):
            self.foreach(node, output)
        elif isinstance(node, av.StopDirective):
            self.uses_stop = True
            self.emit(f"if {output.stop} < 0:")
            self.emit(f"    {output.stop} = len({output.buffer})")
        else:
            raise Unsupported(type(node).__name__)

    def reference(self, node: av.FormalReference, output: _Output) -> None:
        if node.expression is None:
            self.emit(f"{output.write}({node.my_text()!r})")
            return
        value = self.variable_expression(node.expression)
        if node.alternate is not None:
            self.emit(f"if {value} is None:")
            self.depth += 1
            self.emit(f"{value} = {self.value(node.alternate.expression)}")
            self.depth -= 1
        # A null or undefined reference renders as '' on API Gateway.
        self.emit(f"if {value} is not None:")
        self.emit(f"    {output.write}({value} if {value}.__class__ is str else _text({value}))")

    def if_directive(self, node: av.IfDirective, output: _Output) -> None:
        opened = 0
        branches = [(node.condition, node.block), *((e.condition, e.block) for e in node.elseifs)]
        for condition, block in branches:
            value = self.expression(_condition_expression(condition))
            self.emit(f"if {value} is not False:")
            self.depth += 1
            self.block(block, output)
            self.emit("pass")
            self.depth -= 1
            self.emit("else:")
            self.depth += 1
            opened += 1
        if isinstance(node.else_block, av.ElseBlock):
            self.block(node.else_block.block, output)
        self.emit("pass")
        self.depth -= opened

    def assignment(self, node: av.Assignment) -> None:
        value = self.expression(node.value)
        target = self.variable(node.root_term)
        if not node.terms:
            self.emit(f"{target} = {value}")
            return
        current = self.assign(target)
        for term in node.terms[:-1]:
            key = self.term(term)
            self.emit(f"{current} = {current}[{key}]")
        key = self.term(node.terms[-1])
        self.emit(f"{current}[{key}] = {value}")

    def term(self, node: av.AssignmentTerm) -> str:
        term = node.term
        if isinstance(term, av.DotDictAccessTerm):
            return repr(term.value)
        return self.value(term.value.expression)

    def foreach(self, node: av.ForeachDirective, output: _Output) -> None:
        items = self.temp()
        self.emit(f"{items} = _iterate({self.value(node.value.expression)})")
        self.emit(f"if len({items}) > {FOREACH_MAX_ITERATIONS}:")
        self.emit(f"    {items} = {items}[:{FOREACH_MAX_ITERATIONS}]")
        self.emit(f"if {items}:")
        self.depth += 1
        # $foreach and friends are only worth making when the body names them.
        names = [node.loop_var_name, *self._loop_names_read(node)]
        saved = {name: self.temp() for name in dict.fromkeys(names)}
        for name, temp in saved.items():
            self.emit(f"{temp} = {self.variable(name)}")
        index, item, total = self.temp(), self.temp(), self.temp()
        self.emit(f"{total} = len({items})")
        self.emit(f"for {index}, {item} in enumerate({items}):")
        self.depth += 1
        self.emit(f"{self.variable(node.loop_var_name)} = {item}")
        if len(names) > 1:
            scope = self.temp()
            self.emit(f"{scope} = _Scope({index}, {total})")
            for name in names[1:]:
                self.emit(f"{self.variable(name)} = {_scope_member(name, scope)}")
        self.block(node.block, output)
        self.emit("pass")
        self.depth -= 1
        # Velocity restores the loop variables after the loop.
        for name, temp in saved.items():
            self.emit(f"{self.variable(name)} = {temp}")
        self.depth -= 1

    def _loop_names_read(self, node: av.ForeachDirective) -> list[str]:
        used = set(_names_in(node.block))
        return [name for name in _LOOP_NAMES if name in used]

    # -- expressions -------------------------------------------------------------------

    def value(self, node: Any) -> str:
        """Emit the statements that compute a Value's operand; return its temporary."""
        if isinstance(node, av.Value):
            node = node.expression
        if isinstance(node, av.NullLiteral | av.BooleanLiteral | av.IntegerLiteral):
            return repr(node.value)
        if isinstance(node, av.FloatingPointLiteral | av.StringLiteral) and not isinstance(
            node, av.InterpolatedStringLiteral
        ):
            return repr(node.value)
        if isinstance(node, av.FormalReference):
            if node.expression is None:
                raise Unsupported("a reference without a name used as a value")
            return self.variable_expression(node.expression)
        if isinstance(node, av.InterpolatedStringLiteral):
            text = _constant_text(node.block)
            if text is not None:
                return repr(text)
            output = self.new_output()
            self.block(node.block, output)
            return self.assign(self.joined(output))
        if isinstance(node, av.ParenthesizedExpression):
            return self.expression(node.calculate.__self__)
        if isinstance(node, av.UnaryOperatorValue):
            operand = self.value(node.value)
            return self.assign(f"False if {operand} is None else {operand} is False")
        if isinstance(node, av.ArrayLiteral):
            return self.array(node)
        if isinstance(node, av.DictionaryLiteral):
            result = self.assign("{}")
            for key_node, value_node in node.local_data.items():
                key = self.value(key_node)
                item = self.value(value_node)
                self.emit(f"{result}[{key}] = {item}")
            return result
        raise Unsupported(type(node).__name__)

    def assign(self, expression: str) -> str:
        name = self.temp()
        self.emit(f"{name} = {expression}")
        return name

    def array(self, node: av.ArrayLiteral) -> str:
        values = node.values
        if isinstance(values, av.Range):
            first = self.value(values.value1)
            last = self.value(values.value2)
            return self.assign(f"_range({first}, {last})")
        if isinstance(values, av.ValueList):
            items = [self.value(v) for v in values.values]
            return self.assign("[" + ", ".join(items) + "]")
        return self.assign("[]")

    def arguments(self, parameters: av.ParameterList) -> str:
        values = parameters.values
        if isinstance(values, av.ValueList):
            return "[" + ", ".join(self.value(v) for v in values.values) + "]"
        return "[]"

    def variable_expression(self, node: av.VariableExpression) -> str:
        part: av.NameOrCall = node.part
        result = self.assign(self.variable(part.name))
        # airspeed's own rules for a name in the namespace: a null stops here.
        if part.parameters is not None:
            self.emit(f"if {result} is not None:")
            self.depth += 1
            self.emit(f"{result} = {result}(*{self.arguments(part.parameters)})")
            self.depth -= 1
        elif part.index is not None:
            self.emit(f"if {result} is not None:")
            self.depth += 1
            self.emit(f"{result} = _ns_index({result}, {self.value(part.index.index)})")
            self.depth -= 1
        self.subexpression(node.subexpression, result)
        return result

    def subexpression(self, node: av.SubExpression | None, result: str) -> None:
        while node is not None:
            expression = node.expression
            if isinstance(expression, av.ArrayIndex):
                self.emit(f"{result} = _index({result}, {self.value(expression.index)})")
                node = node.subexpression
                continue
            part: av.NameOrCall = expression.part
            if part.parameters is not None:
                arguments = self.arguments(part.parameters)
                self.emit(f"{result} = _call({result}, {part.name!r}, {arguments})")
            else:
                self.emit(f"{result} = _property({result}, {part.name!r})")
                if part.index is not None:
                    self.emit(f"{result} = _index({result}, {self.value(part.index.index)})")
            node = expression.subexpression

    def expression(self, node: av.Expression) -> str:
        """airspeed's precedence walk, replayed at compile time in its evaluation order."""
        terms = list(node.expression)
        values: list[Any] = [terms[0]]
        operators: list[Any] = []
        rest = terms[1:]
        while rest:
            if not operators or rest[0].greater_precedence_than(operators[-1]):
                operators.append(rest[0])
                values.append(rest[1])
                rest = rest[2:]
            else:
                self._apply(operators, values)
        while operators:
            self._apply(operators, values)
        result = values[0]
        return result if isinstance(result, str) else self.value(result)

    def _apply(self, operators: list[Any], values: list[Any]) -> None:
        # airspeed evaluates the right operand before the left, and both always.
        right = values.pop()
        if not isinstance(right, str):
            right = self.value(right)
        left = values.pop()
        if not isinstance(left, str):
            left = self.value(left)
        function = self.constant(operators.pop().apply_to, "op")
        values.append(self.assign(f"{function}({left}, {right})"))


def _constant_text(block: av.Block) -> str | None:
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


def _condition_expression(condition: av.Condition) -> av.Expression:
    expression: av.Expression = condition.expression.calculate.__self__
    return expression


def _scope_member(name: str, scope: str) -> str:
    if name == "foreach":
        return scope
    return f"{scope}.count" if name == "velocityCount" else f"{scope}.hasNext"


def _names_in(node: Any) -> list[str]:
    """Every variable name read or set anywhere under `node`."""
    names: list[str] = []
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
        if isinstance(item, av.NameOrCall):
            names.append(item.name)
        elif isinstance(item, av.Assignment):
            names.append(item.root_term)
        elif isinstance(item, av.ForeachDirective):
            names.append(item.loop_var_name)
        for value in vars(item).values():
            stack.append(getattr(value, "__self__", value))
    return names
