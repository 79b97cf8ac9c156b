"""Deterministic, schema-valid answers for operations that have no stateful handler yet (DESIGN principle 2).

The same operation with the same path and query gives the same body, on every run and machine: the
random generator is seeded from those. Values look like the wire (GUID-like ids, .NET dates, enum names)
so that a client can parse them, and every property of the schema is filled in.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
MAX_DEPTH = 8


def seed_for(operation_id: str, path_params: Mapping[str, str], query: Mapping[str, str]) -> int:
    key = "|".join([operation_id, *(f"{k}={v}" for k, v in sorted(path_params.items())),
                    *(f"{k}={v}" for k, v in sorted(query.items()))])
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def synthesize(schema: Mapping[str, Any] | None, seed: int) -> Any:
    return _value(schema or {}, random.Random(seed), "", 0)


def _kinds(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    kinds = declared if isinstance(declared, list) else [declared] if declared else []
    real = [k for k in kinds if k != "null"]
    if real:
        return real
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["null"] if kinds else []


def _value(schema: Mapping[str, Any], rng: random.Random, name: str, depth: int) -> Any:
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return _value(schema[key][0], rng, name, depth)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return _value(merged, rng, name, depth)
    kinds = _kinds(schema)
    kind = kinds[0] if kinds else "object" if depth == 0 else "string"
    if kind == "null":
        return None
    if kind == "object":
        return _object(schema, rng, depth)
    if kind == "array":
        if depth >= MAX_DEPTH or "x-recursive" in schema.get("items", {}):
            return []  # a tree's children: a leaf
        count = max(int(schema.get("minItems", 0)), min(2, int(schema.get("maxItems", 2))))
        return [_value(schema.get("items", {}), rng, name, depth + 1) for _ in range(count)]
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        return _number(schema, rng, kind)
    return _string(schema, rng, name)


def _object(schema: Mapping[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    if "x-recursive" in schema:
        return {}
    if depth >= MAX_DEPTH:
        return {key: None for key in schema.get("required", [])}
    result = {key: _value(prop, rng, key, depth + 1) for key, prop in properties.items()}
    extra = schema.get("additionalProperties")
    if not properties and isinstance(extra, Mapping) and extra:
        result = {f"{rng.choice(_WORDS)}{i}": _value(extra, rng, "", depth + 1) for i in range(2)}
    return result


def _number(schema: Mapping[str, Any], rng: random.Random, kind: str) -> int | float:
    low = schema.get("minimum", 0)
    high = schema.get("maximum", max(low, 0) + 100)
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1
    if kind == "integer":
        return rng.randint(int(low), int(max(low, high)))
    return round(rng.uniform(low, max(low, high)), 2)


def _string(schema: Mapping[str, Any], rng: random.Random, name: str) -> str:
    fmt = schema.get("format", "")
    lowered = name.lower()
    if fmt == "date-time":
        instant = EPOCH + timedelta(seconds=rng.randint(0, 30 * 86400))
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "date":
        return (EPOCH + timedelta(days=rng.randint(0, 300))).strftime("%Y-%m-%d")
    if fmt in ("uri", "url") or lowered.endswith(("uri", "url")):
        return f"https://example.com/{rng.choice(_WORDS)}/{rng.randint(1, 999)}"
    if fmt == "uuid" or lowered == "id" or lowered.endswith("id") or "guid" in schema.get("description", "").lower():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if "timespan" in schema.get("description", "").lower() or lowered.startswith("duration"):
        return f"00:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    if fmt == "email" or "email" in lowered:
        return f"{rng.choice(_WORDS)}@example.com"
    text = f"{rng.choice(_WORDS)}-{rng.randint(1, 9999)}"
    min_length = int(schema.get("minLength", 0))
    if len(text) < min_length:
        text = text.ljust(min_length, "x")
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text
