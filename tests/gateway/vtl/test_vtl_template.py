"""MappingTemplate: compile once, errors, overrides, the blog's templates, limits."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from airspeed import operators as av

from sagegate.gateway.vtl import (
    FOREACH_MAX_ITERATIONS,
    MappingTemplate,
    RequestFacts,
    TemplateError,
    build_context_variables,
)

BLOG_REQUEST = """{
    "instances": [
#set( $user_id = $input.params("user_id") )
#set( $items = $input.params("items") )
#foreach( $item in $items.split(",") )
    {"in0": [$user_id], "in1": [$item]}#if( $foreach.hasNext ),#end
    $esc.newline
#end
    ]
}"""
BLOG_RESPONSE = """{
    "ratings": [
#set( $predictions = $input.path("$.predictions") )
#foreach( $item in $predictions )
    $item.scores[0]#if( $foreach.hasNext ),#end
    $esc.newline
#end
    ]
}"""
ENDPOINT_BODY = '{"predictions": [{"scores": [3.52]}, {"scores": [4.1]}, {"scores": [2.0]}]}'


def blog_facts() -> RequestFacts:
    return RequestFacts(
        http_method="GET",
        path="/prod/predicted-ratings/321",
        resource_path="/predicted-ratings/{user_id}",
        stage="prod",
        path_params={"user_id": "321"},
        query={"items": ["101,131,162"]},
        headers={"Host": "api.example.com"},
    )


def render(source: str, **facts: Any) -> str:
    values: dict[str, Any] = {"http_method": "GET", "path": "/p", "resource_path": "/p"}
    values.setdefault("stage", "dev")
    return MappingTemplate(source).render(RequestFacts(**(values | facts))).output


def test_blog_request_template_makes_the_object2vec_body() -> None:
    output = MappingTemplate(BLOG_REQUEST).render(blog_facts()).output
    assert json.loads(output) == {
        "instances": [
            {"in0": [321], "in1": [101]},
            {"in0": [321], "in1": [131]},
            {"in0": [321], "in1": [162]},
        ]
    }
    # Byte for byte, as Velocity 1.7's grammar has it (tests/gateway/vtl/test_vtl_lexical.py):
    # each `#set( ... )`, the `#foreach( ... )` and each `#end` take their line's end, and
    # `$esc.newline` (API Gateway has no $esc) prints nothing but leaves its line's blanks.
    assert output == (
        '{\n    "instances": [\n'
        '    {"in0": [321], "in1": [101]},    \n'
        '    {"in0": [321], "in1": [131]},    \n'
        '    {"in0": [321], "in1": [162]}    \n'
        "    ]\n}"
    )


def test_blog_response_template_makes_the_ratings_list() -> None:
    output = MappingTemplate(BLOG_RESPONSE).render(blog_facts(), body=ENDPOINT_BODY).output
    assert json.loads(output) == {"ratings": [3.52, 4.1, 2.0]}
    assert "2.0" in output  # a Java Double prints with its fraction
    assert output == '{\n    "ratings": [\n    3.52,    \n    4.1,    \n    2.0    \n    ]\n}'


def test_compiles_once_and_never_per_render(monkeypatch: pytest.MonkeyPatch) -> None:
    parses = 0
    original = av.TemplateBody.parse

    def counting_parse(self: av.TemplateBody) -> None:
        nonlocal parses
        parses += 1
        original(self)

    monkeypatch.setattr(av.TemplateBody, "parse", counting_parse)
    template = MappingTemplate(BLOG_REQUEST)
    assert parses == 1
    for _ in range(50):
        template.render(blog_facts())
    assert parses == 1


def test_renders_concurrently_from_one_compiled_template() -> None:
    template = MappingTemplate(BLOG_RESPONSE)
    outputs: list[str] = []
    lock = threading.Lock()

    def work(score: float) -> None:
        body = json.dumps({"predictions": [{"scores": [score]}] * 3})
        for _ in range(20):
            out = json.loads(template.render(blog_facts(), body=body).output)
            with lock:
                outputs.append(json.dumps(out) if out["ratings"] == [score] * 3 else "bad")

    threads = [threading.Thread(target=work, args=(i + 0.5,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(outputs) == 80 and "bad" not in outputs


def test_parse_error_names_line_and_column() -> None:
    with pytest.raises(TemplateError, match=r"line 3, column \d+: expected #else, #elseif or #end"):
        MappingTemplate('{\n#if($x == 1)\n"unclosed"')


def test_render_error_is_a_template_error() -> None:
    template = MappingTemplate("$input.path('$.a')")
    facts = RequestFacts(http_method="POST", path="/p", resource_path="/p", stage="s", body=b"x")
    with pytest.raises(TemplateError, match="not valid JSON"):
        template.render(facts)
    with pytest.raises(TemplateError, match="out of range"):
        MappingTemplate("$input.body.substring(5)").render(facts)


def test_foreach_stops_silently_after_1000_iterations() -> None:
    output = render("#foreach($i in [1..1500])x#end")
    assert FOREACH_MAX_ITERATIONS == 1000
    assert output == "x" * 1000


def test_foreach_scope_variables_and_set_inside_the_loop() -> None:
    source = (
        "#foreach($i in ['a', 'b'])$foreach.index$foreach.count$velocityCount"
        "$foreach.first$foreach.last#set($last = $i)|#end$last/$i"
    )
    assert render(source) == "011truefalse|122falsetrue|b/"


def test_foreach_over_a_map_walks_its_values() -> None:
    assert render("#set($m = {'a': 1, 'b': 2})#foreach($v in $m)$v#end") == "12"


# Velocity 1.7 walks arrays, Collections, a Map's values, an Iterator or Enumeration, or
# whatever has an iterator() method; for anything else (a String, a number, a boolean) its
# UberspectImpl.getIterator logs "Could not determine type of iterator in #foreach loop" and
# returns null, and Foreach.render renders nothing; a null list renders nothing either.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"v": "abc"}', "[]"),
        ('{"v": 12}', "[]"),
        ('{"v": 1.5}', "[]"),
        ('{"v": true}', "[]"),
        ('{"v": null}', "[]"),
        ("{}", "[]"),
        ('{"v": ["a", "b"]}', "[<a><b>]"),
        ('{"v": {"k": "a", "l": "b"}}', "[<a><b>]"),
    ],
)
def test_foreach_over_what_is_not_a_collection_renders_nothing(body: str, expected: str) -> None:
    source = "[#foreach($c in $input.path('$.v'))<$c>#end]"
    facts = RequestFacts(http_method="POST", path="/p", resource_path="/p", stage="dev")
    for engine in ("compiled", "reference"):
        template = MappingTemplate(source, engine=engine)
        assert template.render(facts, body=body).output == expected, engine


def test_macro_and_evaluate_print_literally() -> None:
    assert render("#macro(hi $n)Hi $n#end#hi('x')") == "#hi('x')"
    assert render("#evaluate('$x')") == "#evaluate('$x')"


def test_overrides_are_read_back_from_context() -> None:
    facts = blog_facts()
    context = build_context_variables(facts)
    source = (
        "#set($context.requestOverride.header.h = 'v')"
        "#set($context.requestOverride.querystring.q = 1)"
        "#set($context.responseOverride.status = 201)"
        "#set($context.responseOverride.header.r = 'x')"
    )
    result = MappingTemplate(source).render(facts, context=context)
    assert dict(result.request_override.header) == {"h": "v"}
    assert dict(result.request_override.querystring) == {"q": "1"}
    assert result.response_override.status == 201
    assert dict(result.response_override.header) == {"r": "x"}
    later = MappingTemplate("$context.responseOverride.status").render(facts, context=context)
    assert later.output == "201"


@pytest.mark.parametrize(
    "source",
    ["", "plain", "$input.body", "#set($context.responseOverride.status = 202)$context.stage"],
)
@pytest.mark.parametrize("body", [None, "", '{"a": 1}', b"\xff{}"])
def test_render_parts_are_the_render_results_fields(source: str, body: str | bytes | None) -> None:
    template = MappingTemplate(source)
    facts = blog_facts()
    parts = template.render_parts(facts, build_context_variables(facts), body)
    result = template.render(facts, context=build_context_variables(facts), body=body)
    assert parts == (result.output, result.request_override, result.response_override)


def test_non_numeric_status_override_is_an_error() -> None:
    with pytest.raises(TemplateError, match="status"):
        render("#set($context.responseOverride.status = 'abc')")


def test_stage_variables() -> None:
    assert render("[$stageVariables.a][$stageVariables.b]", stage_variables={"a": "1"}) == "[1][]"


# #break, as Velocity 1.7 renders it. Evidence: the 1.7 tag of apache/velocity-engine:
# src/java/org/apache/velocity/runtime/directive/Break.java (render: a bare #break throws
# StopCommand() for the nearest scope, #break($scope) stops that scope, any other argument is
# "not a valid Scope instance"), Foreach.java lines 423-435 (the loop catches the StopCommand
# meant for it and ends; others go on out after `clean`), Template.java lines 358-368 and
# RuntimeInstance.java lines 1380-1390 (the root scope ends the template), and the expected
# outputs marked "1.7 test" below are BreakDirectiveTestCase.java's (testStopForeach).
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#foreach($i in [1,2])$i#break#end", "1"),
        # 1.7 test: only the innermost, immediate scope stops.
        ("#foreach($i in [1..5])$i#if($i>2)#break($foreach)#end#end test", "123 test"),
        (
            "#foreach($j in [1..2])#foreach($i in [1..5])$i#if($i>2)#break($foreach)#end#end"
            " test#end",
            "123 test123 test",
        ),
        (
            "#foreach($i in [1..2])#foreach($j in [2..3])$i$j#if($i+$j==5)"
            "#break($foreach.parent)#end#end test#end",
            "1213 test2223",
        ),
        ("#foreach($i in [1..10])$i#if($i > 4)#break#end, #end", "1, 2, 3, 4, 5"),
        ("#foreach($i in [1..5])$i#break #end", "1"),
        (
            "#foreach($i in [1..3])#foreach($j in [2..4])#if($i*$j >= 8)#break#end~#end, #end",
            "~~~, ~~, ~, ",
        ),
        # $foreach.hasNext is the iterator's: still true in the iteration that breaks.
        ("#foreach($i in [1,2,3])$i#if($foreach.hasNext),#end#if($i == 2)#break#end#end", "1,2,"),
        # #{break} is the same directive (Parser.jjt's BRACKETED_WORD; 1.7 test testStopTemplate).
        ("a#{break}b", "a"),
        # Outside any #foreach a bare #break stops the root scope: the template ends.
        ("a#break b", "a"),
        ("a #if(true)b#break c#end d", "a b"),
        # The loop variables are put back when a #break leaves the loop (Foreach.clean).
        (
            "#set($i = 'x')#foreach($i in [1])#foreach($j in [2])#break($foreach.parent)#end"
            "#end[$i]",
            "[x]",
        ),
        # A StopCommand is an Error: a #set's interpolated string does not stop it.
        ('#foreach($i in [1, 2])$i#set($s = "a#break")#end[$s]', "1[]"),
        # Not the directive: another word (Parser.jjt: WORD chars are [a-zA-Z0-9_@]), other
        # case, or escaped (Parser.jjt escapedDirective: `\#break` prints `#break`).
        ("a #breakfast #break_x", "a #breakfast #break_x"),
        ("#BREAK($foreach) #Break", "#BREAK($foreach) #Break"),
        ("a\\#break b", "a#break b"),
        ("#break.", ""),
    ],
)
def test_break_as_velocity_1_7(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "#break($foreach)",  # no loop: $foreach is null, not a scope
        "#foreach($i in [1])#break($i)#end",
        "#foreach($i in [1])#break($foreach.parent)#end",  # no outer loop
        "#foreach($i in [1])#set($s = $foreach)#end#break($s)",  # that loop is not running
    ],
)
def test_break_to_anything_but_a_running_scope_fails_the_render(source: str) -> None:
    with pytest.raises(TemplateError, match="failed to render"):
        render(source)


def test_break_with_two_arguments_does_not_load() -> None:
    # Break.init (1.7, lines 79-84) refuses more than one argument.
    with pytest.raises(TemplateError, match="does not parse"):
        MappingTemplate("#foreach($i in [1])#break($foreach $foreach)#end")


# #stop ends the template's execution: Stop.render throws a StopCommand (Stop.java, 1.7: lines
# 85-96), an Error that only Template.merge catches (Template.java lines 358-368), so nothing
# after it runs. An interpolated string does not catch it: ASTStringLiteral.value catches
# RuntimeException only (lines 355-358). "1.7 test" marks StopDirectiveTestCase.java's cases
# (testStop, lines 45-53) and stop1.vm / stop2.vm with their .cmp outputs.
@pytest.mark.parametrize(
    ("source", "expected", "status"),
    [
        ("Text1#{stop}Text2", "Text1", None),  # 1.7 test
        ("This page\n\n#stop\n\nthis should not render\n#set($a = 10)\n$a", "This page\n\n", None),
        ("a#if(false)#stop#end b#if(true)\n#stop\n#end c", "a b", None),  # stop2.vm
        ("a#stop#set($context.responseOverride.status = 400)", "a", None),
        ("#set($context.responseOverride.status = 201)a#stop b", "a", 201),
        (
            "#foreach($i in [1, 2, 3])$i#if($i == 2)#stop#end"
            "#set($context.responseOverride.status = 400)#end",
            "12",
            400,  # set in the first iteration, before the #stop
        ),
        (
            "#foreach($i in [1, 2])#foreach($j in [1, 2])$i$j#stop#end#end"
            "#set($context.responseOverride.status = 400)",
            "11",
            None,
        ),
        ('a#set($x = "b#stop")#set($context.responseOverride.status = 400)[$x]', "a", None),
        ("#foreach($i in [1])$i#break($foreach)#end#stop x", "1", None),
    ],
)
def test_stop_ends_the_template(source: str, expected: str, status: int | None) -> None:
    for template in (MappingTemplate(source), MappingTemplate(source, engine="reference")):
        result = template.render(blog_facts())
        assert (result.output, result.response_override.status) == (expected, status)


def test_stop_leaves_a_response_header_override_unset() -> None:
    source = (
        "#set($context.responseOverride.header.X = 'y')a#stop"
        "#set($context.responseOverride.header.Z = 'w')"
    )
    result = MappingTemplate(source).render(blog_facts())
    assert (result.output, dict(result.response_override.header)) == ("a", {"X": "y"})


# Velocity's directive names are case-sensitive: IF_DIRECTIVE is "if" | "{if}", END "end",
# SET_DIRECTIVE "#set" (Parser.jjt, 1.7: lines 665, 1005-1035) and getDirective is a map
# lookup (line 1443). Any other word is an undefined macro's call, which RuntimeMacro prints
# as written (arguments unevaluated); `=` is no DirectiveArg (lines 1359-1384), so
# `#SET($a = 1)` does not parse.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a#STOP b #{Stop} #Stop($a) c", "a#STOP b #{Stop} #Stop($a) c"),
        ("#set($a = 1)#IF($a)x#END #Else #ElseIf($a) #End", "#IF($a)x#END #Else #ElseIf($a) #End"),
        ("#if(true)#IF($b)x#end", "#IF($b)x"),
        ("#foreach($i in [1])$i#END#end", "1#END"),
        ('#set($s = "#IF($a) #STOP")$s#stop x', "#IF($a) #STOP"),
        ("#elseIF #endX #stopper", "#elseIF #endX #stopper"),
    ],
)
def test_directive_names_are_case_sensitive(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize("source", ["#If(true)x#end", "#SET($a = 1)", "#Foreach($i in [1])$i#end"])
def test_a_case_variant_directive_leaves_its_end_or_arguments_unparsed(source: str) -> None:
    with pytest.raises(TemplateError, match="does not parse"):
        MappingTemplate(source)


# Bracketed directives: IF_DIRECTIVE is "if" | "{if}", ELSEIF_DIRECTIVE "elseif" | "{elseif}",
# SET_DIRECTIVE `("#set" | "#{set}") (" ")* "("` (Parser.jjt, 1.7: lines 665, 1012-1017), and
# Directive() takes a BRACKETED_WORD as a WORD (lines 1431-1440): 1.7's
# test/templates/curly-directive.vm and compare/curly-directive.cmp (its `#{mymacro}()` prints
# as written here: API Gateway defines no macros).
CURLY_DIRECTIVE_VM = r"""#*

