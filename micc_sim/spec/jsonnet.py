"""Reading a request body as JSON.NET's ``JsonTextReader`` reads it, not as Python's ``json`` does.

Real MiCC clients post JavaScript literals because Newtonsoft.Json takes them: single-quoted strings,
unquoted property names, ``//`` and ``/* */`` comments, trailing commas, ``NaN`` / ``Infinity``, a byte
order mark (Mitel's own samples send ``{conversationAction: 'Pick', id: '...'}``). Ordinary JSON, nearly
every body, goes through orjson (the strict, fast path); only what orjson refuses is read again by
pyjson5, a maintained JSON5 parser written in Cython (linear, no regular expressions, a bounded nesting
depth), which takes that JavaScript-literal syntax; JSON.NET's ``undefined`` is read as null.
``lenient=False`` (the ``lenient_json`` quirk off) reads with Python's ``json`` instead, which refuses it.

What the type of a property then asks for (numbers as strings, strings as numbers, names in any case,
unknown names ignored) is model binding's part: :mod:`micc_sim.spec.binding`.

What JSON.NET itself rejects (an unterminated string, a bare word where a value belongs, text after the
value) raises :class:`JsonReadError` with JSON.NET's message: what it met, the path, the line and the
position, e.g. ``Unexpected character encountered while parsing value: A. Path 'state', line 1,
position 10.``
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pyjson5

MAX_DEPTH = 256  # ASP.NET Web API's JsonMediaTypeFormatter.MaxDepth


class JsonReadError(ValueError):
    """A body JSON.NET's reader would not read; the message is JSON.NET's own, naming the position."""

    def __init__(self, message: str) -> None:
        # the message quotes the body: a lone surrogate there would make the error answer itself unwritable
        super().__init__(message.encode("utf-8", "backslashreplace").decode("utf-8"))


def read_json(raw: bytes, lenient: bool = True) -> Any:
    """The value of a request body. orjson first; what it refuses (JSON5 syntax, NaN, a byte order mark,
    UTF-16, nesting beyond 1024) is read by pyjson5 (``lenient``) or the standard library. A body with a
    run of 19 digits or more skips orjson: it would read an integer beyond 64 bits as a float."""
    if _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    text = _decode(raw)
    if "\\u" in text:  # orjson refuses lone surrogate escapes; the standard library reads them, so the caller's
        try:          # check names the real problem (a lone surrogate) rather than pyjson5's confusion
            return json.loads(text)
        except (ValueError, RecursionError):
            pass
    if not lenient:
        try:
            return json.loads(text)
        except RecursionError as exc:
            raise JsonReadError(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.") from exc
        except ValueError as exc:
            raise JsonReadError(f"The request body is not valid JSON: {exc}") from exc
    for _ in range(_MAX_UNDEFINED + 1):
        try:
            return pyjson5.decode(text, maxdepth=MAX_DEPTH)
        except pyjson5.Json5Exception as exc:
            at = _undefined_at(text, exc)
            if at is None:
                raise JsonReadError(_message(text, exc)) from None
            text = f"{text[:at]}null     {text[at + 9:]}"  # same length: positions of later errors hold
    raise JsonReadError(f"More than {_MAX_UNDEFINED} undefined values.")


_MAX_UNDEFINED = 32  # each one costs a parse of the body again


def _undefined_at(text: str, exc: Exception) -> int | None:
    """Where JSON.NET's ``undefined`` (read as null) stands in the value pyjson5 refused, if it does: a
    template literal such as ``tags: ${JSON.stringify(tags)}`` writes it when ``tags`` is undefined."""
    if not isinstance(exc, pyjson5.Json5IllegalCharacter) or not exc.args or "JSON5Value" not in str(exc.args[0]):
        return None
    near = _NEAR.search(str(exc.args[0]))
    at = int(near.group(1)) - 1 if near else -1
    if at < 0 or not text.startswith("undefined", at):
        return None
    after = text[at + 9: at + 10]
    return at if not (after.isalnum() or after in "_$") else None


_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_UTF16 = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _decode(raw: bytes) -> str:
    """The body's text as .NET's StreamReader gives it: a byte order mark picks the encoding and is dropped;
    bytes that are not UTF-8 become U+FFFD."""
    for bom, encoding in _UTF16:
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding, "replace")
    return raw.decode("utf-8-sig", "replace")


_NEAR = re.compile(r"near (\d+)")
_LITERALS = {"n": "null", "t": "boolean", "f": "boolean", "N": "NaN", "I": "Infinity"}


def _message(text: str, exc: Exception) -> str:
    """JSON.NET's wording for what pyjson5 found, with JSON.NET's path, line and position."""
    args = exc.args
    detail = str(args[0]) if args else ""
    partial = args[1] if len(args) > 1 else None
    found = args[2] if len(args) > 2 else None
    near = _NEAR.search(detail)
    index = int(near.group(1)) - 1 if near else len(text)
    if isinstance(exc, pyjson5.Json5EOF):
        index = len(text)
        if "string" in detail:
            quote = text[int(near.group(1)) - 1] if near and 0 < int(near.group(1)) <= len(text) else '"'
            what = f"Unterminated string. Expected delimiter: {quote}."
        else:
            what = "Unexpected end when reading JSON."
    elif isinstance(exc, pyjson5.Json5ExtraData):
        if isinstance(found, str) and (at := text.find(found, max(index, 0))) >= 0:
            index = at  # pyjson5 names the end of the value; JSON.NET the character after it
        what = f"Additional text encountered after finished reading JSON content: {_char(found)}."
    elif isinstance(exc, pyjson5.Json5NestingTooDeep):
        what = f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded."
    elif "JSON5Value" in detail:
        what = f"Unexpected character encountered while parsing value: {_char(found)}."
    elif "comma" in detail and isinstance(found, str):
        what = f"After parsing a value an unexpected character was encountered: {_char(found)}."
    elif "colon" in detail:
        what = f"Invalid character after parsing property name. Expected ':' but got: {_char(found)}."
    elif detail.startswith("Expected U+") and 0 <= index < len(text) and text[index] in _LITERALS:
        what = f"Error parsing {_LITERALS[text[index]]} value."
    else:
        what = f"Invalid JavaScript property identifier character: {_char(found)}."
    line, position = _line_position(text, index)
    path = "" if isinstance(exc, pyjson5.Json5ExtraData) else _path(partial)
    if len(path) > 200:
        path = path[:200] + "..."
    return f"{what} Path '{path}', line {line}, position {position}."


def _char(found: object) -> str:
    if isinstance(found, str):
        return found
    return "," if found == b"comma" else "?"


def _line_position(text: str, index: int) -> tuple[int, int]:
    """JSON.NET's line (1-based) and position (characters read on that line) at ``index``."""
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + (1 if index < len(text) else 0)


