"""The request journal: every exchange with the simulator's faces, in full, to inspect, query, stream and export.

An entry is an HTTP request to a face (``kind`` ``http``), a request the simulator sent (``outgoing``: a
CloudLink webhook delivery) or a message on a connection (``message``: SignalR hub invocations and what the
hubs send, socket.io events, MQTT publishes). It keeps the headers and bodies as they went by (each body cut
at ``--journal-body-limit`` bytes); decoding, redacting secrets and naming the contract operation wait until
someone looks, so recording costs the request path next to nothing.

Bounded twice: at most ``--journal-size`` entries and ``--journal-bytes`` of bodies; the oldest go first and
``dropped`` counts them (WireMock's unbounded journal ran long load tests out of memory). Requests to
``/_sim`` are not recorded.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from micc_sim.chain import Capture, Exchange
from micc_sim.harness.control import redact
from micc_sim.middleware import CLIENT_PATH
from micc_sim.patterns import PatternError, compile_linear
from micc_sim.spec.router import OPERATION_KEY, PRINCIPAL_KEY, Principal

FACES = (("/authorizationserver", "authorizationserver"), ("/miccsdk/signalr", "signalr"), ("/miccsdk", "miccsdk"),
         ("/socket.io", "desktop"),
         *((f"/{s}", f"cloudlink-{s}") for s in ("authentication", "admin", "notifications", "chat", "media",
                                                  "presence", "servicedelivery", "workflow")))
KINDS = ("http", "outgoing", "message")


def _by_first_segment() -> dict[str, tuple[tuple[str, str, str], ...]]:
    index: dict[str, list[tuple[str, str, str]]] = {}
    for prefix, face in FACES:
        index.setdefault(prefix[1:].split("/", 1)[0], []).append((prefix, prefix + "/", face))
    return {segment: tuple(faces) for segment, faces in index.items()}


_FACES_BY_SEGMENT = _by_first_segment()  # a request's face is looked up, not searched for


def face_of(path: str) -> str:
    end = path.find("/", 1)
    for prefix, below, face in _FACES_BY_SEGMENT.get(path[1:end] if end > 0 else path[1:], ()):
        if path.startswith(below) or path == prefix:
            return face
    return "other"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _header(raw: Any, name: bytes) -> str | None:
    for key, value in raw or ():
        if key == name:
            return value.decode("latin-1")
    return None


_UNSET = object()


class JournalEntry:
    """One exchange. Attributes are what was recorded; :meth:`as_dict` is what users see (secrets redacted)."""

    __slots__ = ("_operation", "acting_for", "actor", "at", "client", "duration_ms", "event", "face", "fault", "id",
                 "kind", "method", "note", "path", "query", "raw_path", "request_body", "request_headers",
                 "response_body", "response_headers", "seq", "size", "status", "stub", "wall")

    def __init__(self, seq: int, id: str, kind: str, at: datetime, wall: float, method: str, path: str,
                 raw_path: str, query: str, status: int | None, duration_ms: float, face: str, client: str | None,
                 request_headers: Any = None, request_body: bytes | None = None, response_headers: Any = None,
                 response_body: bytes | None = None, fault: str | None = None, stub: str | None = None,
                 note: str | None = None, event: str | None = None, operation: Any = _UNSET,
                 actor: str | None = None, acting_for: str | None = None) -> None:
        self.seq = seq
        self.id = id
        self.kind = kind
        self.at = at  # simulated time the exchange began
        self.wall = wall  # wall time it began (seconds since the epoch)
        self.method = method  # an HTTP method; for a message its direction: "RECEIVE" (from a client) or "SEND"
        self.path = path  # after IIS path handling; an outgoing request's URL; a message's channel
        self.raw_path = raw_path  # as the client sent it
        self.query = query
        self.status = status
        self.duration_ms = duration_ms
        self.face = face
        self.client = client
        self.request_headers = request_headers
        self.request_body = request_body
        self.response_headers = response_headers
        self.response_body = response_body
        self.fault = fault
        self.stub = stub
        self.note = note
        self.event = event  # a message's event (hub method, socket.io event, MQTT topic)
        self.actor = actor  # who the token names: an employee's username or a Clients.config client id
        self.acting_for = acting_for  # the employee an impersonating client acts for (the Impersonate header)
        self._operation = operation
        self.size = len(request_body or b"") + len(response_body or b"") + 512

    @property
    def operation_id(self) -> str | None:
        """The contract's operationId for this request, looked up the first time it is asked for."""
        if self._operation is _UNSET:
            from micc_sim.harness.control.operations import operation_for

            op = operation_for(self.method, self.path) if self.kind == "http" else None
            self._operation = op.operation_id if op else None
        return self._operation

    @property
    def truncated(self) -> bool:
        return any(isinstance(b, Capture) and b.truncated for b in (self.request_body, self.response_body))

    def request_text(self) -> str:
        return redact.body(bytes(self.request_body or b""), _header(self.request_headers, b"content-type"))

    def response_text(self) -> str:
        return redact.body(bytes(self.response_body or b""), _header(self.response_headers, b"content-type"))

    def as_dict(self, bodies: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id, "seq": self.seq, "kind": self.kind, "face": self.face, "operation": self.operation_id,
            "at": _iso(self.at), "wall": _iso(datetime.fromtimestamp(self.wall, UTC)),
            "method": self.method, "path": self.path, "raw_path": self.raw_path, "query": redact.query(self.query),
            "event": self.event, "status": self.status, "duration_ms": self.duration_ms, "client": self.client,
            "fault": self.fault, "stub": self.stub, "note": self.note,
            "actor": self.actor, "acting_for": self.acting_for,
        }
        if bodies:
            view["request"] = {"headers": dict(redact.headers(self.request_headers)), "body": self.request_text()}
            view["response"] = {"headers": dict(redact.headers(self.response_headers)), "body": self.response_text()}
            view["truncated"] = self.truncated
        return view

    def line(self) -> str:
        """One readable line (``micc-sim journal --follow``)."""
        at = _iso(self.at)[11:23]
        marks = "".join(f" [{name} {value}]" for name, value in (("fault", self.fault), ("stub", self.stub),
                                                                  ("note", self.note)) if value)
        operation = f" {self.operation_id}" if self.operation_id else ""
        if self.kind == "message":
            return f"{at} {self.face:<22} {self.method:<7} {self.path} {self.event or ''}{marks}"
        query = f"?{self.query}" if self.query else ""
        return (f"{at} {self.face:<22} {self.status or '---'} {self.method:<6} {self.path}{redact.query(query)}"
                f"{operation} {self.duration_ms:.1f}ms{marks}")


