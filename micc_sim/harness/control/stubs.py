"""Stubs: answers the user gives for requests that match, in WireMock's mapping shape, without writing code.

A stub is ``{"request": {...}, "response": {...}, "priority": n}`` as WireMock takes it (``POST /_sim/stubs``,
or a ``stubs:`` section of a world or scenario file). The request matches by ``method``, one of ``urlPath``,
``urlPathPattern``, ``urlPathTemplate``, ``url`` or ``operationId`` (ours: the contract's operation),
``queryParameters``, ``headers`` and ``bodyPatterns``; the response gives ``status``, ``headers``, ``jsonBody``
or ``body`` (templates such as ``{{request.path.id}}`` or ``{{jsonPath request.body '$.queue'}}`` take the
request's values) and ``fixedDelayMilliseconds``. The lowest ``priority`` wins (WireMock's 1 is the highest;
5 when not given), then the stub added last; ``count`` answers at most that many times.

Stubs answer in the face's place (a step of the request chain, after fault injection): the journal marks
the entry with the stub's id. Patterns (``matches``, ``urlPathPattern``) run on RE2, in linear time.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import re2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange

MAX_BODY = 1 << 20  # bytes of a request body a body pattern reads; a longer body matches no body pattern
MAX_PATTERN = 1000


class StubError(ValueError):
    """An invalid stub; ``field`` names where (``request.urlPathPattern``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ValueMatcher(_Model):
    """WireMock's string matchers; ``absent`` true means the parameter must not be there."""

    equalTo: str | None = None
    contains: str | None = None
    doesNotContain: str | None = None
    matches: str | None = None
    doesNotMatch: str | None = None
    absent: bool | None = None
    caseInsensitive: bool = False

    @model_validator(mode="after")
    def _one(self) -> ValueMatcher:
        given = [k for k in ("equalTo", "contains", "doesNotContain", "matches", "doesNotMatch", "absent")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of equalTo, contains, doesNotContain, matches, doesNotMatch, absent")
        for name in ("matches", "doesNotMatch"):
            if getattr(self, name) is not None:
                linear(getattr(self, name), self.caseInsensitive)
        return self

    def test(self, value: str | None) -> bool:
        if self.absent is not None:
            return (value is None) == self.absent
        if value is None:
            return False
        fold = (lambda s: s.lower()) if self.caseInsensitive else (lambda s: s)
        if self.equalTo is not None:
            return fold(value) == fold(self.equalTo)
        if self.contains is not None:
            return fold(self.contains) in fold(value)
        if self.doesNotContain is not None:
            return fold(self.doesNotContain) not in fold(value)
        if self.matches is not None:
            return linear(self.matches, self.caseInsensitive).fullmatch(value) is not None
        return linear(self.doesNotMatch or "", self.caseInsensitive).fullmatch(value) is None


class JsonPathMatcher(_Model):
    expression: str
    equalTo: Any = None
    contains: str | None = None
    matches: str | None = None


class BodyPattern(_Model):
    equalTo: str | None = None
    contains: str | None = None
    matches: str | None = None
    equalToJson: Any = None
    ignoreExtraElements: bool = False
    ignoreArrayOrder: bool = False
    matchesJsonPath: str | JsonPathMatcher | None = None

    @model_validator(mode="after")
    def _one(self) -> BodyPattern:
        given = [k for k in ("equalTo", "contains", "matches", "equalToJson", "matchesJsonPath")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of equalTo, contains, matches, equalToJson, matchesJsonPath")
        if self.matches is not None:
            linear(self.matches)
        path = self.matchesJsonPath
        if path is not None:
            json_path(path if isinstance(path, str) else path.expression)
            if isinstance(path, JsonPathMatcher) and path.matches is not None:
                linear(path.matches)
        if isinstance(self.equalToJson, str):
            try:
                self.equalToJson = json.loads(self.equalToJson)
            except ValueError as exc:
                raise ValueError(f"equalToJson is not JSON: {exc}") from None
        return self

    def test(self, raw: bytes) -> bool:
        text = raw.decode("utf-8", "replace")
        if self.equalTo is not None:
            return text == self.equalTo
        if self.contains is not None:
            return self.contains in text
        if self.matches is not None:
            return linear(self.matches).fullmatch(text) is not None
        try:
            data = json.loads(text)
        except ValueError:
            return False
        if self.equalToJson is not None:
            return _json_equal(self.equalToJson, data, self.ignoreExtraElements, self.ignoreArrayOrder)
        path = self.matchesJsonPath
        expression = path if isinstance(path, str) else path.expression  # type: ignore[union-attr]
        found = json_path(expression)(data)
        if isinstance(path, str):
            return bool(found)
        assert isinstance(path, JsonPathMatcher)
        for value in found:
            text = value if isinstance(value, str) else json.dumps(value)
            if ((path.equalTo is None or value == path.equalTo or text == str(path.equalTo))
                    and (path.contains is None or path.contains in text)
                    and (path.matches is None or linear(path.matches).fullmatch(text) is not None)):
                return True
        return False


class StubRequest(_Model):
    method: str = "ANY"
    urlPath: str | None = None
    urlPathPattern: str | None = None
    urlPathTemplate: str | None = None
    url: str | None = None
    operationId: str | None = None
    queryParameters: dict[str, ValueMatcher] = Field(default_factory=dict)
    headers: dict[str, ValueMatcher] = Field(default_factory=dict)
    bodyPatterns: list[BodyPattern] = Field(default_factory=list)

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{1,16}", value):
            raise ValueError(f"not an HTTP method: {value!r}")
        return value

    @field_validator("urlPathPattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            linear(value)
        return value

    @field_validator("operationId")
    @classmethod
    def _operation(cls, value: str | None) -> str | None:
        from micc_sim.harness.control.operations import known_operation_ids

        if value is not None and value not in known_operation_ids():
            raise ValueError(f"no contract has the operation {value!r}")
        return value

    @model_validator(mode="after")
    def _one_url(self) -> StubRequest:
        given = [k for k in ("urlPath", "urlPathPattern", "urlPathTemplate", "url", "operationId")
                 if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of urlPath, urlPathPattern, urlPathTemplate, url, operationId, not {given}")
        return self


class StubResponse(_Model):
    status: int = Field(200, ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    jsonBody: Any = None
    body: str | None = None
    fixedDelayMilliseconds: int = Field(0, ge=0, le=600_000)
    transformers: list[str] = Field(default_factory=list, description="accepted for WireMock's sake: "
                                                                       "templates always apply")

    @model_validator(mode="after")
    def _one_body(self) -> StubResponse:
        if self.jsonBody is not None and self.body is not None:
            raise ValueError("give jsonBody or body, not both")
        for text in _strings(self.jsonBody if self.jsonBody is not None else self.body):
            template_check(text)
        for text in self.headers.values():
            template_check(text)
        return self


class StubSpec(_Model):
    id: str | None = None
    uuid: str | None = None
    name: str | None = None
    priority: int = Field(5, ge=1, le=1_000_000)
    count: int | None = Field(None, ge=1, description="answer at most this many times (ours; not WireMock's)")
    request: StubRequest = Field(default_factory=StubRequest)
    response: StubResponse = Field(default_factory=StubResponse)
    metadata: dict[str, Any] | None = None
    persistent: bool | None = None


def parse_stub(data: Any) -> StubSpec:
    """A stub from JSON data, or :class:`StubError` naming the first field that is wrong."""
    if not isinstance(data, dict):
        raise StubError("", "a stub is a JSON object with request and response")
    try:
        return StubSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "not a field of a stub (WireMock's mapping shape: request, response, priority, ...)"
        raise StubError(where, message) from None


@dataclass
class Stub:
    spec: StubSpec
    order: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    matched: int = 0
    source: str = "api"  # "api", or "world" for the world file's stubs section

    def view(self) -> dict[str, Any]:
        spec = self.spec.model_dump(exclude_none=True, exclude_defaults=True, by_alias=True)
        spec.pop("id", None)
        return {"id": self.id, "matched": self.matched, "source": self.source,
                "priority": self.spec.priority, **spec}

    @property
    def left(self) -> bool:
        return self.spec.count is None or self.matched < self.spec.count

    def matches_outline(self, method: str, path: str, query: str, headers: dict[str, str]) -> dict[str, str] | None:
        """Path parameters when method, path, query and headers match (the body is checked apart), else None."""
        request = self.spec.request
        if request.method != "ANY" and request.method != method:
            return None
        params: dict[str, str] | None = {}
        if request.urlPath is not None:
            params = {} if path == request.urlPath else None
        elif request.url is not None:
            params = {} if (path + (f"?{query}" if query else "")) == request.url else None
        elif request.urlPathPattern is not None:
            params = {} if linear(request.urlPathPattern).fullmatch(path) is not None else None
        elif request.urlPathTemplate is not None:
            params = _template_params(request.urlPathTemplate, path)
        elif request.operationId is not None:
            from micc_sim.harness.control.operations import operation_for

            operation = operation_for(method, path)
            if operation is None or operation.operation_id != request.operationId:
                return None
            params = _operation_params(operation, path)
        if params is None:
            return None
        if request.queryParameters:
            values = dict(parse_qsl(query, keep_blank_values=True))
            if not all(m.test(values.get(name)) for name, m in request.queryParameters.items()):
                return None
        if request.headers and not all(m.test(headers.get(name.lower())) for name, m in request.headers.items()):
            return None
        return params


class Stubs:
    """The stubs of one simulator: the world file's, then those added through the control API."""

    def __init__(self, world_stubs: list[Any] | None = None) -> None:
        self.items: list[Stub] = []
        self._order = 0
        self.reset(world_stubs)

    def reset(self, world_stubs: list[Any] | None = None) -> None:
        self.items = []
        for n, data in enumerate(world_stubs or ()):
            try:
                self.add(parse_stub(data), source="world")
            except StubError as exc:
                raise StubError(f"stubs[{n}].{exc.field}", str(exc).split(": ", 1)[-1]) from None

    def add(self, spec: StubSpec, source: str = "api") -> Stub:
        self._order += 1
        stub = Stub(spec, self._order, source=source)
        wanted = spec.id or spec.uuid
        if wanted:
            self.remove(wanted)
            stub.id = wanted
        self.items.append(stub)
        self.items.sort(key=lambda s: (s.spec.priority, -s.order))
        return stub

    def get(self, stub_id: str) -> Stub | None:
        return next((s for s in self.items if s.id == stub_id), None)

    def remove(self, stub_id: str) -> bool:
        before = len(self.items)
        self.items = [s for s in self.items if s.id != stub_id]
        return len(self.items) != before

    def clear(self) -> None:
        self.items = []


class StubStep:
    """The chain's step answering with the first stub that matches (after the journal and fault injection)."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def before(self, exchange: Exchange) -> Any:
        stubs: Stubs = self.sim.stubs
        scope = exchange.scope
        if not stubs.items or scope["type"] != "http" or scope["path"].startswith("/_sim") or exchange.answer:
            return None
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        candidates = []
        for stub in stubs.items:
            if stub.left:
                params = stub.matches_outline(method, path, query, headers)
                if params is not None:
                    candidates.append((stub, params))
        if not candidates:
            return None
        if any(stub.spec.request.bodyPatterns for stub, _ in candidates):
            return self._with_body(exchange, candidates, method, path, query, headers)
        stub, params = candidates[0]
        return self._answer(exchange, stub, _Request(method, path, query, headers, b"", params))

    async def _with_body(self, exchange: Exchange, candidates: list[tuple[Stub, dict[str, str]]], method: str,
                         path: str, query: str, headers: dict[str, str]) -> None:
        body = await _read_body(exchange)
        for stub, params in candidates:
            patterns = stub.spec.request.bodyPatterns
            if (body is not None and all(p.test(body) for p in patterns)) or not patterns:
                waiting = self._answer(exchange, stub, _Request(method, path, query, headers, body or b"", params))
                if waiting is not None:
                    await waiting
                return

    def _answer(self, exchange: Exchange, stub: Stub, request: _Request) -> Any:
        stub.matched += 1
        exchange.stub = stub.id
        response = stub.spec.response
        status, headers, content = render(response, request, self.sim.clock.now().isoformat())
        if self.sim.settings.strict_stubs:
            problem = contract_problem(request.method, request.path, status, content, stub.spec.request.operationId)
            if problem:
                exchange.note = f"stub {stub.id} breaks the contract: {problem}"
                headers.append((b"x-micc-sim-stub-warning", exchange.note.encode("latin-1", "replace")[:500]))

        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

        exchange.answer = answer
        if response.fixedDelayMilliseconds:
            return asyncio.sleep(response.fixedDelayMilliseconds / 1000)
        return None


async def _read_body(exchange: Exchange) -> bytes | None:
    """The request body (None beyond :data:`MAX_BODY`); the face still reads it from its start."""
    receive = exchange.receive
    messages = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_BODY or not message.get("more_body", False):
            break
    exchange.receive = _Replay(messages, receive)
    if size > MAX_BODY:
        return None
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")


class _Replay:
    def __init__(self, messages: list[Any], receive: Receive) -> None:
        self.messages = messages
        self.receive = receive

    async def __call__(self) -> Any:
        if self.messages:
            return self.messages.pop(0)
        return await self.receive()


@dataclass
class _Request:
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


def _fill(text: str, request: _Request, now: str) -> str:
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
        if kind == "pathSegments" or key.isdigit():
            segments = [s for s in request.path.split("/") if s]
            return segments[int(key)] if int(key) < len(segments) else ""
        return request.params.get(key, "")

    return _TEMPLATE.sub(value, text)


def render(response: StubResponse, request: _Request, now: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
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


def _fill_json(data: Any, request: _Request, now: str) -> Any:
    if isinstance(data, str):
        return _fill(data, request, now)
    if isinstance(data, dict):
        return {k: _fill_json(v, request, now) for k, v in data.items()}
    if isinstance(data, list):
        return [_fill_json(v, request, now) for v in data]
    return data


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


# -- matching helpers -----------------------------------------------------------------------------
def _template_params(template: str, path: str) -> dict[str, str] | None:
    parts, given = template.strip("/").split("/"), path.strip("/").split("/")
    if len(parts) != len(given):
        return None
    params = {}
    for part, value in zip(parts, given, strict=True):
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = value
        elif part != value:
            return None
    return params


def _operation_params(operation: Any, path: str) -> dict[str, str]:
    from micc_sim.harness.control.operations import _contracts

    for base, _ in _contracts():
        if path.lower().startswith(base):
            return operation.match(path[len(base):]) or {}
    return {}


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


def _json_equal(wanted: Any, got: Any, extra: bool, any_order: bool) -> bool:
    if isinstance(wanted, dict):
        if not isinstance(got, dict) or (not extra and set(got) != set(wanted)):
            return False
        return all(k in got and _json_equal(v, got[k], extra, any_order) for k, v in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(got, list) or (len(got) != len(wanted) if not extra else len(got) < len(wanted)):
            return False
        if any_order:
            return all(any(_json_equal(w, g, extra, any_order) for g in got) for w in wanted)
        return all(_json_equal(w, g, extra, any_order) for w, g in zip(wanted, got, strict=False))
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
