"""Velocity 1.7's lexical rules: directives' line ends, block comments, blanks before #set,
backslashes before `$`.

Every render here also runs on the reference engine (conftest.py), which must agree.

Evidence, cited per case:
- [AWS] a render recorded against real API Gateway, in localstack/airspeed's snapshot
  `tests/test_templating.snapshot.json` (commit 97753ca), key `render-result-1` (the `-cli` key
  is Velocity 2.1.4, not AWS). The harness there renders the template under test inside a
  MOCK integration's response template, after a `#set` prelude; `aws_recorded` rebuilds
  exactly that, so the recorded bytes are compared whole.
- [V17] Velocity 1.7's own regression templates and their expected output
  (apache/velocity-engine tag 1.7: `test/templates/{escape,escape2,reference}.vm` and
  `test/templates/compare/*.cmp`), which fix what Velocity 1.7, API Gateway's engine, prints.
- [JJT] Velocity 1.7's grammar, `src/parser/Parser.jjt` at tag 1.7: a directive's `RPAREN`
  is `")" ((" "|"\\t")* ("\\n"|"\\r"|"\\r\\n"))?`, and `ELSE_DIRECTIVE` and `END` take the
  same; `TEXT` is `(~["$", "#", "\\\\"])+`; `SET_DIRECTIVE` is
  `(" "|"\\t")* ("#set" | "#{set}") (" ")* "("`;
  `MULTI_LINE_COMMENT` and `FORMAL_COMMENT` end with `"*#"` and take nothing after it,
  `SINGLE_LINE_COMMENT` takes the newline. JavaCC takes the longest token at each position,
  so blanks before `#set` are swallowed only where a token starts with them.
- [AST] Velocity 1.7's `ASTReference.getRoot`/`render` (same tag), for undefined references
  under API Gateway's rule that a null reference prints as nothing (a quiet reference).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagegate.gateway.vtl import MappingTemplate, RequestFacts
from tests.conformance.test_vtl_vectors import run_vector

# localstack/airspeed's AWS harness (tests/test_templating.py, test_render_on_aws).
_HARNESS_REQUEST = """
            #set($context.requestOverride.path.body = $input.body)
            {
              "statusCode": 200,
            }
            """


def aws_recorded(template: str, context: dict[str, Any] | None = None) -> str:
    """Render `template` as airspeed's AWS harness did: the response template of a MOCK
    integration, after a prelude that loads `context` from the request body."""
    context = context or {}
    definitions = " ".join(f"#set(${name} = $bodyJSON.{name})" for name in context)
    prelude = (
        "#set($body = $context.requestOverride.path.body)\n"
        f"#set($bodyJSON = $util.parseJson($body)) {definitions}\n"
    )
    vector = {
        "kind": "chain",
        "template": _HARNESS_REQUEST,
        "response_template": prelude + template,
        "request": {
            "method": "POST",
            "path": "/test/",
            "path_params": {},
            "query": {},
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(context),
        },
        "stage": "test",
        "stage_variables": None,
    }
    return run_vector(vector).output


def render(source: str) -> str:
    facts = RequestFacts(
        http_method="GET",
        path="/dev/things/7",
        resource_path="/things/{id}",
        stage="dev",
        path_params={"id": "7"},
        headers={"Host": "h.example"},
    )
    return MappingTemplate(source).render(facts).output


# -- a directive's line end -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [V17] foreach-type.vm / foreach-type.cmp: `#foreach( $i in $obarr)` then `  $i`.
        ("#foreach( $i in ['a', 'b'])\n  $i\n#end\n", "  a\n  b\n"),
        # [V17] ifstatement.vm / ifstatement.cmp: `#else` then `  right`.
        ("#if(false)\n  wrong\n#else\n  right\n#end\n", "  right\n"),
        ("#if(false)x#{else}\ny#end", "y"),
        # [JJT] blanks before the newline go with it; without a newline they are text.
        ("#foreach($i in [1])  \n$i#end", "1"),
        ("#foreach($i in [1])  $i#end", "  1"),
        ("#if(false)x#else  y#end", "  y"),
        ("#foreach($i in [1])\r\n$i#end", "1"),
        # Only one newline goes.
        ("#foreach($i in [1])\n\n$i#end", "\n1"),
        # [JJT] blanks after the taken newline start a token: #set swallows them.
        ("#foreach($i in [1, 2])\n  #set($a = $i)$a#end", "12"),
        ("#if(false)#else\n  #set($a = 1)$a#end", "1"),
    ],
)
def test_a_directive_takes_the_rest_of_its_line(source: str, expected: str) -> None:
    assert render(source) == expected


# -- block comments ----------------------------------------------------------------------


def test_newline_after_a_multi_line_comment_is_kept_as_recorded_on_aws() -> None:
    # [AWS] test_multi_line_comments_skipped (airspeed marks it xfail: it drops the newline).
    assert aws_recorded("Stuff#*\n more comments *#\n and more stuff") == "Stuff\n and more stuff"


def test_a_line_comment_takes_its_newline_as_recorded_on_aws() -> None:
    # [AWS] test_single_line_comments_skipped.
    template = "## comment\nStuff\nMore stuff## more comments $blah"
    assert aws_recorded(template) == "Stuff\nMore stuff"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [V17] escape.vm and escape2.vm open with a `#* ... *#` header: their .cmp files
        # start with the newline that follows it. [JJT] the comment token ends at `*#`.
        ("#*\n header\n*#\n--- Schmoo ---", "\n--- Schmoo ---"),
        ("#* start of line *#\nx", "\nx"),
        ("a #* middle of a line *# b\nc", "a  b\nc"),
        ("a #* to the end\n of a line *#\nb", "a \nb"),
        ("a#* blanks after it stay too *#  \nb", "a  \nb"),
        ("#** a formal comment *#\nx", "\nx"),
        ("#* two *##* comments *#\nx", "\nx"),
        ("#foreach($i in [1, 2])#* in a loop *#\n$i#end", "\n1\n2"),
        ("#if(true)\n#* in a branch *#\nyes#end", "\nyes"),
        # [JJT] the newline after the comment is text, so the indentation after it is
        # that text's and stays before #set.
        ("#* c *#\n  #set($a = 1)$a", "\n  1"),
        # [JJT] blanks right after a comment start a token: #set swallows them.
        ("#* c *#  #set($a = 1)$a", "1"),
        # [JJT] a line comment takes its newline; the indentation after it starts a token.
        ("## c\n  #set($a = 1)$a", "1"),
        ('#set($s = "a#* in a string *#\nb")$s', "a\nb"),
    ],
)
def test_block_comments_keep_what_follows_them(source: str, expected: str) -> None:
    assert render(source) == expected


# -- blanks before #set --------------------------------------------------------------------

_MULTILINE_MAP = r"""
        #set( $myObject = {
          "userId": "user1",
          "domain": "domain1"
        } )
        {
          "operation": "PutItem",
          "key": "$myObject.userId",
          "domain": "$myObject.domain"
        }
        """


def test_indentation_before_a_multi_line_map_is_kept_as_recorded_on_aws() -> None:
    # [AWS] test_multiline_dict_in_set_statement: 16 spaces before '{' (the 8 before #set,
    # then the 8 of the next line); Velocity 2.1.4 (the -cli key) prints 8.
    expected = (
        '\n                {\n          "operation": "PutItem",\n          "key": "user1",\n'
        '          "domain": "domain1"\n        }\n        '
    )
    assert aws_recorded(_MULTILINE_MAP, {"test_dict": {"k1": "v1"}}) == expected


def test_blanks_between_two_sets_are_swallowed_as_recorded_on_aws() -> None:
    # [AWS] test_when_dictionary_has_same_key_as_built_in_method: the prelude's
    # `#set(...) #set($user = ...)` prints nothing between the two, so the output is the
    # template's own two spaces.
    assert aws_recorded(" $user.name ", {"user": {"items": "1;2;3"}}) == "  "


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [JJT] the blanks continue text begun on an earlier line: they stay.
        ('{\n    #set($a = 1)\n    "a": $a\n}', '{\n        "a": 1\n}'),
        ("x\n\t#set($a = 1)$a", "x\n\t1"),
        ("x\n  #set($m = {\n    'a': {'b': 1}\n  })\n  $m.a.b", "x\n    1"),
        ("#foreach($i in [1])\n  x\n  #set($a = $i)\n  $a\n#end", "  x\n    1\n"),
        # [JJT] the blanks start a token (template start, after a reference, a directive's
        # closing parenthesis, #else, another #set): #set swallows them.
        ("  #set($a = 1)$a", "1"),
        ("\t #set($a = 1)$a", "1"),
        ("#set($b = 2)$b  #set($a = 1)$a", "21"),
        ("#if(true)  #set($a = 1)#end$a", "1"),
        ("#if(false)#else\t#set($a = 1)#end$a", "1"),
        ("#set($b = 2) #set($a = 1)$b$a", "21"),
        # A #set inside #foreach, and a multi-line map in it: the loop's ')' and its newline
        # end a token, so the indentation before #set is swallowed on every pass.
        ("#foreach($i in [1, 2])\n  #set($m = {\n    'k': $i\n  })\n  $m.k\n#end", "  1\n  2\n"),
        # Only blanks go: text before them on the same line keeps them.
        ("x  #set($a = 1)$a", "x  1"),
    ],
)
def test_blanks_before_set_go_only_where_a_token_starts(source: str, expected: str) -> None:
    assert render(source) == expected


# -- backslashes before references ---------------------------------------------------------

_VELOCITY_GUIDE_ESCAPES = r"""
#set( $email = "foo" )
$email
\$email
\\$email
\
\\ \# \$
\#end
\# end
\#set( $email = "foo" )
"""


def test_velocity_guide_escapes_as_recorded_on_aws() -> None:
    # [AWS] test_velocity_style_escaping (airspeed marks it xfail: it prints `\\foo`).
    expected = '\nfoo\n$email\n\\foo\n\\\n\\\\ \\# \\$\n#end\n\\# end\n#set( foo = "foo" )\n'
    assert aws_recorded(_VELOCITY_GUIDE_ESCAPES) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [V17] escape2.cmp, "As we increase the number of \'s, we alternate renderings".
        ("$foo", "bar"),
        ("\\$foo", "$foo"),
        ("\\\\$foo", "\\bar"),
        ("\\\\\\$foo", "\\$foo"),
        ("\\\\\\\\$foo", "\\\\bar"),
        # [V17] escape2.cmp: `\$foo = $foo`, `\\\$foo =\\$foo`, `\\\\\$foo =\\\\$foo`.
        ("\\$foo = $foo", "$foo = bar"),
        ("\\\\\\$foo =\\\\$foo", "\\$foo =\\bar"),
        ("\\\\\\\\\\$foo =\\\\\\\\$foo", "\\\\$foo =\\\\bar"),
        # [V17] reference.cmp: `\$!foo` prints `$!foo` when $foo is set.
        ("\\$!foo", "$!foo"),
        # [AST] the reference's own text is what an escape prints, in every form.
        ("\\${foo}", "${foo}"),
        ("\\\\${foo}", "\\bar"),
        ("\\$!{foo}", "$!{foo}"),
        ("\\\\$!foo", "\\bar"),
        ("\\$foo.length()", "$foo.length()"),
        ("\\\\$foo.length()", "\\3"),
        ("\\$foo.substring(1, $foo.length())", "$foo.substring(1, $foo.length())"),
        # A property the value lacks is null: the escape of a null reference.
        ("x\\$foo.y", "x\\$foo.y"),
        ("[\\\\$foo]", "[\\bar]"),
    ],
)
def test_escaped_references_to_a_set_variable(source: str, expected: str) -> None:
    assert render('#set($foo = "bar")' + source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [V17] escape2.cmp "These are not in the context": `\$foo` prints as it is.
        ("\\$foo", "\\$foo"),
        # [V17] reference.cmp: `\$!bar` (not in the context) prints as it is.
        ("\\$!foo", "\\$!foo"),
        ("\\${foo}", "\\${foo}"),
        ("\\$foo.bar", "\\$foo.bar"),
        # $input.params gives '' (not null) for a parameter the request lacks.
        ("\\$input.params('nope')", "$input.params('nope')"),
        # [AST] odd n: n // 2 backslashes, then `\` and the reference's text.
        ("\\\\\\$foo", "\\\\$foo"),
        # [AST] even n, not escaped, null: the n // 2 backslashes twice and an empty null text
        # (API Gateway prints a null reference as nothing: [AWS] vector
        # airspeed_aws/test_unmatched_name_does_not_get_substituted prints `Hello `).
        ("\\\\$foo", "\\\\"),
        ("\\\\\\\\$foo", "\\\\\\\\"),
        ("\\\\$!{foo}", "\\\\"),
    ],
)
def test_escaped_references_to_an_unset_variable(source: str, expected: str) -> None:
    assert render(source) == expected


# A reference's token image takes the MORE tokens before it (Parser.jjt, 1.7: HASH `#` and
# DOLLAR `("\\")* "$"`, lines 697-790): ASTReference.getRoot counts the image's leading
# backslashes, and what is left before the last `$` is `morePrefix` (lines 870-909), written
# before the value or the null text, not when escaped (render, lines 380-395, 462-491).
# [V17] test/templates/escape2.vm lines 113-118, compare/escape2.cmp lines 87-91.
ESCAPE2_PREFIXES = r"""#set($foo1 = "C0C0C0")
#$foo1
\#$foo1
#${foo1}
\#$${foo1}
#\$${foo1}
"""


def test_escape2_reference_prefixes_as_velocity_1_7() -> None:
    assert render(ESCAPE2_PREFIXES) == "#C0C0C0\n\\#C0C0C0\n#C0C0C0\n\\#$C0C0C0\n#\\$C0C0C0\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$$foo $${foo} $$!foo #$!{foo} $$$foo", "$bar $bar $bar #bar $$bar"),
        ('"#$foo"', '"#bar"'),
        ('#set($s = "a#${foo}$$foo")$s', "a#bar$bar"),
        # Escaped (an odd run leads the image): no morePrefix, the reference's text.
        ("\\$$foo \\\\\\$$foo", "$foo \\$foo"),
        # An even run: half of it, the morePrefix, the value.
        ("\\\\$$foo \\\\#$foo", "\\$bar \\\\#bar"),
        # Not a reference after the `$`: text.
        ("$$5 #$ $$.a #$-", "$$5 #$ $$.a #$-"),
    ],
)
def test_prefixed_references_to_a_set_variable(source: str, expected: str) -> None:
    assert render('#set($foo = "bar")' + source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Null: the morePrefix and an empty null text (API Gateway prints a null reference as
        # nothing), or escaped: a backslash and the reference's text.
        ("#$foo|$${foo}|#\\$$foo", "#|$|#\\$"),
        ("\\$$foo|\\\\$$foo", "\\$foo|\\\\$"),
    ],
)
def test_prefixed_references_to_an_unset_variable(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # [V17] escape2.cmp: `\$(QUERY_STRING{forumid})` and `\\$(...)` print as they are.
        ("\\$(QUERY_STRING{forumid})", "\\$(QUERY_STRING{forumid})"),
        ("\\\\$(QUERY_STRING{forumid})", "\\\\$(QUERY_STRING{forumid})"),
        # [AWS] test_velocity_style_escaping: `\$` at the end of a line prints as it is.
        ("\\$\n", "\\$\n"),
        ("\\$ x", "\\$ x"),
        # A Velocity identifier starts with a letter or '_': `$5` is text.
        ("\\$5", "\\$5"),
        # [AWS] test_velocity_style_escaping: `\#end` and `\#set(` lose their backslash.
        ("\\#end x", "#end x"),
    ],
)
def test_backslashes_before_a_dollar_that_starts_no_reference_stay(
    source: str, expected: str
) -> None:
    assert render(source) == expected


def test_escapes_inside_a_string_follow_the_same_rules() -> None:
    # [AWS] test_escaped_variable_references_not_expanded_in_double_quoted_strings:
    # `#set($hello="hello, \$name is my name")$hello` with $name set.
    recorded = aws_recorded('#set($hello="hello, \\$name is my name")$hello', {"name": "Steve"})
    assert recorded == "hello, $name is my name"
    assert render('#set($a = "x")#set($s = "\\\\$a|\\$a|\\$b")$s') == "\\x|$a|\\$b"


def test_an_escaped_reference_is_still_evaluated() -> None:
    # [AST] render() computes the value before it looks at the escape (no strict escape).
    assert render("#set($l = [])\\$l.add(1)$l") == "$l.add(1)[1]"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("#foreach($i in [1, 2])\\$i \\\\$i #end", "$i \\1 $i \\2 "),
        ("#if(true)\\$foo|#set($foo = 1)\\$foo#end", "\\$foo|$foo"),
        ("\\$a\\$b\\\\$c", "\\$a\\$b\\\\"),
    ],
)
def test_escapes_in_blocks_and_in_a_row(source: str, expected: str) -> None:
    assert render(source) == expected


def test_a_reference_reaching_past_its_block_keeps_airspeed_parse() -> None:
    # airspeed ends the #if's block at the `#end` inside the string; taking `$a.b("#end")`
    # as one reference would cross it, so that text stays text, backslash included.
    assert render('#if(true)\\$a.b("#end")') == '\\$a.b("")'


def test_a_brace_that_closes_no_reference_leaves_the_text_as_it_is() -> None:
    # Velocity would not parse `${foo x`; airspeed takes it for text, and so does the escape.
    assert render("\\${foo x") == "\\${foo x"
