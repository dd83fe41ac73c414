"""Velocity 1.7's lexical rules where airspeed's parser differs, applied to the parse tree.

API Gateway renders mapping templates with Velocity 1.7, whose lexer (`Parser.jjt`) settles
things airspeed settles otherwise. `apply` rewrites a freshly parsed tree once, before
`semantics.adapt`; both engines then render the same tree, so neither repeats these rules.

- A directive's closing token takes the blanks and the newline after it: `)` (as in
  `#foreach(...)`) and `#else` too, not only `#if(...)`, `#set(...)` and `#end` as in airspeed.
- A block comment is the token `#* ... *#` (or `#** ... *#`) and nothing after it, so the
  newline that follows it stays in the output (airspeed drops it).
- `#set` swallows the spaces and tabs before it only where they begin a token: its token is
  `(" "|"\\t")* "#set" (" ")* "("`, and plain text is one token, `(~["$", "#", "\\\\"])+`,
  that runs from the end of the previous token. Indentation after text on an earlier line is
  part of that text and stays; blanks right after a directive, a reference, a comment or at
  the start of a block are swallowed.
- Backslashes before a reference (`\\$foo`, `\\\\${foo}`, `\\$!foo`) follow ASTReference's
  escaping, not airspeed's (see `EscapedReference`); backslashes before a `$` that starts no
  reference are plain text. So do the `#` and `$`s a reference's token takes before it
  (`#$foo`, `$$foo`: its morePrefix), which airspeed prints as text.
- `#break` is a directive (airspeed has none: it parses `#break` as text, `#break(...)` as a
  macro call); see `BreakDirective`. `#stop(message)` evaluates its message
  (`StopWithMessage`).

Before airspeed parses, `parse` masks what it would read otherwise than Velocity: directive
words in another case, longer words (`#endfoo`), `#return`, calls of undefined macros it
cannot read (`LiteralCall`), bracketed directives (`#{if}(`, `#{foreach}(`).

Velocity 1.7's grammar: https://github.com/apache/velocity-engine/blob/1.7/src/parser/Parser.jjt
User guide, "Escaping Valid VTL References":
https://velocity.apache.org/engine/1.7/user-guide.html#escapingvalidvtlreferences
"""

from __future__ import annotations

import re
from typing import Any

import airspeed
from airspeed import operators as av

from sagegate.gateway.vtl.tree import elements

# What comes before a reference (`$`, `$!`, `${` or `$!{` and a Velocity identifier's first
# character, a letter or '_') in its token's image: a run of backslashes, or MORE tokens
# (Parser.jjt, 1.7: lines 697-790), a HASH `#` first or a DOLLAR `("\\")* "$"`, then DOLLARs.
# ASTReference.getRoot (lines 870-909) counts the leading backslashes and takes everything
# else before the last `$` as `morePrefix`: `#$foo`, `$$foo`, `#\$${foo}`.
_ESCAPES = re.compile(r"(?:#|\\*\$)(?:\\*\$)*(?=\$!?\{?[A-Za-z_])|\\+(?=\$!?\{?[A-Za-z_])")
# A run of backslashes, and the directive word (`<WORD>` or `<BRACKETED_WORD>`, Parser.jjt
# 1.7 lines 1093-1095) that may follow it: `#word` or `#{word}`.
_BACKSLASHES = re.compile(r"\\+")
_DIRECTIVE_AFTER = re.compile(r"#(?:\{([A-Za-z_][A-Za-z0-9_@]*)\}|([A-Za-z_@][A-Za-z0-9_@]*))")
# Velocity 1.7's directives (runtime/defaults/directive.properties), and the words its
# grammar makes directives: what `\#word` escapes (Parser.jjt escapedDirective, lines
# 248-302). API Gateway defines no macros (see semantics), so no macro name is one.
_DIRECTIVES = frozenset(
    ("foreach", "include", "parse", "macro", "literal", "evaluate", "break", "define", "stop")
)
_ESCAPABLE = _DIRECTIVES | {"if", "end", "set", "else", "elseif"}
# The tokens after `\\` that make Escape() print each `\\` as one backslash (Parser.jjt
# lines 1259-1304): IF_DIRECTIVE, ELSE_DIRECTIVE, ELSEIF_DIRECTIVE and END, bracketed or not,
# or a `#word` naming a directive (the image after `#`, so `#{foreach}` is not one).
_CONTROL_TOKENS = frozenset(("if", "else", "elseif", "end"))
# What airspeed's block comment swallows after `*#`.
_AFTER_BLOCK_COMMENT = re.compile(r"\*#([ \t]*\n)\Z")
# What Velocity's `)` and `#else` tokens take after them: `((" "|"\t")* ("\n"|"\r"|"\r\n"))?`.
_REST_OF_LINE = re.compile(r"[ \t]*(?:\r\n?|\n)")
_BLANKS = re.compile(r"[ \t]*")
# What Velocity's directive token reads after `#`: `<WORD>` is `(<LETTER>|"_"|"@")
# (<DIRECTIVE_CHAR>)*` with DIRECTIVE_CHAR `[a-zA-Z0-9_@]`, or `<BRACKETED_WORD>` `{word}`
# (Parser.jjt, 1.7: lines 1093-1095). So `#break.` and `#break-x` are #break followed by text,
# `#breakfast` and `#break_x` other words (unknown directives, printed as they are).
# airspeed parses `#stop` but not `#{stop}` (StopDirectiveTestCase.java, 1.7: line 45).
_BREAK_WORD = re.compile(r"break(?![a-zA-Z0-9_@])|\{break\}|(\{stop\})")


