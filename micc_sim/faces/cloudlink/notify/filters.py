"""A subscription's filters: ``subjectFilter`` (a JavaScript regular expression) and ``publicationFilter`` (JSONPath).

The real Notify is a Node service: it tests a subject with ``new RegExp(subjectFilter).test(subject)``. Python's
``re`` reads most such patterns alike but not all, so :func:`subject_filter` translates the JavaScript dialect
(no flags, no ``u`` mode) into the syntax of RE2 (:mod:`micc_sim.patterns`: a subscriber's pattern runs in linear
time, so ``(a+)+$`` cannot stall the server) and refuses, with the reason, what JavaScript would read otherwise or
not at all, and what needs backtracking:

* ``$`` is the end of the subject only (Python's ``$`` also matches before a final newline): becomes ``\\z``;
* ``.`` matches anything but the line terminators ``\\n \\r \\u2028 \\u2029`` (Python's: anything but ``\\n``);
* ``\\d \\w \\b`` are ASCII, as RE2's are (Python's are Unicode); ``\\s`` keeps JavaScript's Unicode white space
  (spelled out, since RE2's is ASCII);
* ``(?<name>...)`` becomes ``(?P<name>...)``; ``[^]`` (anything) and ``[]``
  (nothing) are translated; a ``{`` that does not start a quantifier is a literal, as in JavaScript;
* refused: Python-only syntax JavaScript rejects or reads as something else (``(?P<..>``, ``(?i)`` and other
  inline flags, ``(?#..)``, atomic groups, possessive quantifiers, ``\\A \\Z \\z`` and other escapes of letters
  that JavaScript would read as the bare letter), and what RE2 cannot run in linear time: look-ahead,
  look-behind and back-references (``\\1``, ``\\k<name>``).

``publicationFilter`` is JSONPath as jsonpath-ng's extended parser reads it (``$.publications[?(@.content.state ==
'ended')]``), evaluated over a batch ``{"publications": [...]}``; the JavaScript spellings ``===``, ``!==`` and
``&&`` are read as ``==``, ``!=`` and ``&``; its regex match ``=~`` runs on RE2 too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import filter as jsonpath_filter
from jsonpath_ng.ext import parse as jsonpath_parse

from micc_sim.patterns import PatternError, compile_linear

# JavaScript's \s: WhiteSpace and LineTerminator of ECMA-262
_JS_SPACE = r"\t\n\x0b\f\r \xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}"
_JS_DOT = r"[^\n\r\x{2028}\x{2029}]"
_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")
_SIMPLE_ESCAPES = set("dDwWbBfnrtv0/\\^$.*+?()[]{}|-")
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_$][\w$]*)>")
MAX_FILTER = 1000  # characters of a subjectFilter (micc_sim.patterns.MAX_PATTERN)
_BACKTRACKING = "RE2, which runs every subscriber's pattern in linear time, has none"


class FilterError(ValueError):
    """A filter the subscription cannot have; the message says why, for the 400 answer."""


@lru_cache(maxsize=4096)
def subject_filter(pattern: str) -> Any:
    """``pattern`` as JavaScript's ``new RegExp(pattern)`` reads it, compiled for RE2 (``.search`` as ``re``'s)."""
    if len(pattern) > MAX_FILTER:
        raise FilterError(f"the pattern is {len(pattern)} characters long; at most {MAX_FILTER} are taken")
    translated = _translate(pattern)
    try:
        return compile_linear(translated, max_length=8 * MAX_FILTER)
    except PatternError as exc:
        raise FilterError(str(exc).replace("not a pattern", "not a regular expression")) from None


def _translate(js: str) -> str:
    out: list[str] = []
    i, n, in_class = 0, len(js), False
    while i < n:
        c = js[i]
        if c == "\\":
            if i + 1 >= n:
                raise FilterError("the pattern ends with a lone backslash")
            e = js[i + 1]
            i += 2
            if e == "s":
                out.append(_JS_SPACE if in_class else f"[{_JS_SPACE}]")
            elif e == "S" and not in_class:
                out.append(f"[^{_JS_SPACE}]")
            elif (e == "k" and i < n and js[i] == "<") or e in "123456789":
                raise FilterError(f"\\{e} is a back-reference: it needs backtracking, and {_BACKTRACKING}")
            elif e == "c" and i < n and js[i].isascii() and js[i].isalpha():
                out.append(f"\\x{ord(js[i]) % 32:02x}")
                i += 1
            elif e == "x" and re.match(r"[0-9A-Fa-f]{2}", js[i:i + 2]):
                out.append("\\x" + js[i:i + 2])
                i += 2
            elif e == "u" and re.match(r"[0-9A-Fa-f]{4}", js[i:i + 4]):
                out.append("\\x{" + js[i:i + 4] + "}")
                i += 4
            elif e == "0" or e in _SIMPLE_ESCAPES or e == "S" or not e.isascii() or not e.isalnum():
                out.append("\\" + e)
            else:
                raise FilterError(f"\\{e} is not a JavaScript escape (JavaScript would read it as the letter {e}); "
                                  + ("use ^ or $" if e in "AZz" else "write the character itself"))
            continue
        if in_class:
            if c == "]":
                in_class = False
                out.append(c)
            elif c == "[" or (c in "-&~|" and js[i + 1:i + 2] == c):
                out.append("\\" + c)  # literal in JavaScript; Python warns of set operations
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            if js.startswith("[^]", i):
                out.append(r"[\s\S]")
                i += 3
            elif js.startswith("[]", i):
                out.append(r"[^\x00-\x{10ffff}]")  # RE2 has no (?!): a class nothing is in
                i += 2
            else:
                in_class = True
                out.append(c)
                i += 1
                if js[i:i + 1] == "^":
                    out.append("^")
                    i += 1
            continue
        if c == "(" and js.startswith("(?", i):
            rest = js[i + 2:i + 4]
            named = _NAMED_GROUP.match(js, i)
            if named:
                out.append(f"(?P<{named.group(1)}>")
                i = named.end()
            elif rest[:1] == ":":
                out.append("(?:")
                i += 3
            elif rest[:1] in ("=", "!") or rest in ("<=", "<!"):
                raise FilterError(f"(?{rest if rest[:1] == '<' else rest[:1]} is a look-around: it needs backtracking, "
                                  f"and {_BACKTRACKING}")
            else:
                raise FilterError(f"(?{rest[:1]} is not JavaScript syntax (no inline flags, (?P<name>), comments "
                                  "or atomic groups); JavaScript has (?:, (?=, (?!, (?<=, (?<! and (?<name>")
            continue
        if c in "*+?" and js[i + 1:i + 2] == "+":
            raise FilterError(f"{c}+ (a possessive quantifier) is not JavaScript syntax")
        if c == "{":
            quantifier = _QUANTIFIER.match(js, i)
            if quantifier:
                if js[quantifier.end():quantifier.end() + 1] == "+":
                    raise FilterError("}+ (a possessive quantifier) is not JavaScript syntax")
                out.append(quantifier.group(0))
                i = quantifier.end()
            else:
                out.append("\\{")  # JavaScript reads a { that starts no quantifier as itself
                i += 1
            continue
        if c == "}":
            out.append("\\}")
        elif c == "$":
            out.append(r"\z")
        elif c == ".":
            out.append(_JS_DOT)
        else:
            out.append(c)
        i += 1
    if in_class:
        raise FilterError("a character class [ is not closed by ]")
    return "".join(out)


# -- publicationFilter --------------------------------------------------------------------------
_JS_OPERATORS = (("===", "=="), ("!==", "!="), ("&&", "&"))
_REGEX_OPERAND = re.compile(r"=~\s*('[^']*'|\"[^\"]*\")")


def _regex_match(value: Any, pattern: Any) -> bool:
    """jsonpath-ng's ``=~`` (``re.search``), on RE2: a pattern that cannot run in linear time selects nothing."""
    try:
        return isinstance(value, str) and compile_linear(str(pattern)).search(value) is not None
    except PatternError:
        return False


