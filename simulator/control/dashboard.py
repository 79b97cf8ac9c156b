"""The live dashboard: ``/_sim/dashboard`` and the websocket that feeds it.

The page gets the whole picture on connect (queues with their Queue Now numbers, agents and what they
do, live interactions, the recent requests, the clock and the fault rules), then a fresh picture whenever
the world changes (at most four times a second), with the timeline of events since the last one.
It is a plain WebSocket: the page needs no script library, so it works on a machine with no network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from datetime import datetime
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.micc.wire import dotnet_datetime, dotnet_timespan
from simulator.runtime import Simulator
from simulator.world.events import EmployeeStateChanged, Event, OpenMediaChanged, SessionsEnded

PUSH_INTERVAL = 0.25  # seconds of wall time between pictures, at most


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
    items = [{"id": i.id, "state": i.state.name, "queue": world.queues[i.queue_id].name if i.queue_id else None,
              "agent": world.employees[i.agent_id].name if i.agent_id in world.employees else None,
              "position": world.position(i), "swallowed": i.swallowed, "subject": i.subject,
              "since": dotnet_datetime(i.time_offered_to_system)}
             for i in world.live_items()]
    recent = [{"at": dotnet_datetime(e.at), "method": e.method, "path": e.path, "status": e.status}
              for e in list(sim.journal.entries)[-15:]]
    return {"type": "picture", "clock": {"mode": sim.clock.mode.value, "now": dotnet_datetime(sim.clock.now())},
            "queues": queues, "agents": agents, "items": items, "recent": recent,
            "counts": {s.name: n for s, n in sorted(world.state_counts().items()) if n},
            "faults": [r.view() for r in sim.faults.rules]}


def describe(sim: Simulator, event: Event) -> dict[str, Any] | None:
    """A timeline line for a domain event."""
    facts = _facts(sim, event)
    return _line(*facts) if facts else None


def _facts(sim: Simulator, event: Event) -> tuple[Any, ...] | None:
    """What a timeline line will say, read at the event (the item moves on); made into words when shown."""
    if isinstance(event, OpenMediaChanged):
        item = event.item
        queue = sim.world.queues.get(item.queue_id or "")
        agent = sim.world.employees.get(item.agent_id or "")
        state = item.state.name
        who = agent.name if agent and state in ("Offered", "Acd", "Held") else None
        return "interaction", event.at, item.id, event.previous, state, queue.name if queue else None, who
    if isinstance(event, EmployeeStateChanged):
        e = event.employee
        state = "logged out" if not e.logged_in else e.presence.name + (f" ({e.presence_reason})"
                                                                        if e.presence_reason else "")
        return "agent", event.at, f"{e.name} {state}"
    if isinstance(event, SessionsEnded):
        return "server", event.at, f"sessions ended ({event.reason})"
    return None


def _line(kind: str, at: datetime, *what: Any) -> dict[str, Any]:
    if kind == "interaction":
        item_id, previous, state, queue, who = what
        where = f" in {queue}" if queue else ""
        text = f"{item_id[:8]} {previous or 'new'} → {state}{where}{f' ({who})' if who else ''}"
        return {"at": dotnet_datetime(at), "kind": kind, "item": item_id, "text": text}
    return {"at": dotnet_datetime(at), "kind": kind, "text": what[0]}


async def page(request: Request) -> HTMLResponse:
    html = resources.files("simulator.control").joinpath("dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html)


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


async def feed(websocket: WebSocket) -> None:
    sim: Simulator = websocket.app.state.sim
    timeline: Timeline = websocket.app.state.timeline
    await websocket.accept()
    changed = timeline.listener()
    seen = 0
    try:
        while True:
            seen, lines = timeline.since(seen)
            await websocket.send_json({**picture(sim), "timeline": lines})
            await asyncio.sleep(PUSH_INTERVAL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=1.0)  # the clock ticks on even when idle
            changed.clear()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        timeline.forget(changed)