# The directive words airspeed's parser matches in any case (its patterns carry re.I).
_AIRSPEED_KEYWORDS = (
    "if",
    "else",
    "elseif",
    "end",
    "set",
    "foreach",
    "macro",
    "define",
    "include",
    "parse",
    "stop",
)
# What airspeed also reads as a directive: `#return(...)` and `#evaluate(...)` (in this case
# only). Velocity 1.7 has no #return (runtime/defaults/directive.properties).
_AIRSPEED_WORDS = (*_AIRSPEED_KEYWORDS, "return", "evaluate")
# A directive word as Velocity's lexer reads it after `#`: `<WORD>`, or `<BRACKETED_WORD>` when
# both braces are there (Parser.jjt, 1.7: lines 1093-1095).
_HASH_WORD = re.compile(r"#(\{)?([A-Za-z_@][A-Za-z0-9_@]*)(\})?")
_MARKER_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz_"
# Velocity 1.7's directive words (the grammar's and directive.properties'): any other word
# after `#` is a call of an undefined macro (Parser.jjt Directive(), lines 1411-1486).
_VELOCITY_WORDS = _DIRECTIVES | _CONTROL_TOKENS | {"set"}
# The bracketed directives airspeed does not parse (`#{else}`, `#{end}` it does; `#{stop}`
# and a bare `#{break}` are `_break_directives`'), and the node airspeed makes of each once
# the braces are taken off: IF_DIRECTIVE is "if" | "{if}", ELSEIF_DIRECTIVE "elseif" |
# "{elseif}", SET_DIRECTIVE `("#set" | "#{set}") (" ")* "("` (lines 665, 1013-1021), and
# Directive() takes a BRACKETED_WORD as it takes a WORD (lines 1431-1440).
_BRACKETED: dict[str, type[Any]] = {
    "if": av.IfDirective,
    "elseif": av.ElseifBlock,
    "set": av.SetDirective,
    "foreach": av.ForeachDirective,
    "macro": av.MacroDefinition,
    "define": av.DefineDefinition,
    "include": av.IncludeDirective,
    "parse": av.ParseDirective,
    "evaluate": av.EvaluateDirective,
    "break": av.MacroCall,
    "stop": av.MacroCall,
}
# What may stand between a directive word and its `(`: isLeftParenthesis (Parser.jjt lines
# 310-333) skips spaces, tabs and line ends; airspeed's patterns take blanks only (`#if`'s
# and `#set`'s any whitespace), so a line end there is left to airspeed.
_BLANKS_PAREN = re.compile(r"[ \t]*\(")
_WHITESPACE_PAREN = re.compile(r"[ \t\r\n]*\(")
# A directive's arguments (Directive(), lines 1499-1545): `[WS] [, [WS]] DirectiveArg`, each
# a reference, a literal, a list, a map or a WORD (an undefined macro takes any of them).
_ARGUMENT_GAP = re.compile(r"[ \t\r\n]*(?:,[ \t\r\n]*)?")
_CLOSE_PAREN = re.compile(r"[ \t\r\n]*\)")
_WORD = re.compile(r"[A-Za-z_@][A-Za-z0-9_@]*")


