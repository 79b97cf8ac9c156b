"""Stub answers: templates with the request's values, the JSON paths and JSON comparison of body patterns,
linear-time patterns, and the --strict-stubs check of an answer against the operation's contract."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import re2

MAX_PATTERN = 1000


def linear(pattern: str, ignore_case: bool = False) -> Any:
    """``pattern`` compiled for RE2 (linear time); ValueError when RE2 cannot run it or it is too long."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"the pattern is longer than {MAX_PATTERN} characters")
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise ValueError(f"not a pattern that runs in linear time (RE2): {exc}") from None


@dataclass
class RequestValues:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]


# -- templates ------------------------------------------------------------------------------------
_TEMPLATE = re.compile(r"\{\{\s*([^{}]{1,300}?)\s*\}\}")
_EXPRESSION = re.compile(r"request\.(method|url|path|body|query\.[^\s.]+|headers\.[^\s.]+|path\.[^\s]+|"
                         r"pathSegments\.\[?\d+\]?)|jsonPath request\.body '([^']+)'|now")


def template_check(text: str) -> None:
    for found in _TEMPLATE.finditer(text):
        expression = found.group(1)
        if not _EXPRESSION.fullmatch(expression):
            raise ValueError(f"unknown template {{{{{expression}}}}}; see docs/stubs.md for the ones known")
        if expression.startswith("jsonPath"):
            json_path(_EXPRESSION.fullmatch(expression).group(2))  # type: ignore[union-attr]


def _fill(text: str, request: RequestValues, now: str) -> str:
    def value(found: re.Match[str]) -> str:
        expression = found.group(1)
        if expression == "now":
            return now
        if expression.startswith("jsonPath"):
            path = _EXPRESSION.fullmatch(expression).group(2)  # type: ignore[union-attr]
            try:
                hits = json_path(path)(json.loads(request.body or b"null"))
            except ValueError:
                return ""
            return "" if not hits else hits[0] if isinstance(hits[0], str) else json.dumps(hits[0])
        name = expression.removeprefix("request.")
        if name == "method":
            return request.method
        if name == "url":
            return request.path + (f"?{request.query}" if request.query else "")
        if name == "path":
            return request.path
        if name == "body":
            return request.body.decode("utf-8", "replace")
        kind, _, key = name.partition(".")
        if kind == "query":
            return dict(parse_qsl(request.query, keep_blank_values=True)).get(key, "")
        if kind == "headers":
            return request.headers.get(key.lower(), "")
        key = key.strip("[]")
        if kind == "pathSegments" or (key.isascii() and key.isdigit()):
            segments = [s for s in request.path.split("/") if s]
            return segments[int(key)] if int(key) < len(segments) else ""
        return request.params.get(key, "")

    return _TEMPLATE.sub(value, text)


def render(response: Any, request: RequestValues, now: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A stub's ``response`` (a StubResponse) for ``request``: status, headers, body."""
    headers = [(k.lower().encode("latin-1"), _fill(v, request, now).encode("latin-1", "replace"))
               for k, v in response.headers.items()]
    if response.jsonBody is not None:
        content = json.dumps(_fill_json(response.jsonBody, request, now), ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8")
        kind = b"application/json; charset=utf-8"
    else:
        content = _fill(response.body or "", request, now).encode("utf-8")
        kind = b"text/plain; charset=utf-8"
    given = {k for k, _ in headers}
    if b"content-type" not in given and content:
        headers.append((b"content-type", kind))
    if b"content-length" not in given:
        headers.append((b"content-length", str(len(content)).encode()))
    return response.status, headers, content


def _fill_json(data: Any, request: RequestValues, now: str) -> Any:
    if isinstance(data, str):
        return _fill(data, request, now)
    if isinstance(data, dict):
        return {k: _fill_json(v, request, now) for k, v in data.items()}
    if isinstance(data, list):
        return [_fill_json(v, request, now) for v in data]
    return data


def template_strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in template_strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in template_strings(v)]
    return []


_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\*\]|\.\*")


def json_path(expression: str) -> Any:
    """A JSON path of dots and indexes (``$.items[0].id``, ``$.tags[*]``, ``$.a.*``) as a function returning the
    values found: the subset every WireMock mapping uses, evaluated in linear time."""
    if not expression.startswith("$") or len(expression) > 300:
        raise ValueError(f"a JSON path starts with $ (at most 300 characters): {expression!r}")
    steps: list[tuple[str, Any]] = []
    rest = expression[1:]
    while rest:
        found = _STEP.match(rest)
        if not found:
            raise ValueError(f"a JSON path of .name, [n] and [*] steps only: {expression!r}")
        if found.group(1) is not None:
            steps.append(("key", found.group(1)))
        elif found.group(2) is not None:
            steps.append(("index", int(found.group(2))))
        else:
            steps.append(("all", None))
        rest = rest[found.end():]

    def evaluate(data: Any) -> list[Any]:
        current = [data]
        for kind, arg in steps:
            following: list[Any] = []
            for node in current:
                if ((kind == "key" and isinstance(node, dict) and arg in node)
                        or (kind == "index" and isinstance(node, list) and arg < len(node))):
                    following.append(node[arg])
                elif kind == "all":
                    following.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list)
                                     else [])
            current = following
        return current

    return evaluate


def json_equal(wanted: Any, got: Any, extra: bool, any_order: bool) -> bool:
    if isinstance(wanted, dict):
        if not isinstance(got, dict) or (not extra and set(got) != set(wanted)):
            return False
        return all(k in got and json_equal(v, got[k], extra, any_order) for k, v in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(got, list) or (len(got) != len(wanted) if not extra else len(got) < len(wanted)):
            return False
        if any_order:
            return all(any(json_equal(w, g, extra, any_order) for g in got) for w in wanted)
        return all(json_equal(w, g, extra, any_order) for w, g in zip(wanted, got, strict=False))
    return (wanted == got and type(wanted) is type(got)) or (isinstance(wanted, float | int) and wanted == got
                                                          and not isinstance(got, bool))


# -- --strict-stubs -------------------------------------------------------------------------------
def contract_problem(method: str, path: str, status: int, content: bytes, operation_id: str | None) -> str | None:
    """Why a stub's answer breaks the contract of the operation it answers for, or None."""
    from jsonschema import Draft202012Validator

    from micc_sim.harness.control.operations import operation_by_id, operation_for

    operation = operation_for(method, path)
    if operation is None and operation_id:
        found = operation_by_id(operation_id)
        operation = found[1] if found else None
    if operation is None:
        return None
    responses = operation.responses
    if str(status) not in responses and "default" not in responses and f"{str(status)[0]}XX" not in responses:
        return f"{operation.operation_id} has no {status} answer (it has {', '.join(sorted(responses))})"
    schema = responses.get(str(status)) or responses.get("default")
    if not schema or not content:
        return None
    try:
        data = json.loads(content)
    except ValueError:
        return f"the body is not JSON, and {operation.operation_id}'s {status} answer is"
    error = next(iter(Draft202012Validator(schema).iter_errors(data)), None)
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{operation.operation_id} {status}: ${where}: {error.message}"