@dataclass(frozen=True)
class JournalFilter:
    """Which entries a query means. ``path`` is a glob (``/miccsdk/api/v1/openmedia/*``), or a regular
    expression when it starts with ``^`` (run on RE2, in linear time); paths and methods compare without case;
    ``status`` is a code or a class such as ``4xx``; ``text`` is searched (as a substring, any case) in the
    redacted bodies."""

    method: str | None = None
    path: str | None = None
    status: str | None = None
    face: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    operation: str | None = None
    text: str | None = None
    id: str | None = None
    kind: str | None = None
    stub: str | None = None
    fault: str | None = None
    after: int | None = None  # entries recorded after this sequence number

    def __post_init__(self) -> None:
        if self.path and self.path.startswith("^"):
            try:
                compile_linear(self.path, ignore_case=True)
            except PatternError as exc:
                raise ValueError(f"path {self.path[:100]!r}: {exc}") from None
        if self.status and not re.fullmatch(r"[1-5](\d\d|xx)", self.status.lower()):
            raise ValueError(f"status must be a code like 404 or a class like 4xx, not {self.status!r}")
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")

    def path_matches(self, path: str) -> bool:
        if not self.path:
            return True
        if self.path.startswith("^"):
            return compile_linear(self.path, ignore_case=True).search(path) is not None
        return fnmatch.fnmatchcase(path.lower(), self.path.lower())

    def matches(self, entry: JournalEntry) -> bool:
        return (
            (self.after is None or entry.seq > self.after)
            and (not self.id or entry.id == self.id)
            and (not self.kind or entry.kind == self.kind)
            and (not self.method or entry.method == self.method.upper())
            and self.path_matches(entry.path)
            and (not self.status or (entry.status is not None and _status_matches(self.status, entry.status)))
            and (not self.face or entry.face == self.face)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at <= self.until)
            and (not self.stub or entry.stub == self.stub or (self.stub == "*" and entry.stub is not None))
            and (not self.fault or entry.fault == self.fault or (self.fault == "*" and entry.fault is not None))
            and (not self.operation or (entry.operation_id or "").lower() == self.operation.lower())
            and (not self.text or _contains(entry, self.text.lower()))
        )