def parse(source: str) -> Any:
    """The airspeed Template for `source`, parsed with Velocity 1.7's directive words
    (`ensure_compiled` done; `apply` not yet).

    Velocity's directive and keyword tokens are case-sensitive (Parser.jjt, 1.7: `<IF_DIRECTIVE:
    "if" | "{if}">`, `<END: ( "end" ...`, `<SET_DIRECTIVE: ... ("#set" | "#{set}") ...>`, lines
    1005-1035 and 665, and `getDirective(directiveName)`, a map lookup, line 1443), and a word
    is all of `[a-zA-Z0-9_@]` after `#` (JavaCC takes the longest token, so `#endfoo` is the
    word `endfoo`, not `#end`). `#IF($a)`, `#Foreach(...)`, `#STOP`, `#End`, `#endfoo`,
    `#return(1)` are unknown words there: a call of an undefined macro, printed as written.
    airspeed reads those words as its directives, and its parser cannot be told otherwise
    without changing it for its other users. So airspeed parses a masked source, and the
    tree gets the source's text back:

    - each such word is replaced, at the same length, by a marker word airspeed takes for a
      macro name (`q` and [0-9a-z_], found nowhere in the source), and every string in the
      tree given its original words back (`_unmask`);
    - an undefined macro's call whose arguments airspeed cannot read (`#Foreach($i in $l)`:
      Velocity takes any WORD as an argument of an undefined macro, lines 1507-1536), or that
      is bracketed, is masked whole and made a `LiteralCall`;
    - a bracketed directive airspeed does not know (`#{if}(`, `#{foreach}(`, ...) is given
      as `#if  (`: the same length, so every position stays; where airspeed did not make
      that directive of it (the text is in a string or a comment), it is parsed again
      without that change.
    """
    kept: set[int] = set()  # offsets of calls and bracketed words to leave as they are
    while True:
        masked, markers, unbracketed, calls = _mask(source, kept)
        template = airspeed.Template(masked)
        try:
            template.ensure_compiled()
        except airspeed.TemplateSyntaxError as exc:
            if masked == source:
                raise
            raise airspeed.TemplateError(_unmasked(str(exc), markers)) from exc
        if masked == source:
            return template
        found = elements(template.root_element)
        misread = {
            start
            for start, kind in unbracketed.items()
            if not any(
                type(item) is kind and item.start == start and item._full_text is masked
                for item in found
            )
        }
        made = _literal_calls(found, set(calls))
        # A call masked in a comment or a string is no call: its text must stay.
        misread |= {start for marker, start in calls.items() if marker not in made}
        if misread:
            kept |= misread
            continue
        for item in elements(template.root_element):
            if item._full_text is masked:
                item._full_text = source
        if markers:
            _unmask(template.root_element, markers)
        return template