def _path(partial: object) -> str:
    """JSON.NET's path of the value being read, from what pyjson5 had read so far: the last member of each
    container, down to the last one."""
    parts: list[str] = []
    node = partial
    while isinstance(node, dict | list) and node:
        if isinstance(node, dict):
            key = next(reversed(node))
            parts.append(f".{key}" if _PLAIN.fullmatch(str(key)) else f"['{key}']")
            node = node[key]
        else:
            parts.append(f"[{len(node) - 1}]")
            node = node[-1]
    return "".join(parts).lstrip(".")


_PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


FORM = "application/x-www-form-urlencoded"
_KEY = re.compile(r"([^\[\]]*)((?:\[[^\[\]]*\])*)")
_MAX_FORM_DEPTH = 8


def read_form(text: str) -> Any:
    """A form body as Web API's jQuery form formatter reads it into a model: ``state=Busy&reason=3``, and
    jQuery's nesting ``tags[0][key]=a&tags[0][value]=b`` / ``ids[]=1&ids[]=2`` into objects and arrays
    (at most 8 levels: deeper keys are taken literally)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.fullmatch(key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))] if match else [key]
        if not parts[0] or len(parts) > _MAX_FORM_DEPTH:
            parts = [key]
        _put(root, parts, value)
    return _arrays(root)


def _put(node: dict[str, Any], parts: list[str], value: str) -> None:
    for part in parts[:-1]:
        if part == "":  # "a[][b]": a new element
            part = str(len(node))
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    last = parts[-1] if parts[-1] != "" else str(len(node))
    node[last] = value


def _arrays(node: Any) -> Any:
    """Objects whose keys are 0, 1, 2, ... become arrays, as jQuery meant them."""
    if not isinstance(node, dict):
        return node
    converted = {k: _arrays(v) for k, v in node.items()}
    if converted and all(k.isascii() and k.isdigit() for k in converted):
        ordered = sorted(converted, key=int)
        if [int(k) for k in ordered] == list(range(len(ordered))):
            return [converted[k] for k in ordered]
    return converted
