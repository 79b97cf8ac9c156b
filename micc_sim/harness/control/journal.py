"""The request journal: what clients asked of the simulator's faces, for tests to inspect and verify.

Bounded (a ring buffer, ``--journal-size``, default 10,000 entries), so a long load test cannot run the
server out of memory the way an unbounded journal does. Requests to ``/_sim`` are not recorded.
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from micc_sim.chain import Exchange
from micc_sim.middleware import CLIENT_PATH
from micc_sim.patterns import PatternError, compile_linear

FACES = (("/authorizationserver", "authorizationserver"), ("/miccsdk/signalr", "signalr"), ("/miccsdk", "miccsdk"),
         ("/socket.io", "desktop"),
         *((f"/{s}", f"cloudlink-{s}") for s in ("authentication", "admin", "notifications", "chat", "media",
                                                  "presence")))


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


class JournalEntry(NamedTuple):  # a tuple: recorded on every request, so it must cost next to nothing
    seq: int
    at: datetime  # simulated time the request arrived
    method: str
    path: str  # after IIS path handling (one slash, canonical prefix)
    raw_path: str  # as the client sent it
    query: str
    status: int
    duration_ms: float
    face: str
    client: str | None

    def as_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "at": self.at.isoformat().replace("+00:00", "Z")}


@dataclass(frozen=True)
class JournalFilter:
    """Which entries a query means. ``path`` is a glob (``/miccsdk/api/v1/openmedia/*``), or a regular
    expression when it starts with ``^`` (run on RE2, in linear time); paths and methods compare without case;
    ``status`` is a code or a class such as ``4xx``."""

    method: str | None = None
    path: str | None = None
    status: str | None = None
    face: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.path and self.path.startswith("^"):
            try:
                compile_linear(self.path, ignore_case=True)
            except PatternError as exc:
                raise ValueError(f"path {self.path[:100]!r}: {exc}") from None
        if self.status and not re.fullmatch(r"[1-5](\d\d|xx)", self.status.lower()):
            raise ValueError(f"status must be a code like 404 or a class like 4xx, not {self.status!r}")

    def path_matches(self, path: str) -> bool:
        if not self.path:
            return True
        if self.path.startswith("^"):
            return compile_linear(self.path, ignore_case=True).search(path) is not None
        return fnmatch.fnmatchcase(path.lower(), self.path.lower())

    def matches(self, entry: JournalEntry) -> bool:
        return (
            (not self.method or entry.method == self.method.upper())
            and self.path_matches(entry.path)
            and (not self.status or _status_matches(self.status, entry.status))
            and (not self.face or entry.face == self.face)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at <= self.until)
        )


def _status_matches(wanted: str, status: int) -> bool:
    wanted = wanted.lower()
    return str(status)[0] == wanted[0] if wanted.endswith("xx") else str(status) == wanted


class Journal:
    def __init__(self, size: int, now: Callable[[], datetime]) -> None:
        self.entries: deque[JournalEntry] = deque(maxlen=size)
        self.now = now
        self._seq = 0
        self.dropped = 0  # entries pushed out of the ring buffer
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after each new entry (the dashboard); returns the way to stop."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def record(self, at: datetime, method: str, path: str, raw_path: str, query: str, status: int,
               duration_ms: float, face: str, client: str | None) -> JournalEntry:
        self._seq += 1
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        entry = JournalEntry(self._seq, at, method, path, raw_path, query, status, duration_ms, face, client)
        self.entries.append(entry)
        for listener in list(self._listeners):
            listener()
        return entry

    def find(self, query: JournalFilter) -> list[JournalEntry]:
        return [e for e in self.entries if query.matches(e)]

    def near_misses(self, query: JournalFilter, limit: int = 5) -> list[JournalEntry]:
        """Entries that match all but one criterion of ``query``, most recent first (WireMock's near misses)."""
        criteria = {"method": query.method, "path": query.path, "status": query.status, "face": query.face}
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
        self.dropped = 0


class JournalRecorder:
    """The chain's step recording each request to the faces (not /_sim) with its final status."""

    def __init__(self, journal: Callable[[], Journal]) -> None:
        self.journal = journal

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] == "http" and not scope["path"].startswith("/_sim") and scope["path"] != "/favicon.ico":
            exchange.arrived = self.journal().now()

    def after(self, exchange: Exchange) -> None:
        if exchange.arrived is None:
            return
        scope = exchange.scope
        client = scope.get("client")
        path = scope["path"]
        self.journal().record(  # positional: this runs on every request
            exchange.arrived, scope["method"], path,
            scope.get(CLIENT_PATH) or (scope.get("raw_path") or b"").decode("latin-1") or path,
            scope.get("query_string", b"").decode("latin-1"), exchange.status,
            round((time.perf_counter() - exchange.started) * 1000, 3), face_of(path),
            f"{client[0]}:{client[1]}" if client else None,
        )


def entries_view(entries: Iterable[JournalEntry]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in entries]