def _mask(
    source: str, kept: set[int]
) -> tuple[str, dict[str, str], dict[int, type[Any]], dict[str, int]]:
    """`source` masked for airspeed (see `parse`); the markers (marker -> original text); the
    offsets of the bracketed directives given unbracketed, and the node each must become;
    the markers of the calls masked whole, and their offsets."""
    taken: dict[str, str] = {}  # original word -> marker
    calls: dict[str, int] = {}  # marker -> offset of a call masked whole
    markers: dict[str, str] = {}  # marker -> original text
    unbracketed: dict[int, type[Any]] = {}
    pieces: list[str] = []
    position = 0
    for match in _HASH_WORD.finditer(source):
        if match.start() < position:
            continue  # inside a call masked whole
        opening, word, closing = match.groups()
        bracketed = bool(opening and closing) and not word.startswith("@")
        word_end = match.end() if bracketed else match.end(2)
        as_is = match.start() in kept or _backslashes_before(source, match.start()) % 2 == 1
        call_end = None if as_is else _undefined_call_end(source, word, bracketed, word_end)
        if call_end is not None:
            text = source[match.start() + 1 : call_end]
            marker = _new_marker(len(text), source, set(markers), "q-")
            if marker is None:
                continue
            markers[marker] = text
            calls[marker] = match.start()
            pieces += (source[position : match.start() + 1], marker)
            position = call_end
            continue
        if bracketed and word in _BRACKETED and not as_is:
            paren = _WHITESPACE_PAREN if word in ("if", "elseif") else _BLANKS_PAREN
            if paren.match(source, word_end):
                replacement = word
                if word == "stop":  # `#{stop}(...)` is #stop with its message: see below
                    replacement = _marker_for(word, source, taken, markers) or word
                pieces += (source[position : match.start() + 1], replacement + "  ")
                position = word_end
                unbracketed[match.start()] = _BRACKETED[word]
                continue
        if _misread(word, bracketed, source, word_end):
            marker = _marker_for(word, source, taken, markers)
            if marker is None:
                continue  # no marker left: airspeed's reading stands
            pieces += (source[position : match.start(2)], marker)
            position = match.end(2)
    if not pieces:
        return source, {}, {}, {}
    pieces.append(source[position:])
    return "".join(pieces), markers, unbracketed, calls


def _backslashes_before(source: str, index: int) -> int:
    count = 0
    while index > count and source[index - count - 1] == "\\":
        count += 1
    return count


def _misread(word: str, bracketed: bool, source: str, end: int) -> bool:
    """Whether airspeed would read `#word` as one of its directives where Velocity does not,
    or `#stop(...)`, whose message airspeed leaves as text."""
    if bracketed:
        return not word.islower() and word.lower() in _AIRSPEED_KEYWORDS
    if word == "stop":
        return _BLANKS_PAREN.match(source, end) is not None
    if not word.islower():
        return word.lower().startswith(_AIRSPEED_KEYWORDS)
    if word in _AIRSPEED_WORDS:
        return word == "return"
    # airspeed's #end and #else take any word that starts with them (End.END, ElseBlock.START
    # and FallthroughHashText have no word boundary), its other directives one followed by
    # `@` (`\b`); Velocity's word goes on to the end of [a-zA-Z0-9_@].
    return word.startswith(("end", "else")) or word.startswith(
        tuple(keyword + "@" for keyword in _AIRSPEED_WORDS)
    )


def _undefined_call_end(source: str, word: str, bracketed: bool, end: int) -> int | None:
    """Where the call `#word(...)` of an undefined macro ends, when airspeed would not read
    it as one MacroCall of that extent (bracketed, a line end before `(`, a WORD argument,
    a case-variant directive name); else None."""
    if word in _VELOCITY_WORDS or word.startswith("@") or "\\" in word:
        return None
    call_end = _velocity_call_end(source, end)
    if call_end is None or "\\" in source[end:call_end]:
        return None
    if not bracketed:
        probe = "#" + "q" * len(word) + source[end:call_end]
        try:
            if av.MacroCall("", probe, 0).end == len(probe):
                return None  # airspeed's MacroCall reads it as Velocity does
        except (av.NoMatch, av.TemplateSyntaxError):
            pass
    return call_end


def _velocity_call_end(source: str, position: int) -> int | None:
    """The end of a directive's parenthesised arguments starting at `position`, as
    Directive() reads them; None where there are none or they do not parse."""
    opening = _WHITESPACE_PAREN.match(source, position)
    if opening is None:
        return None
    position = opening.end()
    while True:
        closing = _CLOSE_PAREN.match(source, position)
        if closing is not None:
            return closing.end()
        gap = _ARGUMENT_GAP.match(source, position)
        assert gap is not None  # it matches the empty string
        try:
            argument_end: int = av.Value("", source, gap.end()).end
        except (av.NoMatch, av.TemplateSyntaxError, RecursionError):
            word = _WORD.match(source, gap.end())
            if word is None:
                return None
            argument_end = word.end()
        if argument_end == position:
            return None
        position = argument_end


