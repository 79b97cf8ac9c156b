"""A subscription's filters: ``subjectFilter`` (a JavaScript regular expression) and ``publicationFilter`` (JSONPath).

The real Notify is a Node service: it tests a subject with ``new RegExp(subjectFilter).test(subject)``. Python's
``re`` reads most such patterns alike but not all, so :func:`subject_filter` translates the JavaScript dialect
(no flags, no ``u`` mode) into ``re`` where they differ and refuses, with the reason, what JavaScript would read
otherwise or not at all:

* ``$`` is the end of the subject only (Python's ``$`` also matches before a final newline): becomes ``\\Z``;
* ``.`` matches anything but the line terminators ``\\n \\r \\u2028 \\u2029`` (Python's: anything but ``\\n``);
* ``\\d \\w \\b`` are ASCII (Python's are Unicode): compiled with ``re.ASCII``; ``\\s`` keeps JavaScript's
  Unicode white space (spelled out, since ``re.ASCII`` would narrow it);
* ``(?<name>...)`` and ``\\k<name>`` become ``(?P<name>...)`` and ``(?P=name)``; ``[^]`` (anything) and ``[]``
  (nothing) are translated; a ``{`` that does not start a quantifier is a literal, as in JavaScript;
* refused: Python-only syntax JavaScript rejects or reads as something else (``(?P<..>``, ``(?i)`` and other
  inline flags, ``(?#..)``, atomic groups, possessive quantifiers, ``\\A \\Z \\z`` and other escapes of letters
  that JavaScript would read as the bare letter), and what ``re`` cannot do (variable-length look-behind).

``publicationFilter`` is JSONPath as jsonpath-ng's extended parser reads it (``$.publications[?(@.content.state ==
'ended')]``), evaluated over a batch ``{"publications": [...]}``; the JavaScript spellings ``===``, ``!==`` and
``&&`` are read as ``==``, ``!=`` and ``&``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import parse as jsonpath_parse

# JavaScript's \s: WhiteSpace and LineTerminator of ECMA-262
_JS_SPACE = r"\t\n\x0b\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_DOT = r"[^\n\r\u2028\u2029]"
_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")
_SIMPLE_ESCAPES = set("dDwWbBfnrtv0/\\^$.*+?()[]{}|-")
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_$][\w$]*)>")


class FilterError(ValueError):
    """A filter the subscription cannot have; the message says why, for the 400 answer."""


@lru_cache(maxsize=4096)
def subject_filter(pattern: str) -> re.Pattern[str]:
    """``pattern`` as JavaScript's ``new RegExp(pattern)`` reads it, compiled for Python's ``re``."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except re.error as exc:
        raise FilterError(f"not a regular expression the simulator can run: {exc.msg}") from None


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
            elif e == "k" and i < n and js[i] == "<":
                end = js.find(">", i)
                if end < 0:
                    raise FilterError("\\k< is not closed by >")
                out.append(f"(?P={js[i + 1:end]})")
                i = end + 1
            elif e == "c" and i < n and js[i].isascii() and js[i].isalpha():
                out.append(f"\\x{ord(js[i]) % 32:02x}")
                i += 1
            elif e == "x" and re.match(r"[0-9A-Fa-f]{2}", js[i:i + 2]):
                out.append("\\x" + js[i:i + 2])
                i += 2
            elif e == "u" and re.match(r"[0-9A-Fa-f]{4}", js[i:i + 4]):
                out.append("\\u" + js[i:i + 4])
                i += 4
            elif e.isdigit() or e in _SIMPLE_ESCAPES or e == "S" or not e.isascii() or not e.isalnum():
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
                out.append("(?!)")
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
            elif rest[:1] in (":", "=", "!") or rest in ("<=", "<!"):
                out.append(js[i:i + 2 + (2 if rest in ("<=", "<!") else 1)])
                i += 2 + (2 if rest in ("<=", "<!") else 1)
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
            out.append(r"\Z")
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


@lru_cache(maxsize=4096)
def publication_filter(expression: str) -> Any:
    """A compiled JSONPath (``.find(batch)`` gives the matches); :class:`FilterError` says what is wrong."""
    text = expression.strip()
    for js, ours in _JS_OPERATORS:
        text = text.replace(js, ours)
    if not text.startswith("$"):
        raise FilterError("a JSONPath starts with $, e.g. $.publications[?(@.content.state == 'ringing')]")
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