Check to see if directives with curly braces around them parse properly.

*#

#{if} (true)
    this is a test
#{elseif} (true)
    more text
#{else}
    this is a test
#end

## a more realistic example
#if(true)sometext#{else}more text#{end}and yet more

### others
#{set} ($a = 3)

#{macro}(mymacro)
    hello
#{end}

#{mymacro}()

#foreach ($a in [1..3])x#{end}

## Check escaped directives

\#if
\#else
\#elseif
\#set
"""
CURLY_DIRECTIVE_CMP = """

    this is a test

sometextand yet more



#{mymacro}()

xxx

#if
#else
#elseif
#set
"""


def test_bracketed_directives_as_velocity_1_7_curly_directive_vm() -> None:
    assert render(CURLY_DIRECTIVE_VM) == CURLY_DIRECTIVE_CMP


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#{if}(true)a#{else}b#{end}", "a"),
        ("#{if}(false)a#{elseif}(true)c#{end}", "c"),
        ("#{foreach}($i in [1, 2])$i#{end}", "12"),
        ("#{set}($a = 1)$a", "1"),
        ("#foreach($i in [1, 2])$i#{break}($foreach)x#end", "1"),
        # In a string or a comment the text stays (its word is not a directive token there).
        ("#set($s = '#{set}($a = 1)')$s ## #{if}(", "#{set}($a = 1) "),
        # Escaped: escapedDirective prints the bracketed word (Velocity616TestCase.java, 1.7:
        # lines 50-51; `$i` is null, printed empty on API Gateway).
        ("\\#{foreach}( $i in [1..3] )$i\\#{end}", "#{foreach}(  in [1..3] )#{end}"),
    ],
)
def test_bracketed_directives_run(source: str, expected: str) -> None:
    assert render(source) == expected


# A word goes on to the end of [a-zA-Z0-9_@] (Parser.jjt, 1.7: WORD, lines 1093-1094) and
# JavaCC takes the longest token, so `#endfoo` and `#elsefoo` are the words `endfoo` and
# `elsefoo`, not END or ELSE_DIRECTIVE (lines 1005-1025): undefined macros, printed as
# written. `#{end}foo` is END and text.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#if(true)x#{end}foo", "xfoo"),
        ("#if(false)x#{else}y#end", "y"),
        (
            "a #endfoo #elsefoo #end_x #else@ #end@x #endfoo(1) b",
            "a #endfoo #elsefoo #end_x #else@ #end@x #endfoo(1) b",
        ),
        ("#if(true)x#elsefoo#end", "x#elsefoo"),
        ("#foreach($i in [1])$i#endfoo#end", "1#endfoo"),
        ("#if(true)#stop@x#end", "#stop@x"),
    ],
)
def test_end_and_else_only_as_whole_words(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "#if(true)x#endfoo",
        "#foreach($i in [1])x#end@",
        "#{if}(true)x#{end}#foreach($i in 0 == 0)x#end",  # an error where nothing is masked
    ],
)
def test_a_longer_word_does_not_end_a_block(source: str) -> None:
    with pytest.raises(TemplateError, match="does not parse"):
        MappingTemplate(source)


# An undefined macro's call: Directive() takes any DirectiveArg, a WORD too ("either schmoo
# or a late-defined macro", Parser.jjt 1.7 lines 1499-1536; isLeftParenthesis allows line
# ends before `(`, lines 310-333), and RuntimeMacro prints the call's tokens as written,
# arguments unevaluated (RuntimeMacro.java lines 183-204, 352-354). Velocity 1.7 has no
# #return (runtime/defaults/directive.properties lists foreach, include, parse, macro,
# literal, evaluate, break, define, stop).
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#Foreach($i in $l)", "#Foreach($i in $l)"),
        ("#Foreach($i in [1, 2])$i", "#Foreach($i in [1, 2])"),
        ("#foo(bar baz, 'q' $x) #{foo}($a)(x)", "#foo(bar baz, 'q' $x) #{foo}($a)(x)"),
        ("#set($a = 1)#foo\n($a)", "#foo\n($a)"),
        ('#set($s = "#Foreach($i in $l)")$s', "#Foreach($i in $l)"),
        (
            "#return(1) #return #return($a $b) #return(in)x",
            "#return(1) #return #return($a $b) #return(in)x",
        ),
        ("#set($l = [])#return($l.add(1))$l", "#return($l.add(1))[]"),
        # In a comment: no call (the comment ends at its line end or `*#`).
        ("#set($q = 1)## #Foreach($i in\n $l) $q", " ) 1"),
        ("#set($q = 1)#* #foo(a *# b) $q", " b) 1"),
        ("#set($s = '#foo(a b)')$s #foo(a b)", "#foo(a b) #foo(a b)"),
        # Escaped (`\#Foreach`, no directive: ESCAPE_DIRECTIVE as typed): no call either.
        ("\\#Foreach($i in $l)", "\\#Foreach( in )"),
    ],
)
def test_undefined_macro_calls_print_as_written(source: str, expected: str) -> None:
    assert render(source) == expected


# #stop(message): Stop.render evaluates the message before it stops (Stop.java, 1.7: lines
# 85-93); more than one argument fails Stop.init (lines 70-80), when the template loads.
@pytest.mark.parametrize(
    ("source", "expected", "status"),
    [
        ("a#stop('why') b", "a", None),
        ("a#stop() b", "a", None),
        ("#set($l = [])a#stop($l.add(1)) b", "a", None),
        (
            "#set($context.responseOverride.status = 201)a"
            "#stop($context.responseOverride.put('status', 400)) b",
            "a",
            400,
        ),
        ("a#{stop}($context.responseOverride.put('status', 404))b", "a", 404),
        ("#foreach($i in [1, 2])$i#stop( $i )#end", "1", None),
    ],
)
def test_stop_evaluates_its_message(source: str, expected: str, status: int | None) -> None:
    for template in (MappingTemplate(source), MappingTemplate(source, engine="reference")):
        result = template.render(blog_facts())
        assert (result.output, result.response_override.status) == (expected, status)


def test_a_failing_stop_message_fails_the_render() -> None:
    with pytest.raises(TemplateError, match="failed to render"):
        render("a#stop($input.body.substring(99))")


def test_stop_with_two_messages_does_not_load() -> None:
    with pytest.raises(TemplateError, match="does not parse"):
        MappingTemplate("#stop('a' 'b')")


# Backslashes before a directive: 1.7's test/templates/escape2.vm (lines 17-21, 41-57, 61-73)
# and compare/escape2.cmp (lines 17-21, 36-57). An odd run n is one ESCAPE_DIRECTIVE token
# (Parser.jjt line 641): (n - 1) / 2 backslashes and the word as text when the word is a
# directive or if/end/set/else/elseif (escapedDirective, lines 248-302), else all as typed.
# An even run is DOUBLE_ESCAPEs (Escape(), lines 1259-1304): n / 2 backslashes before
# #if/#else/#elseif/#end or a directive's `#word` (which then runs), else n. Backslashes
# before anything else are text.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("\\#woogie|\\\\#woogie|\\\\\\#woogie", "\\#woogie|\\\\#woogie|\\\\\\#woogie"),
        ("\\#if(true) hi \\#end", "#if(true) hi #end"),
        ("\\\\#if(true) hi \\\\#end", "\\ hi \\"),
        ("\\\\#if(true) hi #end", "\\ hi "),
        ("\\\\\\#if(true) hi \\\\\\#end", "\\#if(true) hi \\#end"),
        ("\\\\\\\\#if(true) hi \\\\\\\\#end", "\\\\ hi \\\\"),
        ("\\\\#if(false)hi\\\\#elseif(true)there\\\\#end", "\\there\\"),
        ("\\#foreach(", "#foreach("),
        ("\\\\#foreach($a in ['x', 'y']) $a \\\\#end", "\\ x \\ y \\"),
        ("#set($f = 'C0')\\#$f", "\\#C0"),  # `\#` before no word: text
        # #stop and #break are directives (directive.properties); #set is grammar, so an
        # even run before it stays (its token's image is `#set(`), an odd run is escaped.
        ("a\\#stop b\\\\\\#stop c\\\\#stop d", "a#stop b\\#stop c\\"),
        ("#foreach($i in [1, 2])$i\\\\#break#end", "1\\"),
        ("\\\\#set($a = 1)$a \\#set($a = 2)", "\\\\1 #set(1 = 2)"),
        # Bracketed: Escape() looks at the image after `#`, `{stop}` is no directive name.
        ("a\\\\#{stop}y", "a\\\\"),
        ("\\#{if} \\#IF \\\\#STOP", "#{if} \\#IF \\\\#STOP"),
    ],
)
def test_backslashes_before_a_directive_as_velocity_1_7(source: str, expected: str) -> None:
    assert render(source) == expected


# `#foreach($foreach in ...)`: Foreach.render (1.7: lines 367-395) saves `$foreach`, puts the
# loop's scope, then each item as `$foreach` after the counter and hasNext flag, so the body
# sees the item. Foreach.clean puts the saved value back or removes it (lines 443-490), then
# Directive.postRender (lines 192-224) calls getParent() on `(Scope) $foreach`: null is a
# NullPointerException (the render fails, after "12" was written), a scope gives way to its
# parent or what it replaced, anything else stays.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#set($foreach = 'z')#foreach($foreach in [1, 2])$foreach#end[$foreach]", "12[z]"),
        ("#set($foreach = 'z')#foreach($foreach in [1, 2])$foreach.count#break#end$foreach", "z"),
        ("#foreach($i in [1])#foreach($foreach in [7])$foreach#end[$foreach]#end", "7[]"),
        (
            "#set($foreach = 5)#foreach($i in [1])#foreach($foreach in [7])$foreach#end"
            "[$foreach]#end",
            "7[5]",
        ),
        # A null or non-iterable collection: Foreach.render returns before it saves anything.
        ("#foreach($foreach in $nothing)x#end#foreach($foreach in 'ab')x#end[$foreach]", "[]"),
        # The item is put after the counter: `$velocityCount` as the variable is the item.
        ("#foreach($velocityCount in ['a', 'b'])$velocityCount#end[$velocityCount]", "ab[]"),
    ],
)
def test_foreach_over_foreach_as_velocity_1_7(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "#foreach($foreach in [1, 2])$foreach#end",
        "#foreach($foreach in [])#end",
        "#foreach($foreach in [1, 2])$foreach#stop#end",  # clean runs before the stop goes on
    ],
)
def test_foreach_over_foreach_with_nothing_before_fails_the_render(source: str) -> None:
    with pytest.raises(TemplateError, match="NullPointerException"):
        render(source)
