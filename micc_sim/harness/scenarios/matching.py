"""Subset matching of JSON values, and dotted paths into them: how scenarios say what an answer must be."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


class ScenarioFailure(AssertionError):
    pass


def mismatch(expected: Any, actual: Any, where: str = "$") -> str | None:
    """Why ``actual`` does not match ``expected`` (a subset match), or None when it does."""
    if isinstance(expected, dict) and set(expected) == {"$contains"}:
        if not isinstance(actual, list):
            return f"{where}: expected a list, got {_show(actual)}"
        if any(mismatch(expected["$contains"], item) is None for item in actual):
            return None
        return f"{where}: no item matches {_show(expected['$contains'])}"
    if isinstance(expected, dict) and set(expected) == {"$ahead_of_client"}:
        return _ahead_of_client(expected["$ahead_of_client"], actual, where)
    if isinstance(expected, dict) and set(expected) == {"$len"}:
        if not isinstance(actual, list | dict) or len(actual) != expected["$len"]:
            size = len(actual) if isinstance(actual, list | dict) else "not a list"
            return f"{where}: expected {expected['$len']} items, got {size}"
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {_show(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key}: missing (expected {_show(value)})"
            problem = mismatch(value, actual[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where}: expected {_show(expected)}, got {_show(actual)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problem = mismatch(want, got, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if expected != actual:
        return f"{where}: expected {_show(expected)}, got {_show(actual)}"
    return None


def _ahead_of_client(bounds: Any, actual: Any, where: str) -> str | None:
    """``{"$ahead_of_client": [low, high]}``: a time that many seconds ahead of the runner's own clock (the
    integration's clock; negative: behind), for a server whose clock is skewed."""
    low, high = bounds
    try:
        instant = datetime.fromisoformat(str(actual).replace("Z", "+00:00"))
    except ValueError:
        return f"{where}: expected a time, got {_show(actual)}"
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    ahead = (instant - datetime.now(UTC)).total_seconds()
    if not low <= ahead <= high:
        return f"{where}: {actual} is {ahead:.1f} s ahead of the client's clock, expected {low} to {high} s"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def dig(data: Any, dotted: str) -> Any:
    """``_embedded.items.0.id`` of a JSON value (``""``: the value itself)."""
    for part in dotted.split(".") if dotted else []:
        digits = part.lstrip("-")
        if isinstance(data, list) and digits.isascii() and digits.isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            raise ScenarioFailure(f"the answer has no {dotted!r} (stopped at {part!r})")
    return data


