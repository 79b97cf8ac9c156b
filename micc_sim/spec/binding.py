"""Binding request bodies the way ASP.NET Web API with JSON.NET does, against the contract's schema.

Three strictness levels (DESIGN.md):

* ``lenient`` (default) -- what the real server accepts: property names in any case, unknown
  properties ignored, enums as names (any case), integers or integer strings, booleans also as
  ``"true"``/``"false"``, numbers as numeric strings, primitives where a string is expected;
  ``required`` is not enforced for booleans and numbers (.NET binds a missing one as its default),
  but is for enums, whose default would be an inferred integer.
* ``strict`` -- exactly the document: names as written, types as declared, required enforced.
* ``off`` -- no errors: what binds is kept, the rest dropped.

:func:`bind` returns the canonical value (schema property names, enum names) and a model-state
dict ``{"model.<property>": [message, ...]}`` that is empty when the body is valid.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any


class Strictness(StrEnum):
    STRICT = "strict"
    LENIENT = "lenient"
    OFF = "off"


_MISSING = object()
_STRICT, _LENIENT, _OFF = Strictness.STRICT, Strictness.LENIENT, Strictness.OFF  # an enum's member costs a lookup
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def integer_text(text: str, signed: bool = True) -> int | None:
    """The integer an invariant-culture ``Int32.Parse`` reads in ``text`` (ASCII digits only), else None.

    ``str.isdigit`` is not enough: it accepts superscripts and other Unicode digits ``int()`` refuses.
    """
    if not _INTEGER.fullmatch(text) or (not signed and text.strip()[0] in "+-"):
        return None
    return int(text)


class _Errors:
    def __init__(self) -> None:
        self.state: dict[str, list[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.state.setdefault(where, []).append(message)


def bind(value: Any, schema: dict[str, Any], strictness: Strictness = Strictness.LENIENT,
         root: str = "model") -> tuple[Any, dict[str, list[str]]]:
    errors = _Errors()
    mode = strictness if isinstance(strictness, Strictness) else Strictness(strictness)
    bound = _bind(value, schema, mode, root, errors)
    if strictness is _OFF:
        return (None if bound is _MISSING else bound), {}
    return (None if bound is _MISSING else bound), errors.state


def _types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema:
            return ["object"]
        if "enum" in schema:
            return ["string"]
        return []
    return declared if isinstance(declared, list) else [declared]


def _bind(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    shape = _SHAPES.get(id(schema))
    if shape is None or shape[0] is not schema:
        shape = _shape(schema)
    if value is None:
        if shape[1] or (mode is _LENIENT and shape[2]):
            return None
        errors.add(where, f"Error converting value {{null}} to type '{_type_name(schema)}'.")
        return _MISSING
    if shape[3]:
        return _bind_enum(value, schema, mode, where, errors)
    binder = shape[4]
    return binder(value, schema, mode, where, errors) if binder else value


def _shape(schema: dict[str, Any]) -> tuple[Any, ...]:
    """What binding a value to ``schema`` depends on, worked out once per schema (every body asks): whether
    null binds, in any mode or (a string) leniently; whether it is an enum; the binder of its first type."""
    types = _types(schema)
    kinds = [t for t in types if t != "null"]
    shape = _SHAPES[id(schema)] = (
        schema, not types or "null" in types, "string" in types and "enum" not in schema, "enum" in schema,
        _BINDERS.get(kinds[0]) if kinds else None)  # the shape holds its schema: an id is never reused under it
    return shape


def _bind_object(value: Any, schema: dict[str, Any], mode: Strictness, where: str,
                 errors: _Errors) -> Any:
    if not isinstance(value, dict):
        errors.add(where, f"Cannot convert {_json_kind(value)} to an object.")
        return _MISSING
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return value  # a free-form object (variableData): kept as sent
    by_folded = _folded_names(properties)
    result: dict[str, Any] = {}
    for key, raw in value.items():
        name = key if key in properties else (by_folded.get(key.lower()) if mode is not _STRICT
                                               else None)
        if name is None:
            extra = schema.get("additionalProperties")
            if mode is _STRICT and extra is False:
                errors.add(f"{where}.{key}", f"Could not find member '{key}' on the object.")
            continue
        bound = _bind(raw, properties[name], mode, f"{where}.{name}", errors)
        if bound is not _MISSING:
            result[name] = bound
    for name in schema.get("required", []):
        if name in result:
            continue
        prop = properties.get(name, {})
        # .NET binds a missing bool or number as its default; a missing enum we refuse rather than guess
        value_type = "enum" not in prop and bool({"boolean", "integer", "number"} & set(_types(prop)))
        if mode is _STRICT or not value_type:
            errors.add(f"{where}.{name}", f"The {name} field is required.")
    return result


def _folded_names(properties: dict[str, Any]) -> dict[str, str]:
    """Lower-cased property name -> name, worked out once per schema (every request with a body asks)."""
    entry = _FOLDED.get(id(properties))
    if entry is None or entry[0] is not properties:  # the entry holds its schema: an id is never reused under it
        entry = _FOLDED[id(properties)] = (properties, {name.lower(): name for name in properties})
    return entry[1]


_FOLDED: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}  # the contracts' schemas: a fixed, small set
_SHAPES: dict[int, tuple[Any, ...]] = {}


def _bind_array(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    if not isinstance(value, list):
        errors.add(where, f"Cannot convert {_json_kind(value)} to an array.")
        return _MISSING
    items = schema.get("items", {})
    bound = [_bind(v, items, mode, f"{where}[{i}]", errors) for i, v in enumerate(value)]
    return [b for b in bound if b is not _MISSING]


def _bind_string(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    if isinstance(value, str):
        return value
    if mode is not _STRICT and isinstance(value, bool):
        return "True" if value else "False"  # what .NET's Convert.ToString gives
    if mode is not _STRICT and isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"  # JSON.NET's spelling
    if mode is not _STRICT and isinstance(value, int | float):
        return str(value)
    errors.add(where, f"Error converting value {_show(value)} to type 'System.String'.")
    return _MISSING


def _bind_boolean(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    if isinstance(value, bool):
        return value
    if mode is not _STRICT:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if isinstance(value, int):
            return value != 0
    errors.add(where, f"Error converting value {_show(value)} to type 'System.Boolean'.")
    return _MISSING


def _bind_integer(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if mode is not _STRICT:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and (number := integer_text(value)) is not None:
            return number
    errors.add(where, f"Error converting value {_show(value)} to type 'System.Int32'.")
    return _MISSING


def _bind_number(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if mode is not _STRICT and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    errors.add(where, f"Error converting value {_show(value)} to type 'System.Double'.")
    return _MISSING


def _bind_enum(value: Any, schema: dict[str, Any], mode: Strictness, where: str, errors: _Errors) -> Any:
    names: list[Any] = schema["enum"]
    numbers: dict[str, int] = schema.get("x-enum-values", {})
    if value in names:
        return value
    if mode is not _STRICT:
        if isinstance(value, str):
            text = value.strip()
            for name in names:
                if isinstance(name, str) and name.lower() == text.lower():
                    return name
            if (number := integer_text(text)) is not None:
                value = number
        if isinstance(value, int) and not isinstance(value, bool):
            for name, number in numbers.items():
                if number == value:
                    return name
    elif isinstance(value, int) and not isinstance(value, bool) and value in numbers.values():
        return next(name for name, number in numbers.items() if number == value)
    allowed = ", ".join(str(n) for n in names)
    errors.add(where, f"Error converting value {_show(value)} to type '{_type_name(schema)}'. "
                      f"Allowed: {allowed}.")
    return _MISSING


_BINDERS = {
    "object": _bind_object,
    "array": _bind_array,
    "string": _bind_string,
    "boolean": _bind_boolean,
    "integer": _bind_integer,
    "number": _bind_number,
}


def _type_name(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return schema.get("title", "enum")
    kinds = [t for t in _types(schema) if t != "null"]
    return {"boolean": "System.Boolean", "integer": "System.Int32", "number": "System.Double",
            "string": "System.String"}.get(kinds[0] if kinds else "", "object")


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number")


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
