"""Hypothesis-generated templates: the compiled and reference engines must agree.

A small grammar of what mapping templates use (text, references, $input, #set, #if,
#foreach with $foreach, method calls, literals, operators) over random request facts.
The autouse fixture in conftest.py does the comparing.
"""

from __future__ import annotations

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagegate.gateway.vtl import MappingTemplate, RequestFacts, TemplateError
from tests.gateway.vtl.differential import TALLY

VARIABLES = ("a", "b", "item", "list", "m")
TEXT = st.sampled_from(
    [
        *("x", " ", "\n", ",", "{", "}", '"k": ', "[", "]", "  ", "-", "é", "$ ", "#x", "\t"),
        # Escapes and comments (lexical.py rewrites the tree for them).
        *("\\$a", "\\", "\\\\", "\\${b}", "#* c *#\n", "#* c *#"),
    ]
)
STRINGS = st.sampled_from(["", "a", "a,b", "1,2,3", "Hello", " x ", "$.a", "é,ü"])


def _quoted(text: str) -> str:
    return "'" + text + "'"


simple_values = st.one_of(
    st.integers(-3, 12).map(str),
    st.sampled_from(["1.5", "-0.25", "true", "false", "null"]),
    STRINGS.map(_quoted),
    STRINGS.map(lambda s: '"' + s + '$a"'),
)


def _reference(name: str, tail: str) -> str:
    return f"${name}{tail}"


TAILS = st.sampled_from(
    [
        "",
        ".size()",
        ".length()",
        ".isEmpty()",
        ".toUpperCase()",
        ".trim()",
        ".split(',')",
        ".get(0)",
        "[0]",
        "[1]",
        ".contains('a')",
        ".substring(1)",
        ".indexOf('b')",
        ".keySet()",
        ".values()",
        ".empty",
        ".x",
        ".b",
        ".add(1)",
        ".put('k', 2)",
        ".equals('a')",
        ".toString()",
        ".class",
    ]
)
references = st.one_of(
    st.builds(_reference, st.sampled_from(VARIABLES), TAILS),
    st.sampled_from(
        [
            "$input.params('p')",
            "$input.params('q')",
            "$input.params('X-H')",
            "$input.params().querystring",
            "$input.path('$')",
            "$input.path('$.a')",
            "$input.path('$.a[0]')",
            "$input.path('$..b')",
            "$input.json('$.a')",
            "$input.json('$')",
            "$input.body",
            "$context.requestId",
            "$context.identity.sourceIp",
            "$foreach.hasNext",
            "$foreach.index",
            "$foreach.count",
            "$velocityCount",
            "$velocityHasNext",
            "$esc.newline",
            "$nope.a.b",
            "${nope.a|$a}",
            "$stageVariables.s",
            "$util.escapeJavaScript($a)",
            "$util.parseJson('[1,{\"b\":2}]')",
            "$util.urlEncode($b)",
        ]
    ),
)
OPERATORS = st.sampled_from(
    ["==", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "and", "or", "eq"]
)


def _binary(left: str, op: str, right: str) -> str:
    return f"{left} {op} {right}"


operands = st.one_of(simple_values, references)
expressions = st.recursive(
    operands,
    lambda inner: st.one_of(
        st.builds(_binary, inner, OPERATORS, inner),
        inner.map(lambda e: f"!{e}" if not e.startswith("-") else e),
        inner.map(lambda e: f"({e})"),
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.sampled_from(["[1..3]", "[3..1]", "{'b': 1, 'x': [1, 2]}", "{}"]),
    ),
    max_leaves=6,
)


def _set(name: str, value: str) -> str:
    return f"#set(${name} = {value})"


def _if(condition: str, body: str, other: str | None, alternative: str | None) -> str:
    middle = f"#elseif({other}){body}" if other is not None else ""
    tail = f"#else{alternative}" if alternative is not None else ""
    return f"#if({condition}){body}{middle}{tail}#end"


def _foreach(name: str, items: str, body: str) -> str:
    return f"#foreach(${name} in {items}){body}#end"


statements = st.recursive(
    st.one_of(
        TEXT,
        references,
        references.map(lambda r: "$!{" + r[1:] + "}" if r.count("(") == 0 else r),
        st.builds(_set, st.sampled_from(VARIABLES), expressions),
        st.sampled_from(
            [
                "#set($context.responseOverride.status = 201)",
                "#set($context.requestOverride.header.h = $a)",
                "#set($m.k = $b)",
                "#stop",
                "#{stop}",
                "#Stop",
                "\\#stop",
                "\\\\#stop",
                "\\\\",
                "\\#woogie",
                "\\\\#break",
                "#break",
                "#break($foreach)",
                "#break($foreach.parent)",
                "## note\n",
                # lexical.parse's masks: bracketed directives, longer words, undefined
                # macros' calls, #stop's message; MORE tokens before a reference.
                "#{if}($b == 1)y#{elseif}($a)z#{else}n#{end}",
                "#{set}($b = 2)",
                "#{foreach}($i in [1, 2])$i#{end}",
                "#endx #elsey",
                "#foo(x $a) #Foreach($i in $list) #return($a)",
                "#stop($list.add(9))",
                "#{stop}($a)",
                "#$a $$b #\\$${a} \\$$b",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map("".join),
        st.builds(_if, expressions, inner, st.none() | expressions, st.none() | inner),
        st.builds(
            _foreach,
            st.sampled_from(("item", "a", "foreach")),
            st.one_of(
                st.sampled_from(["$list", "$m", "[1..3]", "$a.split(',')", "$input.path('$.a')"]),
                expressions,
            ),
            inner,
        ),
    ),
    max_leaves=12,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-1e9, 1e9) | STRINGS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abx"), inner),
    max_leaves=6,
)
facts_strategy = st.builds(
    lambda p, q, h, body, raw: RequestFacts(
        http_method="POST",
        path="/dev/r",
        resource_path="/r",
        stage="dev",
        path_params={"p": p},
        query={"q": q} if q else {},
        headers={"X-H": h},
        body=(raw if raw is not None else json.dumps(body)).encode(),
        stage_variables={"s": p},
    ),
    STRINGS,
    st.lists(STRINGS, max_size=2),
    STRINGS,
    json_values,
    st.none() | st.sampled_from(["", "not json", "[1, 2"]),
)
PRELUDE = "#set($a = 'a,b')#set($b = 1)#set($list = [1, 'two', 3.0])#set($m = {'k': 'v'})"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=statements, facts=facts_strategy, prelude=st.booleans())
def test_generated_templates_render_alike(body: str, facts: RequestFacts, prelude: bool) -> None:
    source = (PRELUDE if prelude else "") + body
    try:
        template = MappingTemplate(source)
    except TemplateError:
        return  # both engines share the parser: nothing to compare
    before = TALLY.renders
    # An error is fine too: the fixture compared the error classes.
    with contextlib.suppress(TemplateError):
        template.render(facts)
    assert TALLY.renders == before + 1
