"""The compiled engine against the reference engine: vectors, edge cases, generated templates.

The autouse fixture in conftest.py renders every template with both engines and asserts
identical output, overrides, `$context` afterwards, and error classes.
"""

from __future__ import annotations

import contextlib
from typing import Any

import airspeed
import pytest

from sagegate.gateway.vtl import MappingTemplate, RequestFacts, TemplateError, lexical
from sagegate.gateway.vtl.compiled import generated_source
from sagegate.gateway.vtl.methods import STRING_METHODS
from sagegate.gateway.vtl.semantics import adapt
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE
from tests.conformance.test_vtl_vectors import VECTORS, run_vector
from tests.gateway.vtl.differential import TALLY


def facts(**overrides: Any) -> RequestFacts:
    values: dict[str, Any] = {
        "http_method": "POST",
        "path": "/dev/things/7",
        "resource_path": "/things/{id}",
        "stage": "dev",
        "path_params": {"id": "7"},
        "query": {"items": ["1,2,3"], "q": ["a", "b"]},
        "headers": {"Host": "h.example", "X-Token": "abc"},
        "body": b'{"a": {"b": [1, 2.5, {"c": "d"}]}, "n": null, "s": "t", "list": [3, 1, 2]}',
        "stage_variables": {"env": "test"},
    }
    return RequestFacts(**(values | overrides))


def render(source: str, **overrides: Any) -> str:
    return MappingTemplate(source).render(facts(**overrides)).output


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_engines_agree_on_every_conformance_vector(vector: dict[str, Any]) -> None:
    before = TALLY.renders
    run_vector(vector)
    assert TALLY.renders > before


def test_blog_templates_compile_and_agree() -> None:
    body = '{"predictions": [{"scores": [3.52]}, {"scores": [4.1]}]}'
    for source in (BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE):
        template = MappingTemplate(source)
        assert template.engine == "compiled"
        template.render(facts(path_params={"user_id": "321"}), body=body)


def test_reference_engine_can_be_chosen() -> None:
    template = MappingTemplate("$input.params('id')", engine="reference")
    assert template.engine == "reference"
    assert template.render(facts()).output == "7"
    with pytest.raises(ValueError, match="unknown template engine"):
        MappingTemplate("x", engine="fast")  # type: ignore[arg-type]


def test_unsupported_directives_fall_back_to_the_reference_engine() -> None:
    template = MappingTemplate("#define($d)D#end[$d]")
    assert template.engine == "reference"
    assert template.render(facts()).output == "[D]"


def test_nesting_deeper_than_python_allows_falls_back() -> None:
    source = "#foreach($i in [1])" * 30 + "x" + "#end" * 30
    template = MappingTemplate(source)
    assert template.engine == "reference"
    assert template.render(facts()).output == "x"


@pytest.mark.parametrize(
    "source",
    [
        # airspeed evaluates the right operand first, both always (no short circuit).
        "#set($l = [])#set($x = $l.add(1) == $l.add(2))$l",
        "#set($l = [])#set($x = $l.add(1) * $l.add(2) + $l.add(3))$l",
        "#set($l = [])#set($x = $l.add(1) + $l.add(2) * $l.add(3))$l",
        "#set($l = [])#set($x = $l.add(1) * $l.add(2) + $l.add(3) * $l.add(4))$l",
        "#set($l = [])#if(false && $l.add(1))#end$l",
        '#set($a = 1)[$a, "#set($a = 2)", $a]',
        '#set($a = 1)#set($b = $a + "#set($a = 5)")$b$a',
    ],
)
def test_evaluation_order_and_side_effects(source: str) -> None:
    render(source)