def _marker_for(
    word: str, source: str, taken: dict[str, str], markers: dict[str, str]
) -> str | None:
    """The marker for a directive word (one for all its occurrences)."""
    marker = taken.get(word)
    if marker is None:
        marker = _new_marker(len(word), source, set(markers), "q")
        if marker is not None:
            taken[word] = marker
            markers[marker] = word
    return marker


def _new_marker(length: int, source: str, taken: set[str], lead: str) -> str | None:
    free = length - len(lead)
    if free < 0:
        return None
    for number in range(len(_MARKER_CHARS) ** min(free, 3)):
        digits = ""
        for _ in range(free):
            number, digit = divmod(number, len(_MARKER_CHARS))
            digits += _MARKER_CHARS[digit]
        marker = lead + digits
        # Found nowhere in the source, and neither part of another marker nor holding one:
        # `_literal_calls` knows a call by the marker its text starts with.
        if marker not in source and not any(marker in t or t in marker for t in taken):
            return marker
    return None


def _unmasked(text: str, markers: dict[str, str]) -> str:
    # One pass, longest marker first: `q0` (for `IF`) is a prefix of `q00` (for `END`), and
    # a restored word may hold what reads as a marker.
    if not markers:
        return text
    pattern = "|".join(map(re.escape, sorted(markers, key=len, reverse=True)))
    return re.sub(pattern, lambda match: markers[match.group()], text)


def _unmask(root: av.TemplateBody, markers: dict[str, str]) -> None:
    """Every string a parsed element holds (its source, text, literal values, names) with the
    original words in place of the markers."""
    for element in elements(root):
        for name, value in vars(element).items():
            if isinstance(value, str) and any(marker in value for marker in markers):
                setattr(element, name, _unmasked(value, markers))


def _literal_calls(found: list[Any], calls: set[str]) -> set[str]:
    """Each undefined macro's call masked whole (`#` and a `q-` marker: airspeed made a
    FallthroughHashText and a Text of them) made one LiteralCall, in every block; the
    markers so made."""
    made: set[str] = set()
    if not calls:
        return made
    for block in found:
        if not isinstance(block, av.Block):
            continue
        children: list[Any] = []
        rest = list(block.children)
        while rest:
            child = rest.pop(0)
            following = rest[0] if rest else None
            marker = None
            if (
                type(child) is av.FallthroughHashText
                and isinstance(following, av.Text)
                and following.start == child.end
            ):
                marker = next((m for m in calls if following.text.startswith(m)), None)
            if marker is None or following is None:
                children.append(child)
                continue
            rest.pop(0)
            made.add(marker)
            end = child.end + len(marker)
            children.append(LiteralCall(child, child.start, end))
            if end < following.end:
                children.append(TextPiece(following, end, following.end))
        block.children = children
    return made


