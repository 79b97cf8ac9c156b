"""Sending ``POST /endpoints/{id}/calls``'s ``successUrl`` / ``failureUrl``: one POST per call, in the background.

The world announces a call's outcome (:class:`~micc_sim.faces.cloudlink.media.models.CallbackDue`) on the
simulator's bus; this worker renders the body at once (the caller's leg as ``GET`` answers it, plus ``"result":
"success" | "failure"``: the shape is inferred, the Swagger names the URLs only) and POSTs it from the server's
loop through the delivery client that never reaches the simulator's own sockets (:mod:`micc_sim.outbound`).
At most :data:`CONCURRENCY` POSTs are in flight and :data:`PENDING` wait; beyond that a callback is dropped and
logged. Each POST is logged and journaled (face ``cloudlink-media-callbacks``), never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from micc_sim.faces.cloudlink.media import wire
from micc_sim.faces.cloudlink.media.models import CallbackDue
from micc_sim.outbound import delivery_client

log = logging.getLogger("micc_sim.media.callbacks")
FACE = "cloudlink-media-callbacks"
TIMEOUT = 10.0
CONCURRENCY = 4
PENDING = 200


def callback_body(event: CallbackDue, media: Any) -> bytes:
    return orjson.dumps({**wire.leg_to_wire(event.leg, media), "result": event.result})


class CallbackWorker:
    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.loop: asyncio.AbstractEventLoop | None = None
        self.http: httpx.AsyncClient | None = None
        self.slots = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.loop = asyncio.get_running_loop()
        self.slots = asyncio.Semaphore(CONCURRENCY)
        self.http = delivery_client(self.sim.own_sockets, timeout=TIMEOUT)  # never the simulator itself
        stop = self.sim.bus.subscribe(CallbackDue, self._heard)
        try:
            yield
        finally:
            stop()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.http.aclose()
            self.loop = None

    def _heard(self, event: CallbackDue) -> None:
        """On the thread that changed the call: render now, send from the server's loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        body = callback_body(event, self.sim.cloudlink.media)
        loop.call_soon_threadsafe(self._start, event.url, event.result, body)

    def _start(self, url: str, result: str, body: bytes) -> None:
        if len(self._tasks) >= CONCURRENCY + PENDING:
            log.warning("media callback to %s dropped: %d callbacks already waiting", url, len(self._tasks))
            return
        task = asyncio.ensure_future(self._send(url, result, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, url: str, result: str, body: bytes) -> None:
        assert self.http is not None
        async with self.slots:
            started = time.perf_counter()
            headers = {"Content-Type": "application/json"}
            status: int | None = None
            try:
                answer = await self.http.post(url, content=body, headers=headers)
                status, detail = answer.status_code, f"{result}: HTTP {answer.status_code}"
            except httpx.TimeoutException:
                detail = f"{result}: the receiver took longer than {TIMEOUT:g} s (not retried)"
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                detail = f"{result}: could not reach the receiver: {type(exc).__name__}: {exc} (not retried)"
            log.info("media callback POST %s: %s", url, detail)
            self.sim.journal.message(FACE, "POST", url, None, body, status=status, note=detail,
                                     duration_ms=round((time.perf_counter() - started) * 1000, 3), kind="outgoing",
                                     headers=[(b"content-type", b"application/json")])