@pytest.mark.parametrize(
    "source",
    [
        "a#stop b",
        "#foreach($i in [1..3])$i#if($i == 2)#stop#end#end after",
        '#set($s = "x#stop y")[$s]',
        "$items[1] $items[-1] #set($m = {'a': 1})$m['a'] $m[0]",
        "#set($items = [1, 2])$items['x']",
        "$input()",
        "$nothing()",
        "#set($input = 5)$input #foreach($input in [1])$input#end $input.params('id')",
        "#foreach($foreach in [7])$foreach.index#end[$foreach]",
        "#foreach($i in [1, 2])#set($foreach = 'z')$foreach#end[$foreach]",
        "#foreach($i in [1, 2])#foreach($j in ['a', 'b'])$foreach.index$velocityCount#end"
        "$foreach.hasNext$velocityHasNext|#end",
        "#set($undefined.x = 1)",
        "#set($context.a.b = 1)",
        "#set($context.responseOverride.header.x = $input.params('id'))done",
        "${missing|'alt'} ${input.params('id')|'alt'} $!missing",
        "#if(!$missing)yes#else no#end #if(!false)t#end",
        "[1..-2] [-1..1] #set($r = [1..$n])",
        "$util.escapeJavaScript(\"a'b\") $util.urlEncode('a b') $util.base64Encode('x')",
        "$input.json('$.a.b') $input.path('$.a.b[1]') $input.path('$..c')",
        "$input.body.substring(50)",
        "#macro(m)x#end#m() #evaluate('$a') ## comment\nline #* block *# end",
        "#{if}(true)braces#{else}no#{end}",
        "$stageVariables.env #set($stageVariables.env = 'x')$stageVariables.env",
        "#set($m = {})#set($m.k = 'v')#set($m['j'] = [1, {'z': 2}])$m $m.keySet() $m.j[1].z",
        "$context.identity.keySet() $context.keySet().size()",
        "#foreach($k in $context.identity.keySet())$k,#end",
        "$input.params().header.get('X-Token') $input.params().querystring",
        "#set($x = 7 / 2)$x #set($y = -7 % 3)$y #set($z = 1.5 * 2)$z $x.equals(3)",
        "#set($s = 'Hello')$s.length() $s.toUpperCase() $s.replaceAll('l+', '_') $s.charAt(9)",
        # The inlined cases of the generated code (host calls, $foreach, dict, list index).
        "$input.body() [$input.nope('x')] $input.path('$.list')[0]$input.path('$.list')[5]",
        "$input.params('id', 'x')",
        "$input.path()",
        "#set($m = {'hasNext': 1, 'count': 2})$m.hasNext $m.count $m.scores",
        "#foreach($i in [1, 2])$foreach.nope $foreach.first$foreach.last $foreach.count#end",
        "#set($l = [[1], 'ab', {'0': 'z'}, $null])$l[0][0] $l[1][0] $l[2][0] $l[9] $l[3][0]",
        "#set($r = [1..3])$r[0] $r[7] $input.path('$.a.b')[1] $input.path('$.a')[0]",
        "a$esc.newline$esc.tab b$!esc.x c${esc.y}d",
        "#set($util = 'u')$util.length() #foreach($util in [1])$util#end",
        "$util.parseJson('[1,[2]]')[1][0] [$util.nope('x')]",
        "$util.escapeJavaScript()",
        # `$foreach` members computed in place, nested, mixed with loops that need scopes.
        "#foreach($i in [1, 2, 3])$foreach.index$foreach.count$foreach.hasNext"
        "$foreach.first$foreach.last$velocityCount$velocityHasNext $foreach.count.toString()|#end",
        "#foreach($i in [1, 2])#foreach($j in [1..$foreach.count])$foreach.index$foreach.last#end"
        "/$foreach.index $foreach.hasNext;#end$foreach.index",
        "#foreach($i in [1, 2])#foreach($j in ['a'])#set($g = $foreach)#end$foreach.index#end"
        "$g.count",
        "#foreach($i in [1, 2])#foreach($j in ['a', 'b'])$foreach.hasNext#end"
        "#set($f = $foreach)$foreach.count#end$f.index",
        "#foreach($i in [1, 2])$foreach.hasNext()$foreach.count#end",
        "#foreach($i in [1, 2])${foreach.hasNext|'x'}$!foreach.first#if($foreach.last)L#end#end",
        "#foreach($i in [])$foreach.index#end#foreach($i in $nothing)$foreach.index#end",
        "#set($m = {})#foreach($i in ['a', 'b'])#set($m[$foreach.index] = $i)#end$m",
        "#foreach($i in [1, 2])#foreach($foreach in [7])$foreach.x#end$foreach.index#end",
        "#foreach($i in [1, 2])#set($foreach = 'z')$foreach.index#end",
        "$util.parseJson('{\"hasNext\": 3}').hasNext $util.parseJson('[4]').get(0)",
        # #break: bare (a Python break, or the render's end), to a scope (an exception).
        "#foreach($i in [1, 2])$i#break#end a#break b",
        "#foreach($i in [1, 2])#foreach($j in [1, 2])$j#break($foreach.parent)#end$i#end.$j",
        "#foreach($i in [1, 2])#set($f = $foreach)#foreach($j in [1])#break($f)#end$i#end",
        "#foreach($i in [1, 2])$foreach.parent$foreach.topmost.index#foreach($j in [3])"
        "$foreach.parent.index$foreach.topmost.count#end#end",
        "#foreach($i in [1, 2])#if($i == 2)#break($s)#end#set($s = $foreach)$i#end",
        "#foreach($i in [1, 2])#set($s = $foreach)#end#break($s)",
        '#foreach($i in [1, 2])$i#set($x = "a#break")#end[$x] #set($y = "b#break")c',
        "#foreach($i in [1, 2])#set($context.responseOverride.status = 201)#break#end",
        "#set($foreach = 1)#foreach($i in [1])$foreach.parent#break($foreach.parent)#end",
        "#foreach($foreach in [1, 2])$foreach.index#break#end",
        "a#stop b#break c",
        # #stop ends the render from anywhere; case-variant words; escaped directives.
        "#foreach($i in [1, 2])#foreach($j in [3])$j#stop#end$i#end#set($x = 1)",
        "#foreach($i in [1, 2])#set($s = $foreach)$foreach.parent#stop#end",
        '#set($x = "a#stop")#set($context.responseOverride.status = 400)$x',
        "a#{stop}b #STOP #Stop($x) #IF(true)x#END",
        "\\\\#if(true)a\\\\#else b\\#end \\#stop \\\\#foreach($i in [1])$i\\\\#end",
        "\\\\#set($a = 1)$a\\#woogie\\\\#woogie\\\\\\#stop\\\\#stop x",
        # Bracketed directives, longer words, undefined macros' calls, #stop's message.
        "#{if}($a)a#{elseif}(true)b#{else}c#{end}#{foreach}($i in [1])$i#{end}#{set}($a = 1)$a",
        "#set($s = '#{set}($b = 1)')$s$b #{foo}($a) #Foreach($i in $l) #return($a) #return",
        "#if(true)x#elsefoo #end@ #endx#end #foreach($i in [1])$i#endfoo#end",
        "#set($l = [])a#stop($l.add(1))$l",
        "#set($l = [])#foreach($i in [1, 2])$i#{stop}($l.add($i))#end",
        "a#stop($input.body.substring(99)) b",
    ],
)
def test_edge_cases_agree(source: str) -> None:
    # An error is fine too: the fixture already compared the error classes.
    with contextlib.suppress(TemplateError):
        render(source, stage_variables={"env": "test"})


