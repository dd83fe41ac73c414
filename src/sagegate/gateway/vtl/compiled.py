"""The compiled engine: a mapping template as one Python function, made once per template.

The reference engine walks airspeed's tree for every render (a method call per node,
`LocalNamespace` lookups, a `StringIO`); here `codegen` turns the same adapted tree into
straight-line Python, which `compile()` makes into a function bound to the helpers below.
The helpers are the reference engine's own functions (`values`, `methods`,
`semantics`), so both engines share every Java-semantics rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airspeed import operators as av

from sagegate.gateway.vtl import values
from sagegate.gateway.vtl.codegen import UNSET, Generator, Unsupported
from sagegate.gateway.vtl.methods import call_method, get_index, get_property
from sagegate.gateway.vtl.semantics import (
    BreakCommand,
    ForeachScope,
    LinkedForeachScope,
    after_foreach_variable,
    break_to,
    range_list,
)

CompiledRender = Callable[[Any, Any, Any, Any], str]


def namespace_index(value: Any, index: Any) -> Any:
    """`$name[index]` on a variable: airspeed's own rule (NameOrCall.calculate)."""
    if isinstance(value, list) and not isinstance(index, int):
        raise ValueError(f"expected integer for array index, got '{index}'")
    try:
        return value[index]
    except Exception:
        return None


_HELPERS: dict[str, Any] = {
    "_text": values.to_text,
    "_double": values.java_double,
    "_call": call_method,
    "_property": get_property,
    "_index": get_index,
    "_ns_index": namespace_index,
    "_iterate": values.iterate,
    "_range": range_list,
    "_Scope": ForeachScope,
    "_LinkedScope": LinkedForeachScope,
    "_BreakCommand": BreakCommand,
    "_break_to": break_to,
    "_iterable": values.iterable,
    "_after_foreach_variable": after_foreach_variable,
    "_UNSET": UNSET,
    "_LISTS": (list, values.JsonArray),
}


def compile_template(root: av.TemplateBody) -> CompiledRender | None:
    """The render function for an adapted template, or None if it needs the reference.

    None for constructs API Gateway does not support (#include, #parse, #define, ...) and
    for templates nested deeper than Python's compiler allows.
    """
    generator = Generator()
    try:
        source = generator.source(root)
        code = compile(source, "<mapping template>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    builtins = {
        "len": len,
        "enumerate": enumerate,
        "str": str,
        "float": float,
        "dict": dict,
        "KeyError": KeyError,
    }
    namespace: dict[str, Any] = {"__builtins__": builtins}
    namespace.update(_HELPERS)
    namespace.update(generator.constants)
    exec(code, namespace)
    render: CompiledRender = namespace["render"]
    return render


def generated_source(root: av.TemplateBody) -> str:
    """The generated Python source for a template (for tests and debugging)."""
    return Generator().source(root)
