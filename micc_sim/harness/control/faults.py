"""Fault injection: rules that make the faces misbehave on purpose, as a network or a sick server would.

A rule matches requests by face, path (a regular expression, run on RE2: linear time) and method; it fires
with a probability (drawn from a seeded generator, so a run can be repeated) and at most ``count`` times. Kinds:

* ``latency``  -- delay the answer: ``latency_ms`` fixed, or log-normal around it with ``sigma``;
* ``error``    -- answer ``status`` with a body in the face's own error shape;
* ``busy``     -- 503 "server busy" with ``Retry-After``;
* ``reset``    -- start the answer, then drop the connection (the client sees it cut mid-response);
* ``empty``    -- 200 with no body; ``garbage`` -- 200 with bytes that are not JSON;
* ``revoke_tokens`` -- every session ends before the request is served (so it gets a 401);
* ``disconnect`` -- a streaming face (real-time hubs, socket.io, MQTT) drops the connection: the face asks
  :meth:`Faults.disconnects` before each message it sends, with the connection's path.

The HTTP step (``FaultInjector``, in the request chain) stands outside the faces, so no handler knows
about faults; a streaming face knows only the one question it asks.
"""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from random import Random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.types import ASGIApp, Receive, Scope, Send

from micc_sim.chain import Exchange
from micc_sim.harness.control.journal import FACES as JOURNAL_FACES
from micc_sim.harness.control.journal import face_of
from micc_sim.patterns import PatternError, compile_linear

Kind = Literal["latency", "error", "busy", "reset", "empty", "garbage", "revoke_tokens", "disconnect"]
FACES = tuple(face for _, face in JOURNAL_FACES)  # the faces a rule may name; a streaming face adds its own
STREAMING_FACES: tuple[str, ...] = ("signalr", "desktop")  # faces whose connections a ``disconnect`` rule may drop

# CloudLink notifications (docs/cloudlink-notifications.md): rules for what the simulator sends out
WEBHOOKS_FACE = "cloudlink-webhooks"  # each webhook POST: the receiver is slow, fails with a status, or resets
MQTT_FACE = "cloudlink-mqtt"  # the notifications' MQTT-over-WebSocket connections: disconnect
OUTGOING_KINDS = ("latency", "error", "busy", "reset")
FACES += (WEBHOOKS_FACE, MQTT_FACE)
STREAMING_FACES += (MQTT_FACE,)


class FaultRuleSpec(BaseModel):
    """A fault rule as the control API takes it."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    face: str | None = Field(None, description="only requests to (or connections of) this face")
    path: str | None = Field(None, description="regular expression searched in the request path (any case)")
    method: str | None = None
    probability: float = Field(1.0, ge=0, le=1)
    count: int | None = Field(None, ge=1, description="fire at most this many times (default: always)")
    latency_ms: float = Field(0, ge=0, le=600_000)
    sigma: float = Field(0, ge=0, le=5, description="log-normal spread of the latency (0 = fixed)")
    status: int = Field(500, ge=400, le=599)
    message: str = "An error has occurred."

    @field_validator("face")
    @classmethod
    def _known_face(cls, value: str | None) -> str | None:
        if value is not None and value not in FACES:
            raise ValueError(f"unknown face {value!r}; known: {', '.join(FACES)}")
        return value

    @model_validator(mode="after")
    def _disconnect_names_a_streaming_face(self) -> FaultRuleSpec:
        if self.kind == "disconnect" and self.face not in STREAMING_FACES:
            streaming = ", ".join(STREAMING_FACES) or "none yet"
            raise ValueError(f"a disconnect rule needs the face whose connections it drops ({streaming})")
        return self

    @model_validator(mode="after")
    def _notification_faces_take_their_kinds(self) -> FaultRuleSpec:
        if self.face == WEBHOOKS_FACE and self.kind not in OUTGOING_KINDS:
            raise ValueError(f"a {WEBHOOKS_FACE} rule is one of {', '.join(OUTGOING_KINDS)}, not {self.kind}")
        if self.face == MQTT_FACE and self.kind != "disconnect":
            raise ValueError(f"a {MQTT_FACE} rule is a disconnect rule, not {self.kind}")
        return self

    @field_validator("path")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_linear(value, ignore_case=True)
            except PatternError as exc:
                raise ValueError(str(exc)) from None
        return value


def _searched(pattern: str, text: str) -> bool:
    """A rule's ``path`` searched in ``text``, without case (compiled once: the compiler keeps it)."""
    return compile_linear(pattern, ignore_case=True).search(text) is not None