jsonpath_filter.OPERATOR_MAP["=~"] = _regex_match  # the library looks its operators up in this table at match time


@lru_cache(maxsize=4096)
def publication_filter(expression: str) -> Any:
    """A compiled JSONPath (``.find(batch)`` gives the matches); :class:`FilterError` says what is wrong."""
    if len(expression) > MAX_FILTER:
        raise FilterError(f"the expression is {len(expression)} characters long; at most {MAX_FILTER} are taken")
    text = expression.strip()
    for js, ours in _JS_OPERATORS:
        text = text.replace(js, ours)
    if not text.startswith("$"):
        raise FilterError("a JSONPath starts with $, e.g. $.publications[?(@.content.state == 'ringing')]")
    for pattern in _REGEX_OPERAND.findall(text):  # refused now rather than selecting nothing later
        try:
            compile_linear(pattern[1:-1])
        except PatternError as exc:
            raise FilterError(f"=~ {pattern}: {exc}") from None
    try:
        return jsonpath_parse(text)
    except Exception as exc:  # jsonpath-ng's lexer and parser raise plain Exceptions too
        hint = ""
        if "[?(" in text and text.count("(") > text.count(")"):
            hint = " (a filter [?( ... ) is not closed: end it with )])"
        raise FilterError(f"not a JSONPath expression: {exc}{hint}") from None


def publication_matches(expression: str, item: dict[str, Any]) -> bool:
    """Whether the filter selects anything of a batch that holds this one publication (wire-notes: the filter
    runs over ``{"publications": [...]}`` and each match is delivered on its own)."""
    try:
        return bool(publication_filter(expression).find({"publications": [item]}))
    except (TypeError, ValueError, AttributeError, KeyError):  # a comparison of unlike values selects nothing
        return False
