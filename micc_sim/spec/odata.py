"""OData query options over a HAL collection's items: ``$filter $orderby $skip $top $count $expand $search``.

``$filter`` is parsed by the ``odata-query`` library; this module only evaluates its syntax tree against
the wire dicts the handlers produce (property names match in any case, as Web API OData's do). Errors
are :class:`ODataError` with a message in the style of Web API OData.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from odata_query import ast, exceptions
from odata_query.grammar import ODataLexer, ODataParser

from micc_sim.spec.binding import integer_text

MAX_EXPAND = 2


class ODataError(ValueError):
    pass


def apply(items: list[dict[str, Any]], query: Mapping[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Filter, order and page ``items``; returns the page and the count before paging."""
    options = {k.lower(): v for k, v in query.items() if k.startswith("$") and v.strip()}  # empty = absent
    expand = options.get("$expand")
    if expand is not None and len([p for p in expand.split(",") if p.strip()]) > MAX_EXPAND:
        raise ODataError(f"The query specified in the URI is not valid. $expand is limited to {MAX_EXPAND} "
                         "expansions.")
    if "$filter" in options:
        predicate = compile_filter(options["$filter"])
        items = [item for item in items if predicate(item)]
    if "$orderby" in options:
        items = _order(items, options["$orderby"])
    count = len(items)
    skip, top = _int(options, "$skip"), _int(options, "$top")
    if skip:
        items = items[skip:]
    if top is not None:
        items = items[:top]
    return items, count


def _int(options: Mapping[str, str], name: str) -> int | None:
    if name not in options:
        return None
    text = options[name].strip()
    number = integer_text(text, signed=False)
    if number is None:
        raise ODataError(f"The query specified in the URI is not valid. {name} must be a non-negative "
                         f"integer, not {text!r}.")
    return number


def _order(items: list[dict[str, Any]], clause: str) -> list[dict[str, Any]]:
    keys = []
    for part in clause.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ODataError(f"The query specified in the URI is not valid. Bad $orderby clause {part!r}.")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    for prop, descending in reversed(keys):  # stable sorts, last key first
        items = sorted(items, key=lambda item, p=prop: _sort_key(_lookup(item, p)), reverse=descending)
    return items


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value).lower())


def _lookup(item: Any, path: str) -> Any:
    for name in re.split(r"[/.]", path):
        if not isinstance(item, Mapping):
            return None
        if name in item:
            item = item[name]
            continue
        folded = name.lower()
        item = next((v for k, v in item.items() if k.lower() == folded), None)
    return item


# OData v4 enum literals (``Mitel.MiccSdk.Models.DirectoryEntryType'ElasticContact'``, as the MiCC SDK reference shows)
# compare like their member name; the grammar of odata-query has no enum literal, so they become strings.
_ENUM_LITERAL = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+'((?:[^']|'')*)'")


def compile_filter(text: str) -> Callable[[Mapping[str, Any]], bool]:
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(_ENUM_LITERAL.sub(r"'\1'", text)))
    except (exceptions.ODataException, Exception) as exc:  # the parser raises several kinds
        raise ODataError(f"The query specified in the URI is not valid. Syntax error in $filter "
                         f"{text!r}: {exc}") from exc
    return lambda item: bool(_eval(tree, item))


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a is not None and b is not None and a < b,
    ast.LtE: lambda a, b: a is not None and b is not None and a <= b,
    ast.Gt: lambda a, b: a is not None and b is not None and a > b,
    ast.GtE: lambda a, b: a is not None and b is not None and a >= b,
}


def _normal(value: Any) -> Any:
    """Compare strings without case (as SQL Server collations do) and dates as instants."""
    if isinstance(value, str):
        if re.match(r"^\d{4}-\d{2}-\d{2}T", value):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        return value.lower()
    return value


def _eval(node: ast._Node, item: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Identifier):
        return _lookup(item, "/".join([*node.namespace, node.name]))
    if isinstance(node, ast.Attribute):
        owner = _eval(node.owner, item)
        return _lookup(owner, node.attr) if isinstance(owner, Mapping) else None
    if isinstance(node, ast.String | ast.Integer | ast.Float | ast.Boolean):
        return node.py_val
    if isinstance(node, ast.DateTime | ast.Date):
        return node.py_val
    if isinstance(node, ast.Null):
        return None
    if isinstance(node, ast.GUID):
        return node.val
    if isinstance(node, ast.Compare):
        left, right = _normal(_eval(node.left, item)), _normal(_eval(node.right, item))
        if isinstance(left, dt.datetime) and isinstance(right, dt.datetime) and (left.tzinfo is None) != (
                right.tzinfo is None):
            left, right = left.replace(tzinfo=None), right.replace(tzinfo=None)
        try:
            return _COMPARE[type(node.comparator)](left, right)
        except TypeError:
            return False
    if isinstance(node, ast.BoolOp):
        left = _eval(node.left, item)
        if isinstance(node.op, ast.And):
            return bool(left) and bool(_eval(node.right, item))
        return bool(left) or bool(_eval(node.right, item))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, item)
    if isinstance(node, ast.Call):
        return _call(node, item)
    if isinstance(node, ast.List):
        return [_eval(v, item) for v in node.val]
    if isinstance(node, ast.In):  # pragma: no cover - kept for completeness of the grammar
        return None
    raise ODataError(f"The query specified in the URI is not valid. {type(node).__name__} is not supported "
                     "in $filter here.")


def _call(node: ast.Call, item: Mapping[str, Any]) -> Any:
    name = node.func.name.lower()
    args = [_eval(a, item) for a in node.args]
    text = [str(a).lower() if a is not None else "" for a in args]
    functions: dict[str, Callable[[], Any]] = {
        "contains": lambda: text[1] in text[0],
        "startswith": lambda: text[0].startswith(text[1]),
        "endswith": lambda: text[0].endswith(text[1]),
        "tolower": lambda: text[0],
        "toupper": lambda: text[0].upper(),
        "length": lambda: len(args[0] or ""),
        "trim": lambda: (args[0] or "").strip(),
    }
    if name not in functions:
        raise ODataError(f"The query specified in the URI is not valid. Unknown function '{node.func.name}'.")
    return functions[name]()