@dataclass
class FaultRule:
    spec: FaultRuleSpec
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        spec = self.spec
        return ((spec.count is None or self.fired < spec.count)
                and (spec.face is None or face_of(path) == spec.face)
                and (spec.method is None or spec.method.upper() == method)
                and (spec.path is None or _searched(spec.path, path)))

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "fired": self.fired, **self.spec.model_dump()}


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.random = Random(seed)

    def add(self, spec: FaultRuleSpec) -> FaultRule:
        rule = FaultRule(spec)
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this HTTP request (and count it)."""
        for rule in self.rules:
            if (rule.spec.kind != "disconnect" and rule.matches(method, path)
                    and self.random.random() < rule.spec.probability):
                rule.fired += 1
                return rule
        return None

    def disconnects(self, face: str, path: str = "") -> bool:
        """Whether a connection of a streaming face should be dropped now (and count the rule that says so)."""
        for rule in self.rules:
            spec = rule.spec
            if (spec.kind == "disconnect" and spec.face == face
                    and (spec.count is None or rule.fired < spec.count)
                    and (spec.path is None or _searched(spec.path, path))
                    and self.random.random() < spec.probability):
                rule.fired += 1
                return True
        return False

    def pick_outgoing(self, face: str, method: str, url: str) -> FaultRule | None:
        """The first rule of ``face`` (one the simulator sends from, as webhooks) that fires for a request it
        sends to ``url`` (a rule's ``path`` is searched in the whole URL); counted as :meth:`pick` does."""
        for rule in self.rules:
            spec = rule.spec
            if (spec.face == face and spec.kind != "disconnect"
                    and (spec.count is None or rule.fired < spec.count)
                    and (spec.method is None or spec.method.upper() == method)
                    and (spec.path is None or _searched(spec.path, url))
                    and self.random.random() < spec.probability):
                rule.fired += 1
                return rule
        return None

    def latency_seconds(self, spec: FaultRuleSpec) -> float:
        if spec.sigma <= 0:
            return spec.latency_ms / 1000
        return spec.latency_ms * math.exp(self.random.gauss(0, spec.sigma)) / 1000


def error_body(path: str, status: int, message: str) -> bytes:
    """The face's own error shape, for the steps that answer in a face's place (faults, guard, proxy, replay)."""
    face = face_of(path)
    if face.startswith("cloudlink-"):
        body: dict[str, Any] = {"name": "ServiceUnavailableError" if status == 503 else "InternalServerError"
                                if status >= 500 else "PayloadTooLargeError" if status == 413 else "BadRequestError",
                                "message": message}
    elif face == "authorizationserver":
        body: dict[str, Any] = {"error": "server_error" if status >= 500 else "invalid_request",
                                "error_description": message}
    else:
        body = {"message": message}
    return json.dumps(body).encode("utf-8")


class FaultInjector:
    """The chain's step applying the simulator's fault rules to requests for the faces."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def before(self, exchange: Exchange) -> Awaitable[None] | None:
        scope = exchange.scope
        faults: Faults = self.sim.faults
        if not faults.rules or scope["type"] != "http" or scope["path"].startswith("/_sim"):
            return None
        rule = faults.pick(scope["method"], scope["path"])
        if rule is None:
            return None
        exchange.fault = rule.id
        spec = rule.spec
        if spec.kind == "latency":
            return asyncio.sleep(faults.latency_seconds(spec))
        if spec.kind == "revoke_tokens":
            self.sim.tokens.revoke_all()
        elif spec.kind == "error":
            exchange.answer = _answering(spec.status, error_body(scope["path"], spec.status, spec.message))
        elif spec.kind == "busy":
            exchange.answer = _answering(503, error_body(scope["path"], 503, "The server is busy. Try again later."),
                                         [(b"retry-after", b"5")])
        elif spec.kind == "empty":
            exchange.answer = _answering(200, b"")
        elif spec.kind == "garbage":
            exchange.answer = _answering(200, bytes(faults.random.getrandbits(8) for _ in range(64)))
        else:
            exchange.answer = _reset
        return None


async def _reset(scope: Scope, receive: Receive, send: Send) -> None:
    """Promise a body, then abandon the connection."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
    await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
    raise ConnectionResetError("micc-sim fault: connection reset")


def _answering(status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> ASGIApp:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await _answer(send, status, body, headers)

    return answer


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})

