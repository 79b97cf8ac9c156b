"""State of the agent desktop face: one :class:`Desk` per socket.io connection (one simulated Agent
application), kept by :class:`Desks`.

A desk is *running* once it knows its user (the connection's ``auth``, or ``LaunchBSAWithCredentials``) or was
launched without one (``LaunchBSA``: the application waits at its logon dialog), and *registered* once the
integration may make requests and receive events (``Initialize()``, or at once for a connection that said who
it is). What the Agent application itself shows (tabs, dispatch subscriptions, the monitored agent, forms it
opened) is the desk's own; the agent, their calls and readiness are the world's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

DISPATCH_KINDS = ("personal", "common_hold", "voice", "email", "sms", "campaign")


@dataclass
class Tab:
    name: str
    url: str
    symbol: str = ""
    color: str = ""
    in_dock_bar: bool = False


def default_tabs() -> list[Tab]:
    return [Tab("Home", "about:blank"), Tab("Integration", "/_sim/desktop/")]


@dataclass
class Desk:
    sid: str
    running: bool = False
    registered: bool = False
    agent_id: str | None = None
    tabs: list[Tab] = field(default_factory=default_tabs)
    selected_tab: int = 0
    own_tab: int = 1  # the tab a page using the JavaScript interface runs in (GetTab)
    monitoring: str | None = None  # the agent being monitored
    monitor_continuous: bool = False
    dispatch_enabled: bool = False
    dispatch: dict[str, set[int]] = field(default_factory=dict)  # kind -> service group / campaign ids (0: all)
    dispatch_seen: set[str] = field(default_factory=set)  # waiting interactions announced with UpdateType Add
    realtime: dict[str, int | None] = field(default_factory=dict)  # queue id -> CallsInQueue last sent
    shown: set[str] = field(default_factory=set)  # ids of calls, chats, messages and items on this desktop
    last_user_info: dict[str, Any] | None = None
    logged_on: bool = False  # as last told (OnUserLogin on each logon)
    forms: list[dict[str, Any]] = field(default_factory=list)  # e-mail and SMS forms opened (SendEmail, ...)
    outbox: asyncio.Queue[tuple[str, tuple[Any, ...]]] = field(default_factory=asyncio.Queue)
    sender: asyncio.Task[None] | None = None

    def send(self, event: str, *args: Any) -> None:
        """Queue an event for this connection (sent in order by the connection's sender task)."""
        self.outbox.put_nowait((event, args))


class Desks:
    """The connected desks of one simulator."""

    def __init__(self) -> None:
        self.by_sid: dict[str, Desk] = {}

    def add(self, desk: Desk) -> None:
        self.by_sid[desk.sid] = desk

    def remove(self, sid: str) -> Desk | None:
        return self.by_sid.pop(sid, None)

    def get(self, sid: str) -> Desk | None:
        return self.by_sid.get(sid)

    def registered(self) -> list[Desk]:
        return [d for d in self.by_sid.values() if d.registered]
