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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange
from micc_sim.harness.control.stub_answers import (
    RequestValues,
    contract_problem,
    json_equal,
    json_path,
    linear,
    render,
    template_check,
    template_strings,
)

MAX_STUBS = 10_000  # stubs one simulator holds: each request is tried against them in turn
MAX_BODY = 1 << 20  # bytes of a request body a body pattern reads; a longer body matches no body pattern


class StubError(ValueError):
    """An invalid stub; ``field`` names where (``request.urlPathPattern``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


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
            return json_equal(self.equalToJson, data, self.ignoreExtraElements, self.ignoreArrayOrder)
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
    urlPattern: str | None = None
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

    @field_validator("urlPathPattern", "urlPattern")
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
        given = [k for k in ("urlPath", "urlPathPattern", "urlPathTemplate", "url", "urlPattern", "operationId")
                 if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of urlPath, urlPathPattern, urlPathTemplate, url, urlPattern, operationId, "
                             f"not {given}")
        return self


class StubResponse(_Model):
    status: int = Field(200, ge=100, le=599)
    statusMessage: str | None = Field(None, description="accepted for WireMock's sake: the reason phrase is the "
                                                        "server's")
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
        for text in template_strings(self.jsonBody if self.jsonBody is not None else self.body):
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
        elif request.urlPattern is not None:
            url = path + (f"?{query}" if query else "")
            params = {} if linear(request.urlPattern).fullmatch(url) is not None else None
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
        if len(self.items) >= MAX_STUBS:
            raise StubError("", f"at most {MAX_STUBS} stubs; remove some first")
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
        return self._answer(exchange, stub, RequestValues(method, path, query, headers, b"", params))

    async def _with_body(self, exchange: Exchange, candidates: list[tuple[Stub, dict[str, str]]], method: str,
                         path: str, query: str, headers: dict[str, str]) -> None:
        body = await _read_body(exchange)
        for stub, params in candidates:
            patterns = stub.spec.request.bodyPatterns
            if (body is not None and all(p.test(body) for p in patterns)) or not patterns:
                waiting = self._answer(exchange, stub, RequestValues(method, path, query, headers, body or b"", params))
                if waiting is not None:
                    await waiting
                return

    def _answer(self, exchange: Exchange, stub: Stub, request: RequestValues) -> Any:
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