def _contains(entry: JournalEntry, needle: str) -> bool:
    return (needle in entry.request_text().lower() or needle in entry.response_text().lower()
            or needle in (entry.event or "").lower())


def _status_matches(wanted: str, status: int) -> bool:
    wanted = wanted.lower()
    return str(status)[0] == wanted[0] if wanted.endswith("xx") else str(status) == wanted


class Journal:
    def __init__(self, size: int, now: Callable[[], datetime], max_bytes: int = 64 << 20,
                 body_limit: int = 64 << 10) -> None:
        self.entries: deque[JournalEntry] = deque()
        self.size = size
        self.max_bytes = max_bytes
        self.body_limit = body_limit
        self.bytes = 0
        self.now = now
        self._prefix = os.urandom(3).hex() + "-"  # ids stay unique across restarts, for logs that outlive a run
        self._seq = itertools.count(1)
        self.last_seq = 0
        self.dropped = 0  # entries pushed out by the entry or byte bound
        self._listeners: list[Callable[[], None]] = []
        self._subscribers: list[Callable[[JournalEntry], None]] = []

    def next_id(self) -> tuple[int, str]:
        seq = next(self._seq)
        return seq, self._prefix + str(seq)

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after each new entry (the dashboard); returns the way to stop."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def subscribe(self, callback: Callable[[JournalEntry], None]) -> Callable[[], None]:
        """Call ``callback(entry)`` for each new entry (the live stream); returns the way to stop."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def add(self, entry: JournalEntry) -> JournalEntry:
        if self.size <= 0:
            self.dropped += 1
            return entry
        entries = self.entries
        entries.append(entry)
        self.last_seq = entry.seq
        self.bytes += entry.size
        while len(entries) > self.size or (self.bytes > self.max_bytes and len(entries) > 1):
            self.bytes -= entries.popleft().size
            self.dropped += 1
        for listener in self._listeners:
            listener()
        for subscriber in self._subscribers:
            subscriber(entry)
        return entry

    def message(self, face: str, direction: str, channel: str, event: str | None, body: bytes | str | None,
                status: int | None = None, note: str | None = None, headers: Any = None,
                duration_ms: float = 0.0, kind: str = "message", response: bytes | str | None = None,
                client: str | None = None) -> JournalEntry:
        """A message on a connection (``direction`` RECEIVE from a client, SEND to it), or with ``kind``
        ``outgoing`` a request the simulator sent (``direction`` its method, ``channel`` its URL)."""
        if self.size <= 0:
            self.dropped += 1
            return None  # type: ignore[return-value]
        seq, id = self.next_id()
        return self.add(JournalEntry(
            seq, id, kind, self.now(), time.time(), direction, channel, channel, "", status, duration_ms, face,
            client, headers, _bounded(body, self.body_limit), None, _bounded(response, self.body_limit), note=note,
            event=event, operation=None))

    def find(self, query: JournalFilter) -> list[JournalEntry]:
        return [e for e in list(self.entries) if query.matches(e)]

    def get(self, entry_id: str) -> JournalEntry | None:
        for entry in reversed(self.entries):
            if entry.id == entry_id:
                return entry
        return None

    def near_misses(self, query: JournalFilter, limit: int = 5) -> list[JournalEntry]:
        """Entries that match all but one criterion of ``query``, most recent first (WireMock's near misses)."""
        criteria = {"method": query.method, "path": query.path, "status": query.status, "face": query.face,
                    "operation": query.operation}
        near: list[JournalEntry] = []
        for entry in reversed(self.entries):
            misses = sum(1 for name, value in criteria.items() if value is not None
                         and not JournalFilter(**{name: value}).matches(entry))
            if misses == 1:
                near.append(entry)
                if len(near) >= limit:
                    break
        return near

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0
        self.dropped = 0


def _bounded(body: bytes | str | None, limit: int) -> bytes | None:
    if body is None:
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) <= limit:
        return raw
    capture = Capture(limit)
    capture.add(raw)
    return capture