def _text_of(full: str, start: int, end: int) -> str:
    """What the template text `full[start:end]` prints, once escaped references are taken
    out of it: backslashes print as typed, but for a run of them before a directive word.

    Velocity 1.7 (Parser.jjt): an odd run n before `#word` is one ESCAPE_DIRECTIVE token
    (line 641), `#word` printed as text after (n - 1) / 2 backslashes if the word is a
    directive (`escapedDirective`, lines 248-302), else as typed; an even run is n / 2
    DOUBLE_ESCAPE tokens (`Escape()`, lines 1259-1304) before the directive, which runs,
    each printed as one backslash if what follows is #if, #else, #elseif, #end or a
    directive's `#word`, else as two. The run may reach outside `start:end` (airspeed
    splits it: `\\` is a Text of its own), so it is read in `full`.
    """
    raw = full[start:end]
    if "\\" not in raw:
        return raw
    low = start
    while low > 0 and full[low - 1] == "\\":
        low -= 1
    dropped: list[tuple[int, int]] = []
    for run in _BACKSLASHES.finditer(full, low):
        if run.start() >= end:
            break
        count = len(run.group())
        word = _DIRECTIVE_AFTER.match(full, run.end())
        if word is None:
            continue
        bracketed, bare = word.groups()
        if count % 2:
            kept = count // 2 if (bracketed or bare) in _ESCAPABLE else count
        elif bracketed in _CONTROL_TOKENS or bare in _CONTROL_TOKENS or bare in _DIRECTIVES:
            kept = count // 2
        else:
            kept = count
        if kept < count:
            dropped.append((run.start(), run.start() + count - kept))
    if not dropped:
        return raw
    return "".join(
        char
        for offset, char in enumerate(raw, start)
        if not any(first <= offset < last for first, last in dropped)
    )


class TextPiece(av.Text):  # type: ignore[misc]
    """Text from part of the source, made by `apply` (airspeed's Text parses to the end of
    all the text it can take, so its constructor cannot make one)."""

    def __init__(self, source: av._Element, start: int, end: int) -> None:
        self.filename = source.filename
        self._full_text = source.full_text()
        self.start = start
        self.end = end
        self.text = _text_of(self._full_text, start, end)