def test_the_check_counts_renders_and_errors() -> None:
    renders, errors = TALLY.renders, TALLY.errors
    render("$x")
    with pytest.raises(TemplateError):
        render("$input.body.substring(99)")
    assert (TALLY.renders, TALLY.errors) == (renders + 2, errors + 1)


@pytest.mark.parametrize("method", sorted(STRING_METHODS))
@pytest.mark.parametrize("target", ["$input.params('items')", "$input.path('$.s')", "$n", "$l"])
@pytest.mark.parametrize("arguments", ["", "','", "'1', 'x'", "1", "1, 2", "'a', 'b', 'c'"])
def test_string_methods_called_directly_agree(method: str, target: str, arguments: str) -> None:
    # The compiled engine calls a String method directly on a str; on anything else
    # (a number, a list, null), with any arguments, it must do what call_method does.
    source = f"#set($n = 5)#set($l = ['a'])[{target}.{method}({arguments})]"
    before = TALLY.renders
    with contextlib.suppress(TemplateError):
        MappingTemplate(source).render(facts())
    assert TALLY.renders > before


def test_break_costs_nothing_where_it_is_not_used() -> None:
    # Decided at load: loops catch #break($scope) and link their scopes only in a template
    # that breaks to a scope or names .parent/.topmost; a bare #break is a Python break.
    def source(template: str) -> str:
        parsed = airspeed.Template(template)
        parsed.ensure_compiled()
        adapt(parsed.root_element)
        return generated_source(parsed.root_element)

    plain = source("#foreach($i in [1, 2])$foreach.index$i#end")
    assert "try:" not in plain and "_LinkedScope" not in plain
    bare = source("#foreach($i in [1, 2])$foreach.index$i#break#end#break")
    assert "try:" not in bare and "_LinkedScope" not in bare
    assert "        break\n" in bare and "    return ''.join(_o0)\n" in bare
    scoped = source("#foreach($i in [1, 2])$i#break($foreach)#end")
    assert "try:" in scoped and "_LinkedScope" in scoped


def test_stop_and_case_masking_cost_nothing_where_they_are_not_used() -> None:
    # A template without #stop returns once, at its end; one without case-variant directive
    # words is parsed from its own source (lexical.parse masks nothing).
    def source(template: str) -> str:
        parsed = lexical.parse(template)
        adapt(parsed.root_element)
        return generated_source(parsed.root_element)

    plain = source('#foreach($i in [1, 2])$i#end#set($y = "$x")$y')
    assert plain.count("return ") == 1
    stopped = source('#foreach($i in [1, 2])$i#stop#end#set($y = "a#stop")')
    assert stopped.count("return ''.join(_o0)") == 3
    assert lexical.parse("#if(true)x#end #Foo").content == "#if(true)x#end #Foo"
    for unmasked in (BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE, "#foo($a 'b') #{x}"):
        assert lexical.parse(unmasked).content == unmasked
    masked = lexical.parse("#IF($a)#END")
    assert masked.content != "#IF($a)#END" and masked.root_element.my_text() == "#IF($a)#END"


def test_bracketed_forms_and_stop_messages_compile_as_the_plain_forms() -> None:
    # `#{foreach}(` is parsed as `#foreach  (` (lexical.parse): the same tree, the same code;
    # a literal #stop message is evaluated to nothing, so `#stop('x')` is `#stop`.
    def source(template: str) -> str:
        parsed = lexical.parse(template)
        adapt(parsed.root_element)
        return generated_source(parsed.root_element)

    plain = source("#foreach($i in [1, 2])$i#if($i == 1)#set($a = $i)#stop#end#end")
    braced = "#{foreach}($i in [1, 2])$i#{if}($i == 1)#{set}($a = $i)#stop('x')#{end}#{end}"
    assert source(braced) == plain
    assert lexical.parse(braced).root_element.my_text() == braced
