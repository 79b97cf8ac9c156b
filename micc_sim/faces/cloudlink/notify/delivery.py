"""The delivery worker: sends what Notify queued, webhooks over real HTTP and websocket ones to MQTT.

It runs in the notifications face's lifespan, beside the request that published (which never waits for it).
Notify announces on the simulator's bus the subscriptions that have a delivery ready; ``concurrency`` tasks
take them from a queue, so different subscriptions are served in parallel while each subscription's
deliveries go one at a time, in order (see :mod:`micc_sim.faces.cloudlink.notify.models`). A failed attempt is
retried on the *simulated* clock (``first_retry`` seconds, then ``backoff_factor`` times longer each time)
until ``attempts`` are used up; then the delivery is a dead letter in the log, ``failed``.

A webhook attempt fails when the receiver answers 408, 429 or 5xx, cannot be reached, resets the connection
or takes longer than ``timeout``: all retried. Another status that is not 2xx is final (failed at once);
redirects are not followed. Fault rules of the face ``cloudlink-webhooks`` act here, before the request.
The POSTs go through :mod:`micc_sim.faces.cloudlink.notify.webhook_client`, a keep-alive HTTP/1.1 client of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from micc_sim.faces.cloudlink.notify import wire
from micc_sim.faces.cloudlink.notify.models import DeliveriesReady, Delivery, Notify, Outcome
from micc_sim.faces.cloudlink.notify.mqtt import MqttBroker
from micc_sim.faces.cloudlink.notify.webhook_client import OwnAddressError, Timeout, TransportError, WebhookClient
from micc_sim.harness.control.faults import MQTT_FACE, WEBHOOKS_FACE

log = logging.getLogger("micc_sim.notify")

RETRYABLE = frozenset({408, 429})


class DeliveryWorker:
    def __init__(self, sim: Any, mqtt: MqttBroker) -> None:
        self.sim = sim
        self.mqtt = mqtt
        self.ready: asyncio.Queue[tuple[Notify, str]] = asyncio.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.http: WebhookClient | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.loop = asyncio.get_running_loop()
        settings = self.sim.settings.notifications
        stop_listening = self.sim.bus.subscribe(DeliveriesReady, self._on_ready)
        self.http = WebhookClient(settings.timeout, max_connections=settings.concurrency, own=self.sim.own_sockets)
        tasks = [asyncio.create_task(self._work(), name=f"notify-delivery-{n}") for n in range(settings.concurrency)]
        try:
            # deliveries queued before the server started (or while it was down) are ready too
            notify = self.sim.cloudlink.notify
            for subscription_id in list(notify.subscriptions):
                self._signal(notify, subscription_id)
            yield
        finally:
            stop_listening()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.http.aclose()

    # -- scheduling --------------------------------------------------------------------------------
    def _on_ready(self, event: Any) -> None:
        for subscription_id in event.subscription_ids:
            self._signal(event.notify, subscription_id)

    def _signal(self, notify: Notify, subscription_id: str) -> None:
        """Thread-safe: a publication may come from a test's thread or a timer on the server's loop."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.ready.put_nowait, (notify, subscription_id))

    async def _work(self) -> None:
        while True:
            notify, subscription_id = await self.ready.get()
            if notify is not self.sim.cloudlink.notify:  # a reset or restore replaced it
                continue
            delivery = notify.due(subscription_id, self.sim.clock.now())
            if delivery is None:
                continue
            notify.start(delivery, self.sim.clock.now(), time.time())
            began = time.perf_counter()
            try:
                outcome = await self._attempt(notify, delivery)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():  # the server is stopping
                    raise
                outcome = Outcome(False, "the attempt was cancelled")  # a library's own cancellation leaked out
            except Exception as exc:  # a bug of ours must not leave the delivery stuck in "sending"
                log.exception("delivery %s failed", delivery.delivery_id)
                outcome = Outcome(False, f"the simulator failed to send it: {type(exc).__name__}: {exc}")
            self._journal(delivery, outcome, began)
            retry_at = notify.finish(delivery, outcome, self.sim.clock.now(), time.time(),
                                     self.sim.settings.notifications.retry_policy())
            if retry_at is not None:
                self.sim.clock.call_at(retry_at, lambda n=notify, s=subscription_id: self._signal(n, s))

    async def _attempt(self, notify: Notify, delivery: Delivery) -> Outcome:
        body = wire.body_bytes(delivery)
        if delivery.transport == "websocket":
            return await self.mqtt.deliver(delivery, body, self.sim.settings.notifications.timeout)
        subscription = notify.subscriptions.get(delivery.subscription_id)
        application_id = subscription.application_id if subscription else None
        return await self._post(delivery.target, body, wire.webhook_headers(
            delivery, body, application_id, self.sim.settings.notifications))

    def _journal(self, delivery: Delivery, outcome: Outcome, began: float) -> None:
        """The attempt in the request journal: a webhook POST (outgoing) or an MQTT publish (a message)."""
        body = wire.body_bytes(delivery)
        took = round((time.perf_counter() - began) * 1000, 3)
        if delivery.transport == "websocket":
            self.sim.journal.message(MQTT_FACE, "SEND", delivery.subscription_id, "PUBLISH", body,  # the topic
                                     note=outcome.detail, duration_ms=took, client=delivery.target)
        else:
            self.sim.journal.message(WEBHOOKS_FACE, "POST", delivery.target, None, body, status=outcome.status,
                                     note=outcome.detail, duration_ms=took, kind="outgoing",
                                     headers=[(b"content-type", b"application/json")])

    # -- webhooks ----------------------------------------------------------------------------------
    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        timeout = self.sim.settings.notifications.timeout
        rule = self.sim.faults.pick_outgoing(WEBHOOKS_FACE, "POST", url)
        if rule is not None:
            spec = rule.spec
            if spec.kind == "latency":
                delay = self.sim.faults.latency_seconds(spec)
                await asyncio.sleep(min(delay, timeout))
                if delay >= timeout:
                    return Outcome(False, f"fault rule {rule.id}: the receiver took longer than {timeout:g} s")
            elif spec.kind == "reset":
                return Outcome(False, f"fault rule {rule.id}: the receiver reset the connection")
            else:  # error, busy: answer as a failing receiver would
                status = 503 if spec.kind == "busy" else spec.status
                return _status_outcome(status, f"fault rule {rule.id}: ")
        assert self.http is not None
        try:
            status = await self.http.post(url, body, headers)
        except Timeout:
            return Outcome(False, f"the receiver took longer than {timeout:g} s")
        except OwnAddressError as exc:
            return Outcome(False, f"refused: {exc} (final: not retried)", retryable=False)
        except TransportError as exc:
            return Outcome(False, f"could not reach the receiver: {type(exc).__name__} {exc}".strip())
        return _status_outcome(status)


def _status_outcome(status: int, prefix: str = "") -> Outcome:
    if 200 <= status < 300:
        return Outcome(True, f"{prefix}HTTP {status}", status)
    retryable = status >= 500 or status in RETRYABLE
    return Outcome(False, f"{prefix}HTTP {status}" + ("" if retryable else " (final: not retried)"), status,
                   retryable)