class EscapedReference(av._Element):  # type: ignore[misc]
    """A reference with n >= 1 backslashes or MORE tokens before it in its token's image, as
    Velocity 1.7's ASTReference renders it (getRoot counts the backslashes and takes the
    rest before the last `$` as `morePrefix`; render writes them).

    The value is computed either way. n // 2 backslashes are printed first (`prefix`); then,
    for odd n (escaped), the reference's own text (`literal`) when it has a value, else a
    backslash and that text, and no morePrefix (render's escaped branch writes none); for
    even n, the morePrefix (`more`) and the value, or (null) n // 2 backslashes more and the
    morePrefix: API Gateway prints every null reference as Velocity prints a quiet one
    (`$!foo`), whose null text is empty only when it is not escaped. So, with `$email` set to
    "foo": `\\$email` -> `$email`, `\\\\$email` -> `\\foo`, `\\\\\\$email` -> `\\$email`,
    `#$email` -> `#foo`, `$$email` -> `$foo`, `\\$$email` -> `$email`; unset: `\\$email` ->
    `\\$email`, `\\\\$email` -> `\\\\`, `#$email` -> `#`.

    `semantics.adapt` gives it its renderer; `codegen` compiles the same steps.
    """

    def __init__(self, reference: av.FormalReference, head: str) -> None:
        self.filename = reference.filename
        self._full_text = reference.full_text()
        self.start = reference.start - len(head)
        self.end = reference.end
        self.reference = reference
        backslashes = len(head) - len(head.lstrip("\\"))
        half = "\\" * (backslashes // 2)
        self.prefix = half
        self.more = ""
        if backslashes % 2:
            self.literal: str | None = reference.my_text()
            self.when_null = "\\" + reference.my_text()
        else:
            self.literal = None
            self.more = head[backslashes:]
            self.when_null = half + self.more


class BreakDirective(av._Element):  # type: ignore[misc]
    """Velocity 1.7's `#break`, `#{break}` or `#break($scope)` (directive/Break.java).

    `argument` is the scope's Value, or None for a bare `#break`, which stops the innermost
    running scope: the innermost #foreach, or the template itself (API Gateway has no #parse,
    #evaluate, #define or macros to be scopes). `semantics.adapt` gives it its renderer;
    `codegen` compiles the same rule.
    """

    def __init__(self, source: av._Element, start: int, end: int, argument: Any) -> None:
        self.filename = source.filename
        self._full_text = source.full_text()
        self.start = start
        self.end = end
        self.argument = argument


class BracketedStop(av.StopDirective):  # type: ignore[misc]
    """`#{stop}`, which airspeed leaves as text: a StopDirective like `#stop`."""

    def __init__(self, source: av._Element, start: int, end: int) -> None:
        self.filename = source.filename
        self._full_text = source.full_text()
        self.start = start
        self.end = end


class StopWithMessage(av.StopDirective):  # type: ignore[misc]
    """`#stop(message)` (or `#{stop}(...)`): Stop.render evaluates the message, then stops
    (Stop.java, 1.7: lines 85-96). airspeed reads `#stop` and leaves `(...)` as text; the
    masked source makes it a macro call, made this by `_directive_call`. `argument` is the
    message's Value, or None for `#stop()`.
    """

    def __init__(self, source: av._Element, argument: Any) -> None:
        self.filename = source.filename
        self._full_text = source.full_text()
        self.start = source.start
        self.end = source.end
        self.argument = argument


class LiteralCall(av.MacroCall):  # type: ignore[misc]
    """A call of an undefined macro that airspeed cannot read as one MacroCall
    (`#Foreach($i in $l)`, `#{foo}($a)`): printed as written, its arguments unevaluated,
    as RuntimeMacro prints it (1.7: RuntimeMacro.java lines 183-204, 352-354). Made by
    `parse` from the masked call."""

    def __init__(self, source: av._Element, start: int, end: int) -> None:
        self.filename = source.filename
        self._full_text = source.full_text()
        self.start = start
        self.end = end
        self.macro_name = ""
        self.args: list[Any] = []


def apply(root: av.TemplateBody) -> None:
    """Rewrite every block of a parsed template (in place) to Velocity 1.7's lexical rules."""
    done: list[av.Block] = []  # kept alive, so their ids stay theirs
    seen: set[int] = set()
    while True:
        found = elements(root)
        blocks = [b for b in found if isinstance(b, av.Block) and id(b) not in seen]
        if not blocks:
            return
        # The blocks airspeed starts right after a `#foreach(...)` or an `#else`.
        after_line_end = {
            id(item.block) for item in found if isinstance(item, av.ForeachDirective | av.ElseBlock)
        }
        for block in blocks:
            seen.add(id(block))
            done.append(block)
            children = _split_comments(_escape(block))
            if id(block) in after_line_end:
                _drop_rest_of_line(children, block.start)
            block.children = _break_directives(_swallow_blanks_before_set(children))


def _escape(block: av.Block) -> list[Any]:
    """The block's children with each escaped reference made an EscapedReference node.

    What follows a rewritten reference is parsed again from where the reference ends, so a
    reference airspeed had taken for text (`\\$foo.bar($x)`) becomes one node whatever
    airspeed made of its pieces.
    """
    done: list[Any] = []
    rest: list[Any] = list(block.children)
    scanned = 0  # source offset up to which backslashes are known to escape nothing
    while True:
        found = _first_escape(rest, scanned)
        if found is None:
            done.extend(_retexted(rest))
            return done
        index, run_start, reference = found
        following = av.Block(block.filename, block.full_text(), reference.end)
        if following.end != block.end:
            # The reference reaches past its block (its arguments hold what airspeed took
            # for the block's #end): airspeed's parse stands.
            scanned = reference.start
            continue
        text = rest[index]
        done.extend(_retexted(rest[:index]))
        if run_start > text.start:
            done.append(TextPiece(text, text.start, run_start))
        done.append(EscapedReference(reference, reference.full_text()[run_start : reference.start]))
        rest = list(following.children)
        scanned = reference.end


def _first_escape(children: list[Any], scanned: int) -> tuple[int, int, Any] | None:
    """(index of the Text child, start of its backslashes, the reference) of the first
    escaped reference that starts in a Text child at or after `scanned`."""
    for index, child in enumerate(children):
        if type(child) is not av.Text or child.end <= scanned:
            continue
        position = max(scanned, child.start)
        source = child.full_text()
        while True:
            match = _ESCAPES.search(source, position)
            if match is None or match.start() >= child.end:
                break
            try:
                reference = av.FormalReference(child.filename, source, match.end())
            except av.TemplateSyntaxError:  # `\${foo` without its closing brace: text
                position = match.end() + 1
                continue
            return index, match.start(), reference
    return None


def _retexted(children: list[Any]) -> list[Any]:
    """airspeed's Text nodes with their backslashes printed as `_text_of` says (airspeed
    drops one before any `#` or `$` and a non-blank)."""
    for child in children:
        if type(child) is av.Text and "\\" in child.my_text():
            child.text = _text_of(child.full_text(), child.start, child.end)
    return children


def _split_comments(children: list[Any]) -> list[Any]:
    """Each block comment followed by the newline (and blanks) airspeed made part of it."""
    result: list[Any] = []
    for child in children:
        result.append(child)
        if isinstance(child, av.Comment) and child.my_text().startswith("#*"):
            after = _AFTER_BLOCK_COMMENT.search(child.my_text())
            if after is not None:
                result.append(TextPiece(child, child.end - len(after.group(1)), child.end))
    return result


def _drop_rest_of_line(children: list[Any], start: int) -> None:
    """Blanks and a newline at the start of a block, printed as nothing (see the module's
    first rule)."""
    if children and isinstance(children[0], av.Text) and children[0].start == start:
        text = children[0]
        end = _REST_OF_LINE.match(text.full_text(), start, text.end)
        if end is not None:
            text.text = _text_of(text.full_text(), end.end(), text.end)


def _swallow_blanks_before_set(children: list[Any]) -> list[Any]:
    """Blank-only text right before a #set, where a token ended, printed as nothing."""
    for index, child in enumerate(children):
        if not isinstance(child, av.SetDirective):
            continue
        run = index
        while run > 0 and isinstance(children[run - 1], av.Text):
            run -= 1
        texts = children[run:index]
        if texts and all(_BLANKS.fullmatch(t.text) for t in texts):
            for text in texts:
                text.text = ""
    return children


def _break_directives(children: list[Any]) -> list[Any]:
    """Each `#break` airspeed left as text or took for a macro call made a BreakDirective,
    each `#{stop}` a BracketedStop."""
    result: list[Any] = []
    index = 0
    while index < len(children):
        child = children[index]
        index += 1
        if isinstance(child, av.MacroCall):
            result.append(_directive_call(child) or child)
            continue
        following = children[index] if index < len(children) else None
        if (
            type(child) is not av.FallthroughHashText
            or child.text != "#"
            or not isinstance(following, av.Text)
            or following.text != following.my_text()  # an escape or a rewrite: leave it
        ):
            result.append(child)
            continue
        word = _BREAK_WORD.match(following.text)
        if word is None:
            result.append(child)
            continue
        end = following.start + word.end()
        if word.group(1):
            result.append(BracketedStop(child, child.start, end))
        else:
            result.append(BreakDirective(child, child.start, end, None))
        index += 1
        if end < following.end:
            result.append(TextPiece(following, end, following.end))
    return result


def _directive_call(call: av.MacroCall) -> BreakDirective | StopWithMessage | None:
    """`#break(...)`, which airspeed parsed as a macro call, or `#stop(...)`, which `parse`
    masked into one; None for any other call.

    Velocity's names are case-sensitive (`#BREAK($x)` is an unknown directive, printed).
    More than one argument fails Break.init or Stop.init (1.7: Break.java lines 79-84,
    Stop.java lines 70-82), which run when the template is initialised: here, a template
    that does not load.
    """
    if isinstance(call, LiteralCall):
        return None
    name = call.my_text()[1:].split("(", 1)[0].rstrip(" \t")
    if name.startswith("{") and name.endswith("}"):
        name = name[1:-1]
    if name not in ("break", "stop"):
        return None
    if len(call.args) > 1:
        raise av.TemplateSyntaxError(call, f"#{name} takes at most one argument")
    argument = call.args[0] if call.args else None
    if name == "stop":
        return StopWithMessage(call, argument)
    return BreakDirective(call, call.start, call.end, argument)


__all__ = [
    "BracketedStop",
    "BreakDirective",
    "EscapedReference",
    "LiteralCall",
    "StopWithMessage",
    "apply",
    "parse",
]
