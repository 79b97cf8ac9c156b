"""The live dashboard: ``/_sim/dashboard`` and the socket.io namespace ``/dashboard`` that feeds it.

The page gets the whole picture on connect (queues with their Queue Now numbers and their series, agents and
what they do, live interactions of every media, the recent requests, the clock, the fault rules as windows of
the simulated clock and the CloudLink deliveries), then only what changed (at most four times a second), with
the timeline of events since the last one it got; drill-down answers (a queue's history, an item's events) are
control routes. The page runs the clock on between updates, so an idle world sends nothing. The namespace is on
the simulator's one socket.io server (``micc_sim.socketio_server``) and, like the control API, answers loopback
clients only, and only those that send this process's token (``micc_sim.harness.control.guard``), which the page
gets from itself; the page speaks socket.io with ``/_sim/socketio-lite.js``, so it works on a machine with no
network.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime
from importlib import resources
from typing import Any

import orjson
import socketio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from micc_sim.face import Face
from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.harness.control.guard import PROCESS_TOKEN
from micc_sim.harness.control.guard import scope_is_loopback as _is_loopback
from micc_sim.harness.control.metrics import MetricsSampler
from micc_sim.harness.control.responses import error
from micc_sim.runtime import Simulator
from micc_sim.socketio_server import server_for
from micc_sim.world.core import NotFound
from micc_sim.world.events import EmployeeStateChanged, Event, InteractionChanged, OpenMediaChanged, SessionsEnded
from micc_sim.world.model import LIVE_STATES, STATE_NAMES, ConversationState

_WITH_AN_AGENT = frozenset({ConversationState.Offered, ConversationState.Acd, ConversationState.Held})
PUSH_INTERVAL = 0.25  # seconds of wall time between updates, at most
SERIES_KEPT = 600  # samples of the queues' series a page gets when it connects (10 minutes at the default interval)
WINDOWS_KEPT = 50  # fault windows remembered for the timeline
NAMESPACE = "/dashboard"


def queue_rows(sim: Simulator, caps: dict[str, int]) -> dict[str, dict[str, Any]]:
    world = sim.world
    rows = {}
    for queue in world.queues.values():
        now = world.queue_now(queue)
        rows[queue.id] = {
            "id": queue.id, "name": queue.name, "reporting": queue.reporting, "media": queue.media_type.name,
            "online": world.offline_reason(queue) is None, "validated": queue.workflow_validated,
            "waiting": now.waiting, "longest_wait": now.longest_waiting_seconds,
            "available": now.agents_available, "idle": now.agents_idle, "on_acd": now.agents_on_acd,
            "offered": now.today.offered, "answered": now.today.answered, "abandoned": now.today.abandoned,
            "handled": now.today.handled, "service_level": now.today.service_level, "cap": caps.get(queue.id),
        }
    return rows


def agent_rows(sim: Simulator) -> dict[str, dict[str, Any]]:
    world = sim.world
    return {e.id: {"id": e.id, "name": e.name, "reporting": e.reporting, "presence": e.presence.name,
                   "reason": e.presence_reason, "activity": world.activity(e).value, "items": len(e.active_items),
                   "profile": e.profile, "logged_in": e.logged_in,
                   "since": dotnet_datetime(e.entered_state_on) if e.entered_state_on else None,
                   "handled_today": sum(e.handled_today.values())}
            for e in world.employees.values() if e.is_agent}


def _named(table: dict[str, Any], key: str | None) -> str | None:
    return table[key].name if key in table else None


def item_row(sim: Simulator, item_id: str) -> dict[str, Any] | None:
    """The row of a live interaction (open media, or a call, chat, e-mail or SMS), None once it is over."""
    world = sim.world
    item = world.items.get(item_id)
    if item is not None:
        if item.state not in LIVE_STATES:
            return None
        return {"id": item.id, "label": item.id[:8], "media": "OpenMedia", "state": item.state.name,
                "queue": _named(world.queues, item.queue_id), "queue_id": item.queue_id,
                "agent": _named(world.employees, item.agent_id), "position": world.position(item),
                "swallowed": item.swallowed, "subject": item.subject,
                "since": dotnet_datetime(item.time_offered_to_system)}
    it = world.sessions.interactions.get(item_id)
    if it is None or not it.live:
        return None
    return {"id": it.id, "label": f"{it.media.name} {it.number}", "media": it.media.name, "state": it.state.name,
            "queue": _named(world.queues, it.queue_id), "queue_id": it.queue_id,
            "agent": _named(world.employees, it.agent_id), "position": None, "swallowed": False,
            "subject": it.subject or " ".join(filter(None, (it.from_name, it.from_address))),
            "since": dotnet_datetime(it.time_queued or it.created)}


def live_item_ids(sim: Simulator) -> list[str]:
    return [i.id for i in sim.world.live_items()] + [it.id for it in sim.world.sessions.live()]


def header(sim: Simulator) -> dict[str, Any]:
    """The small, whole parts of a picture: the clock (pages run it on between updates), counts, fault rules,
    CloudLink deliveries, the latest requests."""
    world, clock = sim.world, sim.clock
    return {
        "title": f"micc-sim · {world.site.name}",
        "clock": {"mode": clock.mode.value, "scale": clock.scale, "now": dotnet_datetime(clock.now())},
        "counts": {s.name: n for s, n in sorted(world.state_counts().items()) if n},
        "faults": [r.view() for r in sim.faults.rules], "deliveries": sim.cloudlink.notify.counts(),
        "recent": [{"at": dotnet_datetime(e.at), "method": e.method, "path": e.path, "status": e.status}
                   for e in _recent_requests(sim.journal.entries, 15)],
    }


def _recent_requests(entries: Any, n: int) -> list[Any]:
    """The last ``n`` HTTP exchanges of the journal (not the messages on connections, which come many a second)."""
    found = list(itertools.islice((e for e in reversed(entries) if e.kind != "message"), n))
    return found[::-1]


def sample_view(sample: Any) -> dict[str, Any]:
    """A sample of the metrics series as the charts plot it: per open-media queue, waiting and longest wait."""
    return {"at": dotnet_datetime(sample.at), "live": sample.live,
            "queues": {qid: [int(row[0]), row[1]] for qid, row in sample.queues.items()}}


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


ASSETS = {  # name -> (file under micc_sim/static, type): a fixed list, so no request names a file of its choosing
    "uplot.js": ("vendor/uplot/uPlot.iife.min.js", "application/javascript"),
    "uplot.css": ("vendor/uplot/uPlot.min.css", "text/css"),
}


async def asset(request: Request) -> Response:
    """The charting library the page draws with (uPlot, MIT, shipped in the package: no CDN, works offline)."""
    found = ASSETS.get(request.path_params["name"])
    if found is None:
        return error(404, "not_found", f"no dashboard asset {request.path_params['name']!r}")
    body = resources.files("micc_sim").joinpath("static", *found[0].split("/")).read_bytes()
    return Response(body, media_type=found[1], headers={"Cache-Control": "max-age=3600"})


async def page(request: Request) -> HTMLResponse:
    html = resources.files("micc_sim.harness.control").joinpath("dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace("{{MICC_SIM_TOKEN}}", PROCESS_TOKEN),  # only a page of this origin reads it
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "frame-ancestors 'none'"})


HISTORY_SHOWN = 30


def _ended_view(world: Any, item: Any) -> dict[str, Any]:
    def seconds(a: datetime | None, b: datetime | None) -> float | None:
        return round((b - a).total_seconds(), 3) if a and b else None

    return {"id": item.id, "state": item.state.name, "agent": _named(world.employees, item.agent_id),
            "subject": item.subject, "queued": dotnet_datetime(item.time_offered_to_queue or
                                                                item.time_offered_to_system),
            "ended": dotnet_datetime(item.time_ended) if item.time_ended else None,
            "waited": seconds(item.time_offered_to_queue, item.time_accepted or item.time_ended),
            "handled_for": seconds(item.time_accepted, item.time_ended)}


async def queue_detail(request: Request) -> JSONResponse:
    """A queue clicked on the dashboard: its numbers, its live items, its latest ended ones."""
    sim = request.app.state.sim
    try:
        queue = sim.world.queue(request.path_params["ref"])
    except NotFound as exc:
        return error(404, "not_found", str(exc))
    world = sim.world
    ended = sorted((i for i in world.items.values() if i.queue_id == queue.id and i.time_ended),
                   key=lambda i: i.time_ended, reverse=True)[:HISTORY_SHOWN]
    live = [row for i in live_item_ids(sim) if (row := item_row(sim, i)) and row["queue_id"] == queue.id]
    row = queue_rows(sim, request.app.state.metrics.caps)[queue.id]
    return JSONResponse({**row, "live": live, "history": [_ended_view(world, i) for i in ended]})


async def item_detail(request: Request) -> JSONResponse:
    """An item clicked on the dashboard: what it is now and the timeline lines about it (its HTTP exchanges are
    the journal's: ``GET /_sim/journal?path=*ID*``)."""
    sim, ref = request.app.state.sim, request.path_params["ref"]
    world = sim.world
    item = world.items.get(ref)
    if item is None and ref not in world.sessions.interactions:
        return error(404, "not_found", f"no interaction {ref!r} in this world")
    lines = [line for line in request.app.state.timeline.since(0)[1] if line.get("item") == ref]
    view = _ended_view(world, item) if item is not None else {"id": ref}
    return JSONResponse({**view, "row": item_row(sim, ref), "timeline": lines})


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


class Picture:
    """What the pages show, kept as rows by id, so that an update carries only what changed since the last one:
    one changed item among thousands is one row, and a world where nothing happens sends nothing at all."""

    def __init__(self, sim: Simulator, metrics: MetricsSampler) -> None:
        self.sim = sim
        self.metrics = metrics
        self.version = 0
        self.queues: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.header: dict[str, Any] = {}
        self.samples: deque[dict[str, Any]] = deque(maxlen=SERIES_KEPT)
        self.faults: dict[int, dict[str, Any]] = {}  # rule id -> its window on the simulated clock
        self.dirty: set[str] | None = None  # items changed since the last update; None: look at all of them
        self._world = None
        self._last_sample = None
        sim.bus.subscribe(OpenMediaChanged, lambda e: self._touch(e.item.id))
        sim.bus.subscribe(InteractionChanged, lambda e: self._touch(e.interaction.id))

    def _touch(self, item_id: str) -> None:
        if self.dirty is not None:
            self.dirty.add(item_id)

    def snapshot(self) -> dict[str, Any]:
        return {"version": self.version, **self.header, "queues": list(self.queues.values()),
                "agents": list(self.agents.values()), "items": list(self.items.values()),
                "samples": list(self.samples), "windows": list(self.faults.values())}

    def update(self) -> dict[str, Any] | None:
        """Bring the picture up to date; the changes since the last update, or None when there are none."""
        sim = self.sim
        if self._world is not sim.world:  # a reset, replacement or restore: everything is new
            self._world, self.dirty = sim.world, None
            self.items = {}
        diff: dict[str, Any] = {}
        for name, rows in (("queues", queue_rows(sim, self.metrics.caps)), ("agents", agent_rows(sim))):
            self._merge(diff, name, getattr(self, name), rows, rows.keys())
        dirty, self.dirty = self.dirty, set()
        candidates = live_item_ids(sim) + list(self.items) if dirty is None else dirty
        rows = {i: row for i in candidates if (row := item_row(sim, i)) is not None}
        self._merge(diff, "items", self.items, rows, set(candidates))
        head = header(sim)
        changed = {k: v for k, v in head.items() if self.header.get(k) != v and k != "clock"}
        if changed or diff or self.header.get("clock", {}).get("mode") != head["clock"]["mode"]:
            diff.update(changed)
        self.header = head
        self._windows(diff)
        new = [sample_view(s) for s in self.metrics.samples if self._last_sample is None or s.at > self._last_sample]
        if self.metrics.samples:
            self._last_sample = self.metrics.samples[-1].at
        if new:
            self.samples.extend(new)
            diff["samples"] = new[-SERIES_KEPT:]
        if not diff:
            return None
        self.version += 1
        return {"version": self.version, "clock": head["clock"], **diff}

    def _windows(self, diff: dict[str, Any]) -> None:
        """Fault rules as windows of the simulated clock: opened when a rule appears, closed when it goes."""
        now, rules = dotnet_datetime(self.sim.clock.now()), {r.id: r for r in self.sim.faults.rules}
        changed = []
        for rule_id, rule in rules.items():
            if rule_id not in self.faults:
                view = rule.view()
                self.faults[rule_id] = {"id": rule_id, "kind": view.get("kind"), "face": view.get("face"),
                                        "start": now, "end": None}
                changed.append(self.faults[rule_id])
        for rule_id, window in self.faults.items():
            if window["end"] is None and rule_id not in rules:
                window["end"] = now
                changed.append(window)
        while len(self.faults) > WINDOWS_KEPT:
            self.faults.pop(next(iter(self.faults)))
        if changed:
            diff["windows"] = changed

    @staticmethod
    def _merge(diff: dict[str, Any], name: str, kept: dict[str, dict[str, Any]], rows: dict[str, dict[str, Any]],
               looked_at: Any) -> None:
        upsert = [row for key, row in rows.items() if kept.get(key) != row]
        remove = [key for key in looked_at if key in kept and key not in rows]
        if name != "items":
            remove += [key for key in kept if key not in rows and key not in remove]
        for row in upsert:
            kept[row["id"]] = row
        for key in remove:
            kept.pop(key, None)
        if upsert or remove:
            diff[name] = {"upsert": upsert, "remove": remove}


class DashboardFeed:
    """The ``/dashboard`` namespace: a page gets the whole picture when it connects, then only the changes
    (``diff`` messages, at most every ``PUSH_INTERVAL`` seconds) with the timeline lines it has not seen. Nothing
    is computed or sent while no page is connected, or while nothing changes."""

    def __init__(self, sim: Simulator, timeline: Timeline, metrics: MetricsSampler) -> None:
        self.sim = sim
        self.timeline = timeline
        self.picture = Picture(sim, metrics)
        self.sio = server_for(sim)
        self.seen: dict[str, int] = {}  # sid -> the last timeline line it got
        self.fresh: set[str] = set()  # pages that connected since the last push: they get a snapshot
        self.sio.on("connect", self.connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self.disconnect, namespace=NAMESPACE)
        self._changed: asyncio.Event | None = None
        self.sent_bytes = 0  # what the feed sent, all pages together (the benchmark reads it)

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if not self.sim.settings.control_from_anywhere and not _is_loopback(environ.get("asgi.scope", {})):
            raise socketio.exceptions.ConnectionRefusedError(
                "the dashboard answers loopback clients only; start with --control-from-anywhere to change that")
        if not isinstance(auth, dict) or not hmac.compare_digest(str(auth.get("token", "")), PROCESS_TOKEN):
            raise socketio.exceptions.ConnectionRefusedError(
                "the dashboard's feed needs the token of its page (open /_sim/dashboard)")
        self.seen[sid] = 0
        self.fresh.add(sid)
        if self._changed is not None:
            self._changed.set()  # the first picture goes out on the next push

    async def disconnect(self, sid: str, *reason: Any) -> None:
        self.seen.pop(sid, None)
        self.fresh.discard(sid)

    async def _emit(self, event: str, data: dict[str, Any], sid: str) -> None:
        try:
            await self.sio.emit(event, data, to=sid, namespace=NAMESPACE)
            self.sent_bytes += len(orjson.dumps(data))
        except Exception:  # a page going away mid-emit must not stop the others' feed
            self.seen.pop(sid, None)

    async def _push(self) -> None:
        while True:
            await asyncio.sleep(PUSH_INTERVAL)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):  # the sampler's samples, when idle
                    await self._changed.wait()
            self._changed.clear()
            if not self.seen:
                continue
            diff = self.picture.update()
            fresh, self.fresh = self.fresh, set()
            for sid, seen in list(self.seen.items()):
                self.seen[sid], lines = self.timeline.since(seen)
                if sid in fresh:
                    await self._emit("snapshot", {**self.picture.snapshot(), "timeline": lines}, sid)
                elif diff is not None or lines:
                    await self._emit("diff", {**(diff or {"version": self.picture.version}), "timeline": lines}, sid)

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


def face(sim: Simulator, timeline: Timeline, metrics: MetricsSampler) -> Face:
    """The dashboard's feed (its page is a control route: ``/_sim/dashboard``)."""
    feed = DashboardFeed(sim, timeline, metrics)
    sim.dashboard_feed = feed  # type: ignore[attr-defined]  # the benchmark and tests read its byte count
    return Face("dashboard", [], lifespan=feed.running)