class JournalRecorder:
    """The chain's step recording each request to the faces (not /_sim), with its id on the answer."""

    def __init__(self, journal: Callable[[], Journal]) -> None:
        self.journal = journal

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] == "http" and not scope["path"].startswith("/_sim") and scope["path"] != "/favicon.ico":
            journal = self.journal()
            exchange.arrived = journal.now()
            exchange.wall = time.time()
            exchange.seq, exchange.id = journal.next_id()
            exchange.headers_out = ((b"x-request-id", exchange.id.encode()),)
            exchange.response_chunks = []
            exchange.room = journal.body_limit
            if scope["method"] != "GET":
                exchange.request_body = Capture(journal.body_limit)

    def after(self, exchange: Exchange) -> None:
        if exchange.arrived is None:
            return
        scope = exchange.scope
        client = scope.get("client")
        path = scope["path"]
        chunks = exchange.response_chunks
        body = (chunks[0] if len(chunks) == 1 else b"".join(chunks)) if chunks else None  # type: ignore[arg-type]
        if exchange.room < 0:
            body = _truncated(body)
        self.journal().add(JournalEntry(  # positional: this runs on every request
            exchange.seq, exchange.id, "http", exchange.arrived, exchange.wall, scope["method"], path,  # type: ignore[arg-type]
            scope.get(CLIENT_PATH) or (scope.get("raw_path") or b"").decode("latin-1") or path,
            scope.get("query_string", b"").decode("latin-1"), exchange.status,
            round((time.perf_counter() - exchange.started) * 1000, 3), face_of(path),
            f"{client[0]}:{client[1]}" if client else None,
            scope.get("headers"), exchange.request_body, exchange.response_headers, body,
            exchange.fault, exchange.stub, exchange.note, None, scope.get(OPERATION_KEY, _UNSET),
            *(_who(principal) if (principal := scope.get(PRINCIPAL_KEY)) is not None else ()),
        ))


def _who(principal: Principal) -> tuple[str | None, str | None]:
    """(actor, acting_for): a client acting for an employee is the actor, the employee the one acted for."""
    if principal.client:
        return principal.client, principal.name
    return principal.name, None


def _truncated(body: bytes | None) -> Capture:
    capture = Capture(len(body or b""))
    capture.extend(body or b"")
    capture.truncated = True
    return capture


def entries_view(entries: Iterable[JournalEntry], bodies: bool = False) -> list[dict[str, Any]]:
    return [e.as_dict(bodies) for e in entries]


class Stream:
    """One live follower of the journal (``GET /_sim/journal/stream``): entries queued as they are recorded,
    at most ``limit`` waiting (a reader that does not keep up loses the oldest, counted in ``lost``)."""

    def __init__(self, journal: Journal, query: JournalFilter, limit: int = 1000, backlog: int = 0) -> None:
        self.query = query
        self.loop = asyncio.get_running_loop()
        self.queue: deque[JournalEntry] = deque(maxlen=limit)
        if backlog > 0:  # the last entries recorded so far first, as ``tail -f`` does
            self.queue.extend(journal.find(query)[-min(backlog, limit):])
        self.lost = 0
        self.ready = asyncio.Event()
        self._stop = journal.subscribe(self._on_entry)

    def _on_entry(self, entry: JournalEntry) -> None:
        if self.query.matches(entry):
            if len(self.queue) == self.queue.maxlen:
                self.lost += 1
            self.queue.append(entry)
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self.loop:
                self.ready.set()
            else:
                self.loop.call_soon_threadsafe(self.ready.set)

    async def next(self, timeout: float) -> list[JournalEntry]:
        if not self.queue:
            self.ready.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self.ready.wait()
            except TimeoutError:
                return []
        taken = list(self.queue)
        self.queue.clear()
        return taken

    def close(self) -> None:
        self._stop()
