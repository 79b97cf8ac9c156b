"""The MiCC SDK's web-hook registrations and what is delivered to them.

An OSCMS registers a URL and the token to present to it; when an event it registered for happens in the
world (a registration's ``name`` names the event, see ``EVENTS``; any other name takes every event), a
delivery is queued for it. A face sends deliveries (``micc_sim.faces.micc.webhooks``) and reports each
attempt here; a failed attempt is retried after ``RetryPolicy`` delays on the simulated clock, then given up.
Bounded: at most ``limit`` deliveries are kept, the oldest finished ones forgotten first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

EVENTS = ("ConversationStateChanged", "CallStateChanged", "EmployeeStateChanged", "RecordingAvailable")
"""Event names a registration may take as its name (inferred: the reference shows none)."""


@dataclass
class WebHook:
    id: str
    name: str | None
    url: str
    token: str | None

    def wants(self, event: str) -> bool:
        return self.name not in EVENTS or self.name == event


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first one included
    first_delay: float = 2.0  # simulated seconds before the first retry, doubling each time

    def delay(self, failed: int) -> float | None:
        return self.first_delay * 2 ** (failed - 1) if failed < self.attempts else None


@dataclass
class Attempt:
    at: datetime
    status: int | None  # the receiver's answer; None: it could not be reached
    detail: str


@dataclass
class Delivery:
    id: int
    webhook_id: str
    event: str
    url: str
    token: str | None
    body: bytes
    created: datetime
    state: str = "pending"  # pending | sending | retrying | delivered | failed
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt: datetime | None = None


class WebHooks:
    def __init__(self, limit: int = 10_000, policy: RetryPolicy | None = None) -> None:
        self.registrations: dict[str, WebHook] = {}
        self.deliveries: deque[Delivery] = deque()
        self.limit = limit
        self.policy = policy or RetryPolicy()
        self._seq = 0

    def register(self, hook: WebHook) -> WebHook:
        """Register (or, with the same id, replace) a web hook."""
        self.registrations[hook.id.lower()] = hook
        return hook

    def unregister(self, hook_id: str) -> bool:
        return self.registrations.pop(hook_id.lower(), None) is not None

    def for_event(self, event: str) -> list[WebHook]:
        return [h for h in self.registrations.values() if h.wants(event)]

    def queue(self, hook: WebHook, event: str, body: bytes, now: datetime) -> Delivery:
        self._seq += 1
        delivery = Delivery(self._seq, hook.id, event, hook.url, hook.token, body, now, next_attempt=now)
        self.deliveries.append(delivery)
        while len(self.deliveries) > self.limit:
            self.deliveries.popleft()
        return delivery

    def finish(self, delivery: Delivery, status: int | None, detail: str, now: datetime) -> datetime | None:
        """Record an attempt; returns when to try again, or None when the delivery is over."""
        delivery.attempts.append(Attempt(now, status, detail))
        if status is not None and 200 <= status < 300:
            delivery.state, delivery.next_attempt = "delivered", None
            return None
        delay = self.policy.delay(len(delivery.attempts))
        if delay is None or (status is not None and 400 <= status < 500 and status not in (408, 429)):
            delivery.state, delivery.next_attempt = "failed", None
            return None
        delivery.state = "retrying"
        delivery.next_attempt = now + timedelta(seconds=delay)
        return delivery.next_attempt
