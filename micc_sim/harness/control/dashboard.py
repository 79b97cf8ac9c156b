"""The live dashboard: ``/_sim/dashboard`` and the socket.io namespace ``/dashboard`` that feeds it.

The page gets the whole picture on connect (queues with their Queue Now numbers, agents and what they
do, live interactions of every media, the recent requests, the clock, the fault rules and the CloudLink
deliveries), then a fresh picture whenever the world changes (at most four times a second), with the
timeline of events since the last one it got. The namespace is on the simulator's one socket.io server
(``micc_sim.socketio_server``) and, like the control API, answers loopback clients only, and only those that
send this process's token (``micc_sim.harness.control.guard``), which the page gets from itself; the page speaks
socket.io with ``/_sim/socketio-lite.js``, so it works on a machine with no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime
from importlib import resources
from typing import Any

import socketio
from starlette.requests import Request
from starlette.responses import HTMLResponse

from micc_sim.face import Face
from micc_sim.faces.micc.wire import dotnet_datetime, dotnet_timespan
from micc_sim.harness.control.guard import PROCESS_TOKEN
from micc_sim.runtime import Simulator
from micc_sim.socketio_server import server_for
from micc_sim.world.events import EmployeeStateChanged, Event, InteractionChanged, OpenMediaChanged, SessionsEnded
from micc_sim.world.model import STATE_NAMES, ConversationState

_WITH_AN_AGENT = frozenset({ConversationState.Offered, ConversationState.Acd, ConversationState.Held})
PUSH_INTERVAL = 0.25  # seconds of wall time between pictures, at most
NAMESPACE = "/dashboard"


def picture(sim: Simulator) -> dict[str, Any]:
    world = sim.world
    queues = []
    for queue in world.queues.values():
        now = world.queue_now(queue)
        queues.append({
            "id": queue.id, "name": queue.name, "reporting": queue.reporting, "media": queue.media_type.name,
            "online": world.offline_reason(queue) is None, "validated": queue.workflow_validated,
            "waiting": now.waiting, "longest_wait": dotnet_timespan(now.longest_waiting_seconds),
            "available": now.agents_available, "idle": now.agents_idle, "on_acd": now.agents_on_acd,
            "offered": now.today.offered, "answered": now.today.answered, "abandoned": now.today.abandoned,
            "handled": now.today.handled, "service_level": now.today.service_level,
        })
    agents = [{"id": e.id, "name": e.name, "reporting": e.reporting, "presence": e.presence.name,
               "reason": e.presence_reason, "activity": world.activity(e).value, "items": len(e.active_items),
               "profile": e.profile}
              for e in world.employees.values() if e.is_agent]
    def named(table: dict[str, Any], key: str | None) -> str | None:
        return table[key].name if key in table else None

    items = [{"id": i.id, "label": i.id[:8], "media": "OpenMedia", "state": i.state.name,
              "queue": named(world.queues, i.queue_id), "agent": named(world.employees, i.agent_id),
              "position": world.position(i), "swallowed": i.swallowed, "subject": i.subject,
              "since": dotnet_datetime(i.time_offered_to_system)}
             for i in world.live_items()]
    items += [{"id": it.id, "label": f"{it.media.name} {it.number}", "media": it.media.name, "state": it.state.name,
               "queue": named(world.queues, it.queue_id), "agent": named(world.employees, it.agent_id),
               "position": None, "swallowed": False,
               "subject": it.subject or " ".join(filter(None, (it.from_name, it.from_address))),
               "since": dotnet_datetime(it.time_queued or it.created)}
              for it in world.sessions.live()]
    recent = [{"at": dotnet_datetime(e.at), "method": e.method, "path": e.path, "status": e.status}
              for e in list(sim.journal.entries)[-15:]]
    return {"type": "picture", "clock": {"mode": sim.clock.mode.value, "now": dotnet_datetime(sim.clock.now())},
            "queues": queues, "agents": agents, "items": items, "recent": recent,
            "counts": {s.name: n for s, n in sorted(world.state_counts().items()) if n},
            "faults": [r.view() for r in sim.faults.rules], "deliveries": sim.cloudlink.notify.counts()}


def describe(sim: Simulator, event: Event) -> dict[str, Any] | None:
    """A timeline line for a domain event."""
    facts = _facts(sim, event)
    return _line(*facts) if facts else None


def _facts(sim: Simulator, event: Event) -> tuple[Any, ...] | None:
    """What a timeline line will say, read at the event (the item moves on); made into words when shown."""
    if isinstance(event, OpenMediaChanged):
        item, world = event.item, sim.world
        queue = world.queues.get(item.queue_id) if item.queue_id else None
        state = item.state
        agent = world.employees.get(item.agent_id) if item.agent_id and state in _WITH_AN_AGENT else None
        return ("interaction", event.at, item.id, event.previous, STATE_NAMES[state], queue.name if queue else None,
                agent.name if agent else None)
    if isinstance(event, EmployeeStateChanged):
        e = event.employee
        state = "logged out" if not e.logged_in else e.presence.name + (f" ({e.presence_reason})"
                                                                        if e.presence_reason else "")
        return "agent", event.at, f"{e.name} {state}"
    if isinstance(event, InteractionChanged) and event.what == "state":  # calls, chats, e-mails, SMS: rare
        it = event.interaction
        queue = sim.world.queues.get(it.queue_id or "")
        agent = sim.world.employees.get(it.agent_id or "")
        where = f" in {queue.name}" if queue and it.state.name == "Queued" else ""
        who = f" ({agent.name})" if agent and it.live else ""
        text = f"{it.media.name} {it.number} {event.previous or 'new'} → {it.state.name}{where}{who}"
        return "session", event.at, it.id, text
    if isinstance(event, SessionsEnded):
        return "server", event.at, f"sessions ended ({event.reason})"
    return None


def _line(kind: str, at: datetime, *what: Any) -> dict[str, Any]:
    if kind == "interaction":
        item_id, previous, state, queue, who = what
        where = f" in {queue}" if queue else ""
        text = f"{item_id[:8]} {previous or 'new'} → {state}{where}{f' ({who})' if who else ''}"
        return {"at": dotnet_datetime(at), "kind": kind, "item": item_id, "text": text}
    if kind == "session":  # an interaction of the desktop's media, its words already made
        item_id, text = what
        return {"at": dotnet_datetime(at), "kind": "interaction", "item": item_id, "text": text}
    return {"at": dotnet_datetime(at), "kind": kind, "text": what[0]}


async def page(request: Request) -> HTMLResponse:
    html = resources.files("micc_sim.harness.control").joinpath("dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace("{{MICC_SIM_TOKEN}}", PROCESS_TOKEN),  # only a page of this origin reads it
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "frame-ancestors 'none'"})


class Timeline:
    """The recent domain events as timeline lines, kept from the start so a new page sees the backlog."""

    def __init__(self, sim: Simulator, size: int = 200) -> None:
        self.sim = sim
        self.lines: deque[tuple[int, tuple[Any, ...]]] = deque(maxlen=size)
        self._seq = 0
        self._listeners: list[asyncio.Event] = []
        sim.bus.subscribe(Event, self._record)
        sim.journal.listen(self._wake)

    def _record(self, event: Event) -> None:
        facts = _facts(self.sim, event)
        if facts:
            self._seq += 1
            self.lines.append((self._seq, facts))
        self._wake()

    def _wake(self) -> None:
        for listener in self._listeners:
            listener.set()

    def since(self, seq: int) -> tuple[int, list[dict[str, Any]]]:
        return self._seq, [_line(*facts) for n, facts in self.lines if n > seq]

    def listener(self) -> asyncio.Event:
        changed = asyncio.Event()
        self._listeners.append(changed)
        return changed

    def forget(self, changed: asyncio.Event) -> None:
        self._listeners.remove(changed)


class DashboardFeed:
    """The ``/dashboard`` namespace: each page connected gets a picture with the timeline lines it has not
    seen, whenever something changed (and once a second, for the clock)."""

    def __init__(self, sim: Simulator, timeline: Timeline) -> None:
        self.sim = sim
        self.timeline = timeline
        self.sio = server_for(sim)
        self.seen: dict[str, int] = {}  # sid -> the last timeline line it got
        self.sio.on("connect", self.connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self.disconnect, namespace=NAMESPACE)
        self._changed: asyncio.Event | None = None

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        from micc_sim.harness.control.urls import _is_loopback  # urls routes to this module's page

        if not self.sim.settings.control_from_anywhere and not _is_loopback(environ.get("asgi.scope", {})):
            raise socketio.exceptions.ConnectionRefusedError(
                "the dashboard answers loopback clients only; start with --control-from-anywhere to change that")
        if not isinstance(auth, dict) or not hmac.compare_digest(str(auth.get("token", "")), PROCESS_TOKEN):
            raise socketio.exceptions.ConnectionRefusedError(
                "the dashboard's feed needs the token of its page (open /_sim/dashboard)")
        self.seen[sid] = 0
        if self._changed is not None:
            self._changed.set()  # the first picture goes out on the next push

    async def disconnect(self, sid: str, *reason: Any) -> None:
        self.seen.pop(sid, None)

    async def _push(self) -> None:
        while True:
            await asyncio.sleep(PUSH_INTERVAL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=1.0)  # the clock ticks on even when idle
            self._changed.clear()
            if not self.seen:
                continue
            now = picture(self.sim)
            for sid, seen in list(self.seen.items()):
                self.seen[sid], lines = self.timeline.since(seen)
                try:
                    await self.sio.emit("picture", {**now, "timeline": lines}, to=sid, namespace=NAMESPACE)
                except Exception:  # a page going away mid-emit must not stop the others' feed
                    self.seen.pop(sid, None)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._changed = self.timeline.listener()
        pusher = asyncio.create_task(self._push())
        try:
            yield
        finally:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher
            self.timeline.forget(self._changed)


def face(sim: Simulator, timeline: Timeline) -> Face:
    """The dashboard's feed (its page is a control route: ``/_sim/dashboard``)."""
    return Face("dashboard", [], lifespan=DashboardFeed(sim, timeline).running)
