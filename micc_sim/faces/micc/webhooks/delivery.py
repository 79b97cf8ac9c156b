"""Delivering the MiCC SDK's web hooks: while the server is up, every event a registration wants becomes a POST
to its URL (JSON, ``Authorization: Bearer <token>``), retried on the simulated clock when it fails (the world's
``RetryPolicy``), each attempt recorded on the delivery and in the journal (face ``miccsdk-webhooks``).

The body (inferred; the reference shows none): ``{"event", "webhookId", "timestamp", "data"}`` where ``data`` is
the conversation, the employee's state or the recording the event is about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import orjson

from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.outbound import delivery_client
from micc_sim.world.events import EmployeeStateChanged, Event, InteractionChanged, OpenMediaChanged
from micc_sim.world.model import MediaType
from micc_sim.world.records import recording_now
from micc_sim.world.webhooks import Delivery

log = logging.getLogger("micc_sim.webhooks")
FACE = "miccsdk-webhooks"
TIMEOUT = 10.0


def events_of(event: Event, world: Any) -> list[tuple[str, dict[str, Any]]]:
    """The web-hook events a world event is, each with its data (none for changes no web hook hears)."""
    if isinstance(event, OpenMediaChanged):
        item = event.item
        return [("ConversationStateChanged", {
            "conversationId": item.id, "mediaType": "OpenMedia", "conversationState": item.state.name,
            "previousState": event.previous, "queueId": item.queue_id, "agentId": item.agent_id})]
    if isinstance(event, InteractionChanged):
        it = event.interaction
        found: list[tuple[str, dict[str, Any]]] = []
        if event.what == "state":
            found.append(("CallStateChanged" if it.media is MediaType.Voice else "ConversationStateChanged", {
                "conversationId": it.id, "mediaType": it.media.name,
                "conversationState": it.conversation_state().name, "previousState": event.previous,
                "queueId": it.queue_id, "agentId": it.agent_id, "from": it.from_address, "to": it.to_address}))
        finished = world.records.ending_recording(it.id, recording_now(it), event.at)
        if finished is not None:
            found.append(("RecordingAvailable", {"recordingId": finished.id, "callId": it.id,
                                                 "caseId": finished.case_id, "agentId": finished.agent_id}))
        return found
    if isinstance(event, EmployeeStateChanged):
        e = event.employee
        return [("EmployeeStateChanged", {"employeeId": e.id, "reporting": e.reporting, "loggedIn": e.logged_in,
                                          "presence": e.presence.name, "reason": e.presence_reason})]
    return []


class WebHookWorker:
    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.loop: asyncio.AbstractEventLoop | None = None
        self.http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lines: dict[str, deque[Delivery]] = {}  # web hook id -> its deliveries not over yet, in order
        self._busy: set[str] = set()  # web hooks with an attempt in flight

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.loop = asyncio.get_running_loop()
        self.http = delivery_client(self.sim.own_sockets, timeout=TIMEOUT)  # never the simulator itself
        stop = self.sim.bus.subscribe(Event, self._heard)
        try:
            yield
        finally:
            stop()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.http.aclose()
            self.loop = None

    def _heard(self, event: Event) -> None:
        world = self.sim.world
        hooks = world.webhooks
        if not hooks.registrations:
            return
        for name, data in events_of(event, world):
            for hook in hooks.for_event(name):
                body = orjson.dumps({"event": name, "webhookId": hook.id, "timestamp": dotnet_datetime(event.at),
                                     "data": data})
                self._schedule(hooks.queue(hook, name, body, event.at))

    def _schedule(self, delivery: Delivery) -> None:
        """Thread-safe: one web hook's deliveries go out one at a time, in order; a retry holds the newer ones."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._enqueue, delivery)

    def _enqueue(self, delivery: Delivery) -> None:
        self._lines.setdefault(delivery.webhook_id, deque()).append(delivery)
        self._kick(delivery.webhook_id)

    def _kick(self, hook_id: str) -> None:
        line = self._lines.get(hook_id)
        if hook_id in self._busy or not line:
            return
        head = line[0]
        if head.next_attempt is not None and head.next_attempt > self.sim.clock.now():
            return  # its retry timer kicks again
        self._busy.add(hook_id)
        task = asyncio.ensure_future(self._send(head))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: Delivery) -> None:
        assert self.http is not None
        delivery.state = "sending"
        started = time.perf_counter()
        headers = {"Content-Type": "application/json"}
        if delivery.token:
            headers["Authorization"] = f"Bearer {delivery.token}"
        status: int | None = None
        rule = self.sim.faults.pick_outgoing(FACE, "POST", delivery.url)
        if rule is not None:
            status = 503 if rule.spec.kind == "busy" else getattr(rule.spec, "status", None)
            detail = f"fault rule {rule.id}"
        else:
            try:
                answer = await self.http.post(delivery.url, content=delivery.body, headers=headers)
                status, detail = answer.status_code, f"HTTP {answer.status_code}"
            except httpx.TimeoutException:
                detail = f"the receiver took longer than {TIMEOUT:g} s"
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                detail = f"could not reach the receiver: {type(exc).__name__}"
        self.sim.journal.message(FACE, "POST", delivery.url, None, delivery.body, status=status or None, note=detail,
                                 duration_ms=round((time.perf_counter() - started) * 1000, 3), kind="outgoing",
                                 headers=[(k.lower().encode("latin-1"), v.encode("latin-1"))
                                          for k, v in headers.items()])
        retry_at = self.sim.world.webhooks.finish(delivery, status, detail, self.sim.clock.now())
        self._busy.discard(delivery.webhook_id)
        line = self._lines[delivery.webhook_id]
        if retry_at is None:
            line.popleft()
            self._kick(delivery.webhook_id)
        else:
            loop = self.loop
            self.sim.clock.call_at(retry_at, lambda: loop is not None and not loop.is_closed()
                                   and loop.call_soon_threadsafe(self._kick, delivery.webhook_id))


def lifespan(sim: Any) -> Callable[[], AbstractAsyncContextManager[None]]:
    return WebHookWorker(sim).running
