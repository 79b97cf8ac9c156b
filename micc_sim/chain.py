"""The request chain: what every request goes through on its way to a face, as one ASGI app.

Cross-cutting behaviour (IIS path handling, host-style CloudLink URLs, the request journal, fault injection)
is a list of *steps* around the faces, LocalStack's handler chain, rather than a stack of ASGI middlewares:
the request is one scope that each step reads or rewrites in turn, one ``send`` notes the answer's status,
and the face is found by the path's first segment. A step costs a function call, not a coroutine, a copied
scope and a wrapped ``send`` per layer, and no face knows about any step.

A step is an object with ``before``, ``after`` or both:

* ``before(exchange)`` runs, in the chain's order, before the face. It may rewrite ``exchange.scope`` (the
  path), answer in the face's place (``exchange.answer = an ASGI app``: later steps and the face are then
  skipped; a WebSocket too), replace ``exchange.receive`` (a body read ahead), or return an awaitable the
  chain waits for (a delay);
* ``after(exchange)`` runs, in reverse order, once the request is answered or has failed; it sees
  ``exchange.status`` (500 when the app failed before answering).

A step may read the request body with ``await exchange.receive()`` (and put back a ``receive`` that gives it
again), and set ``exchange.headers_out`` (headers every answer gets, whoever answers, the face or a later
step: ``X-Request-Id``, CORS), ``exchange.request_body`` (a :class:`Capture` the request body is copied into as
the app reads it) and ``exchange.response_chunks`` (a list the answer's body chunks are kept in,
``exchange.room`` bytes at most: kept, not copied); the chain then keeps the answer's headers in
``exchange.response_headers``.

A face adds its own step through ``Face(steps=[...])`` (the CloudLink face's host-style URLs); ``app.py``
puts the simulator's own steps around them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Exchange:
    """One request on its way through the chain."""

    __slots__ = ("answer", "arrived", "fault", "headers_out", "id", "note", "receive", "request_body",
                 "response_chunks", "response_headers", "room", "scope", "seq", "started", "status", "stub", "wall")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive  # what the face reads the request from
        self.status = 500  # what the client sees if the app fails before answering
        self.answer: ASGIApp | None = None  # set by a step that answers in the face's place
        self.started = time.perf_counter()
        self.arrived: Any = None  # the simulated time of arrival, when the journal records the request
        self.id: str | None = None  # the journal entry's id (and the answer's X-Request-Id)
        self.wall = 0.0  # the wall time of arrival (time.time()), when the journal records the request
        self.headers_out: tuple[tuple[bytes, bytes], ...] = ()  # added to the answer's headers, whoever answers
        self.request_body: Capture | None = None
        self.response_chunks: list[bytes] | None = None
        self.room = 0  # bytes of the answer's body response_chunks may still take
        self.seq = 0
        self.response_headers: Any = None
        self.fault: str | None = None  # the fault rule that acted on the request
        self.stub: str | None = None  # the stub that answered
        self.note: str | None = None  # why the answer is what it is, when a step knows (a proxy target down)

    def header(self, name: bytes) -> bytes | None:
        """A request header's value (``name`` in lower case; the last one if it was sent twice)."""
        found = None
        for key, value in self.scope.get("headers") or ():
            if key == name:
                found = value
        return found


class Chain:
    """The app: the steps, then the face whose route matches; anything else goes to ``fallback``.

    ``routes`` are the faces' routes in order; ``fallback`` is a Starlette app holding the same routes, for
    what the fast lookup does not decide itself (the lifespan, no route or only a partial one, redirects):
    so every request ends where Starlette's router would have sent it.
    """

    def __init__(self, steps: Sequence[object], routes: Sequence[BaseRoute], fallback: Any) -> None:
        self.before = [step.before for step in steps if hasattr(step, "before")]
        self.after = [step.after for step in reversed(steps) if hasattr(step, "after")]
        self.fallback = fallback
        self.router = fallback.router
        self._by_segment: dict[str, list[BaseRoute]] = {}
        anywhere: list[tuple[int, BaseRoute]] = []  # routes whose first segment is not a literal
        indexed: dict[str, list[tuple[int, BaseRoute]]] = {}
        for order, route in enumerate(routes):
            segment = _first_segment(getattr(route, "path", None))
            (anywhere if segment is None else indexed.setdefault(segment, [])).append((order, route))
        for segment, found in indexed.items():
            self._by_segment[segment] = [route for _, route in sorted(found + anywhere, key=lambda r: r[0])]
        self._anywhere = [route for _, route in anywhere]

    @property
    def state(self) -> Any:
        return self.fallback.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.fallback(scope, receive, send)
            return
        exchange = Exchange(scope, receive)
        for before in self.before:
            waiting = before(exchange)
            if waiting is not None:
                await waiting
            if exchange.answer is not None:
                break
        if scope["type"] != "http":
            await (exchange.answer or self._dispatch)(exchange.scope, exchange.receive, send)
            return

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                if exchange.headers_out:  # a message is a fresh dict each time; its headers may not be
                    message["headers"] = headers = [*message.get("headers", ()), *exchange.headers_out]
                else:
                    headers = message.get("headers")
                exchange.response_headers = headers
            else:
                chunks = exchange.response_chunks
                if chunks is not None:
                    body = message.get("body")
                    if body:
                        if len(body) <= exchange.room:
                            chunks.append(body)
                            exchange.room -= len(body)
                        else:
                            chunks.append(body[:exchange.room])
                            exchange.room = -1  # truncated
            await send(message)

        receive = exchange.receive
        if exchange.request_body is not None:
            receive = _Capturing(receive, exchange.request_body)
        try:
            await (exchange.answer or self._dispatch)(exchange.scope, receive, noting_send)
        finally:
            for after in self.after:
                after(exchange)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The face whose route takes the path (routes sharing its first segment, in order)."""
        path: str = scope["path"]
        if not scope.get("root_path"):
            end = path.find("/", 1)
            for route in self._by_segment.get(path[1:end] if end > 0 else path[1:], self._anywhere):
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope["router"] = self.router
                    scope["route"] = route
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
                if match is not Match.NONE:
                    break  # a partial match (another method): Starlette's router decides
        await self.fallback(scope, receive, send)


class Capture(bytearray):
    """A body as it went by, cut at ``limit`` bytes (``truncated`` then says so)."""

    __slots__ = ("limit", "truncated")

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[:max(room, 0)]
        self.extend(chunk)


class _Capturing:
    """A request's ``receive`` that copies the body into a capture as the app reads it."""

    __slots__ = ("capture", "receive")

    def __init__(self, receive: Receive, capture: Capture) -> None:
        self.receive = receive
        self.capture = capture

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.capture.add(message.get("body", b""))
        return message


def _first_segment(path: str | None) -> str | None:
    """The literal first segment of a route's path ("" for "/"), or None when it is not a literal."""
    if not path:  # a route without a path (a Host) or a Mount of "/" takes any path
        return None
    segment = path[1:].split("/", 1)[0]
    return None if "{" in segment else segment
