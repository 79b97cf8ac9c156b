"""SignalR connections: who is connected, their groups, and the messages each has not seen yet.

Every connection keeps its own numbered message buffer (SignalR's default size, 1000). The cursor a
client holds (``C``, sent back as ``messageId``) names the last message it got, so a long poll or a
reconnect gets exactly what came after it: what it missed, and nothing twice. A connection has at most
one *receiver* at a time (a websocket, an event stream or a pending long poll); a newer one supersedes it.
Messages published while no receiver is attached wait in the buffer.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from micc_sim.spec.router import Principal

BUFFER_SIZE = 1000


class Receiver:
    """One transport request delivering a connection's messages: woken when there is something to send."""

    def __init__(self, transport: str, path: str) -> None:
        self.transport = transport
        self.path = path
        self.wake = asyncio.Event()
        self.stopped: str | None = None  # why it must stop: "superseded", "ended", "shutdown"

    def stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason
        self.wake.set()


@dataclass(eq=False)
class Connection:
    id: str
    principal: Principal
    session_token: str  # the bearer token of the ``sessionid`` query string; the connection ends with it
    sdk_base: str  # the MiCC SDK base URL as this client reaches it (for the links in pushed objects)
    hubs: frozenset[str]
    epoch: str = field(default_factory=lambda: secrets.token_hex(4))
    groups: set[str] = field(default_factory=set)
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=BUFFER_SIZE))
    seq: int = 0
    groups_changed: bool = False  # send a fresh groups token with the next response
    receiver: Receiver | None = None
    detached_at: float = field(default_factory=time.monotonic)

    # -- cursors -----------------------------------------------------------------------------
    def cursor(self, seq: int | None = None) -> str:
        return f"{self.epoch}-{self.seq if seq is None else seq:x}"

    def read_cursor(self, text: str | None) -> int:
        """The message number a client's cursor names; 0 (everything buffered) for a cursor of another life."""
        epoch, _, number = (text or "").rpartition("-")
        if epoch != self.epoch:
            return 0
        try:
            return min(int(number, 16), self.seq)
        except ValueError:
            return 0

    def after(self, seq: int) -> list[tuple[int, str]]:
        if seq >= self.seq:
            return []
        return [entry for entry in self.buffer if entry[0] > seq]

    # -- delivery ----------------------------------------------------------------------------
    def enqueue(self, message: str) -> None:
        self.seq += 1
        self.buffer.append((self.seq, message))
        if self.receiver is not None:
            self.receiver.wake.set()

    def attach(self, receiver: Receiver) -> None:
        if self.receiver is not None and self.receiver is not receiver:
            self.receiver.stop("superseded")
        self.receiver = receiver

    def detach(self, receiver: Receiver) -> None:
        if self.receiver is receiver:
            self.receiver = None
            self.detached_at = time.monotonic()

    def mark_groups_changed(self) -> None:
        self.groups_changed = True
        if self.receiver is not None:
            self.receiver.wake.set()


class Connections:
    """The registry: connections by id, and groups (``hub.name``) to the connections in them."""

    def __init__(self) -> None:
        self.by_id: dict[str, Connection] = {}
        self._groups: dict[str, set[Connection]] = {}
        self._listeners: list[Callable[[Connection], None]] = []

    def __len__(self) -> int:
        return len(self.by_id)

    def on_removed(self, listener: Callable[[Connection], None]) -> None:
        self._listeners.append(listener)

    def add(self, connection: Connection) -> None:
        self.by_id[connection.id] = connection

    def remove(self, connection: Connection, reason: str) -> None:
        """Forget a connection (aborted, timed out, its session ended): its receiver stops, its groups go."""
        if self.by_id.get(connection.id) is not connection:
            return
        del self.by_id[connection.id]
        for group in list(connection.groups):
            self.leave(connection, group)
        if connection.receiver is not None:
            connection.receiver.stop(reason)
        for listener in list(self._listeners):
            listener(connection)

    # -- groups ------------------------------------------------------------------------------
    def join(self, connection: Connection, group: str) -> None:
        if group not in connection.groups:
            connection.groups.add(group)
            self._groups.setdefault(group, set()).add(connection)
            connection.mark_groups_changed()

    def leave(self, connection: Connection, group: str) -> None:
        if group in connection.groups:
            connection.groups.discard(group)
            members = self._groups.get(group)
            if members is not None:
                members.discard(connection)
                if not members:
                    del self._groups[group]
            connection.mark_groups_changed()

    def members(self, group: str) -> set[Connection]:
        return self._groups.get(group) or set()

    def has_members(self, group: str) -> bool:
        return bool(self._groups.get(group))

    def groups_with_prefix(self, prefix: str) -> Iterable[str]:
        return [g for g in self._groups if g.startswith(prefix)]

    def publish(self, group: str, build: Callable[[str], str]) -> int:
        """Queue a message for every connection in ``group``; ``build(sdk_base)`` makes it (once per base URL,
        since pushed objects carry absolute links). Returns how many connections got it."""
        members = self._groups.get(group)
        if not members:
            return 0
        built: dict[str, str] = {}
        for connection in members:
            message = built.get(connection.sdk_base)
            if message is None:
                message = built[connection.sdk_base] = build(connection.sdk_base)
            connection.enqueue(message)
        return len(members)
