"""Notify: publications, the subscriptions that match them, and the deliveries each subscription is owed.

A service that changes something calls :meth:`Notify.publish` with the seed's topic (``platform-api-admin``,
``-conversations``, ``-media``, ``-presence``), the method (``POST``, ``PUT``, ``DELETE``, ...), the subject
(the resource path, e.g. ``/2017-09-01/endpoints/1005/calls/123``) and the content (the resource as the API
returns it). Publishing matches the publication against every live subscription at once (so what a
subscription receives depends only on the state at publish time) and queues one :class:`Delivery` per match;
the delivery worker of the notifications face sends them. Publishing never waits for a delivery.

Each subscription's deliveries go out one at a time in publication order: while the oldest is waiting for a
retry, the newer ones wait behind it, so a retry never reorders what a receiver sees. A delivery moves
through :data:`TRANSITIONS` and ends ``delivered``, ``failed`` (a dead letter: its last attempt failed, or the
receiver refused it for good) or ``cancelled`` (its subscription was deleted or expired first).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from micc_sim.faces.cloudlink.notify import filters
from micc_sim.faces.cloudlink.notify.filters import FilterError
from micc_sim.world.events import Event, EventBus

LOG_SIZE = 10_000
DELIVERY_LOG_SIZE = 10_000  # finished deliveries kept for the log; unfinished ones are never dropped
TRANSPORTS = ("webhook", "websocket")


def js_time(value: datetime) -> str:
    """A time as JavaScript's ``toISOString`` writes it (what CloudLink sends)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass
class Publication:
    publication_id: str
    topic: str
    method: str
    subject: str
    content: Any
    created_on: datetime
    correlation_id: str
    account_id: str | None = None
    principal_id: str | None = None
    principal_filter: list[str] | None = None  # only these principals are notified (None: anyone subscribed)

    def as_item(self) -> dict[str, Any]:
        """The publication as a notification carries it (wire-notes), less the subscription: what a
        ``publicationFilter`` looks at, as one item of ``{"publications": [...]}``."""
        return {"publicationId": self.publication_id, "topic": self.topic, "method": self.method,
                "subject": self.subject, "content": self.content,
                "publisher": {"accountId": self.account_id, "principalId": self.principal_id},
                "notification": {"createdOn": js_time(self.created_on), "correlationId": self.correlation_id}}


@dataclass
class Subscription:
    subscription_id: str  # 32 hex characters
    account_id: str  # the subscriber's account: only its publications are delivered
    principal_id: str  # the subscriber
    device_id: str  # the webhook URL, or the MQTT client id of a websocket subscription
    transport: str  # webhook | websocket
    topic: str
    created_on: datetime
    application_id: str | None = None  # the key of the webhook signature
    subject_filter: str | None = None  # a JavaScript regular expression searched in the subject
    method_filter: str | None = None
    publication_filter: str | None = None  # JSONPath over {"publications": [...]}
    expiry: datetime | None = None
    guest: bool = False  # a GUEST's: notified only of conversations it takes part in, never of the account

    def live(self, now: datetime) -> bool:
        return self.expiry is None or now < self.expiry

    def accepts(self, publication: Publication) -> bool:
        """Whether this subscription is notified of ``publication`` (cheapest tests first)."""
        return (publication.topic == self.topic
                and (publication.account_id is None or publication.account_id == self.account_id)
                and (self.method_filter is None or publication.method == self.method_filter)
                and (publication.principal_filter is None or self.principal_id in publication.principal_filter)
                and (self.subject_filter is None
                     or filters.subject_filter(self.subject_filter).search(publication.subject) is not None)
                and (self.publication_filter is None
                     or filters.publication_matches(self.publication_filter, publication.as_item())))


# -- deliveries -------------------------------------------------------------------------------------
class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its turn: the subscription's older deliveries go first
    SENDING = "sending"  # an attempt is under way
    RETRYING = "retrying"  # an attempt failed; the next is due at next_attempt_on
    DELIVERED = "delivered"
    FAILED = "failed"  # a dead letter
    CANCELLED = "cancelled"  # its subscription was deleted or expired before it was delivered


class Step(StrEnum):
    START = "start"
    SUCCEED = "succeed"
    RETRY = "retry"
    GIVE_UP = "give_up"
    CANCEL = "cancel"


S = DeliveryState
TRANSITIONS: dict[tuple[DeliveryState, Step], DeliveryState] = {
    (S.PENDING, Step.START): S.SENDING,
    (S.RETRYING, Step.START): S.SENDING,
    (S.SENDING, Step.SUCCEED): S.DELIVERED,
    (S.SENDING, Step.RETRY): S.RETRYING,
    (S.SENDING, Step.GIVE_UP): S.FAILED,
    (S.SENDING, Step.CANCEL): S.CANCELLED,  # the subscription went while an attempt failed
    (S.PENDING, Step.CANCEL): S.CANCELLED,
    (S.RETRYING, Step.CANCEL): S.CANCELLED,
}
FINISHED = frozenset({S.DELIVERED, S.FAILED, S.CANCELLED})


@dataclass
class Attempt:
    number: int
    started_on: datetime  # simulated time
    wall_started: float  # wall-clock seconds since the epoch (what a benchmark measures)
    ended_on: datetime | None = None
    wall_ended: float | None = None
    outcome: str = ""
    status: int | None = None  # the receiver's HTTP status, when it answered


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to, as the worker saw it."""

    ok: bool
    detail: str  # "HTTP 200", "connection refused", "no MQTT client subscribed to ..."
    status: int | None = None
    retryable: bool = True  # False: the receiver refused it for good (a 4xx), no retry helps


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first included
    first_delay: float = 2.0  # simulated seconds before the first retry
    factor: float = 2.0  # each later wait is this many times the one before

    def delay(self, failed: int) -> float | None:
        """Seconds to wait after the ``failed``-th failed attempt, or None when that was the last."""
        return None if failed >= self.attempts else self.first_delay * self.factor ** (failed - 1)


class DeliveryError(Exception):
    pass


@dataclass(eq=False)  # compared by identity: the queues hold the very objects
class Delivery:
    delivery_id: str
    subscription_id: str
    publication: Publication
    transport: str
    target: str  # the webhook URL or the MQTT client id
    created_on: datetime
    wall_created: float | None = None  # wall-clock seconds since the epoch when it was queued (its publication's)
    state: DeliveryState = DeliveryState.PENDING
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_on: datetime | None = None
    ended_on: datetime | None = None
    reason: str | None = None  # the last failure, or why it was cancelled

    def move(self, step: Step) -> None:
        try:
            self.state = TRANSITIONS[(self.state, step)]
        except KeyError:
            raise DeliveryError(f"delivery {self.delivery_id} cannot {step.value} when {self.state.value}") from None


@dataclass(frozen=True)
class DeliveriesReady(Event):
    """Deliveries of these subscriptions can be attempted now (the worker listens on the bus)."""

    notify: Notify
    subscription_ids: tuple[str, ...]


Listener = Callable[[Publication], None]


@dataclass
class Notify:
    clock_now: Callable[[], datetime]
    bus: EventBus | None = None
    wall_now: Callable[[], float] = time.time  # wall clock of the log (what a benchmark of delivery measures)
    max_pending: int = 1000  # unfinished deliveries per subscription; a publication beyond is dropped, counted
    overflowed: Counter[str] = field(default_factory=Counter)  # per subscription: deliveries dropped so
    guest_takes_part: Callable[[str, Publication], bool] | None = None  # a guest in what a public one is about?
    log: deque[Publication] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)  # unfinished ones and the latest finished
    totals: Counter[str] = field(default_factory=Counter)  # finished deliveries ever, by state
    _queues: dict[str, deque[Delivery]] = field(default_factory=dict)  # unfinished, per subscription, in order
    _finished: deque[str] = field(default_factory=deque)
    _listeners: list[Listener] = field(default_factory=list)

    # -- publications ------------------------------------------------------------------------------
    def publish(self, topic: str, method: str, subject: str, content: Any, *, account_id: str | None = None,
                principal_id: str | None = None, correlation_id: str | None = None,
                principal_filter: list[str] | None = None) -> Publication:
        now = self.clock_now()
        publication = Publication(uuid.uuid4().hex, topic, method.upper(), subject, content, now,
                                  correlation_id or str(uuid.uuid4()), account_id, principal_id, principal_filter)
        self.log.append(publication)
        ready = [s.subscription_id for s in self.live_subscriptions(now) if s.accepts(publication)
                 and (not s.guest or self._guest_sees(s, publication)) and self._queue(s, publication, now)]
        for listener in list(self._listeners):
            listener(publication)
        self._announce(ready)
        return publication

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each publication from now on; returns the way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _guest_sees(self, subscription: Subscription, publication: Publication) -> bool:
        """A GUEST is notified of what names it, and of a public stream's changes only where it takes part:
        never of the account as a whole."""
        if publication.principal_filter is not None:
            return subscription.principal_id in publication.principal_filter
        return self.guest_takes_part is not None and self.guest_takes_part(subscription.principal_id, publication)

    # -- subscriptions -----------------------------------------------------------------------------
    def subscribe(self, *, account_id: str, principal_id: str, device_id: str, transport: str, topic: str,
                  application_id: str | None = None, subject_filter: str | None = None,
                  method_filter: str | None = None, publication_filter: str | None = None,
                  expiry: datetime | None = None, guest: bool = False) -> Subscription:
        """A new subscription; :class:`FilterError` (a ValueError) says what is wrong with a filter."""
        now = self.clock_now()
        if transport not in TRANSPORTS:
            raise FilterError(f"transport must be webhook or websocket, not {transport!r}")
        if subject_filter is not None:
            _check("subjectFilter", filters.subject_filter, subject_filter)
        if publication_filter is not None:
            _check("publicationFilter", filters.publication_filter, publication_filter)
        if expiry is not None and expiry <= now:
            raise FilterError(f"expiryDateTime {js_time(expiry)} is not after the current time {js_time(now)}")
        subscription = Subscription(uuid.uuid4().hex, account_id, principal_id, device_id, transport, topic, now,
                                    application_id, subject_filter, method_filter.upper() if method_filter else None,
                                    publication_filter, expiry, guest)
        self.subscriptions[subscription.subscription_id] = subscription
        return subscription

    def live_subscriptions(self, now: datetime) -> list[Subscription]:
        self.sweep(now)
        return list(self.subscriptions.values())

    def subscription(self, subscription_id: str) -> Subscription | None:
        self.sweep(self.clock_now())
        return self.subscriptions.get(subscription_id)

    def unsubscribe(self, subscription_id: str, reason: str = "its subscription was deleted") -> bool:
        """Forget a subscription; what it was still owed is cancelled (and says why), never sent."""
        if self.subscriptions.pop(subscription_id, None) is None:
            return False
        now = self.clock_now()
        queue = self._queues.pop(subscription_id, deque())
        sending = deque(d for d in queue if d.state is DeliveryState.SENDING)  # an attempt under way ends first
        if sending:
            self._queues[subscription_id] = sending
        for delivery in queue:
            if delivery.state is not DeliveryState.SENDING:
                delivery.reason = reason
                self._end(delivery, Step.CANCEL, now)
        return True

    def sweep(self, now: datetime) -> None:
        """Subscriptions past their expiryDateTime (simulated time) are gone."""
        for gone in [s for s in self.subscriptions.values() if not s.live(now)]:
            self.unsubscribe(gone.subscription_id, f"its subscription expired at {js_time(gone.expiry)}")

    # -- deliveries (the worker's side) ------------------------------------------------------------
    def due(self, subscription_id: str, now: datetime) -> Delivery | None:
        """The subscription's oldest unfinished delivery, if an attempt may start now."""
        queue = self._queues.get(subscription_id)
        head = queue[0] if queue else None
        if head is None or head.state is DeliveryState.SENDING:
            return None
        if head.state is DeliveryState.RETRYING and head.next_attempt_on and head.next_attempt_on > now:
            return None
        return head

    def start(self, delivery: Delivery, now: datetime, wall: float) -> Attempt:
        delivery.move(Step.START)
        delivery.next_attempt_on = None
        attempt = Attempt(len(delivery.attempts) + 1, now, wall)
        delivery.attempts.append(attempt)
        return attempt

    def finish(self, delivery: Delivery, outcome: Outcome, now: datetime, wall: float,
               policy: RetryPolicy) -> datetime | None:
        """Record the attempt's outcome; returns when to retry it, or None (then the subscription's next
        delivery, if any, is announced as ready)."""
        attempt = delivery.attempts[-1]
        attempt.ended_on, attempt.wall_ended, attempt.outcome, attempt.status = now, wall, outcome.detail, \
            outcome.status
        if outcome.ok:
            delivery.reason = None
            self._end(delivery, Step.SUCCEED, now)
        elif delivery.subscription_id not in self.subscriptions:
            delivery.reason = f"{outcome.detail}; its subscription is gone, so no retry"
            self._end(delivery, Step.CANCEL, now)
        else:
            delay = policy.delay(len(delivery.attempts)) if outcome.retryable else None
            delivery.reason = outcome.detail
            if delay is not None:
                delivery.move(Step.RETRY)
                delivery.next_attempt_on = now + timedelta(seconds=delay)
                return delivery.next_attempt_on
            self._end(delivery, Step.GIVE_UP, now)
        self._announce([delivery.subscription_id] if self._queues.get(delivery.subscription_id) else [])
        return None

    def counts(self) -> dict[str, int]:
        """Unfinished deliveries by state now, and finished ones ever (evicted from the log or not)."""
        live = Counter(d.state.value for queue in self._queues.values() for d in queue)
        counts = {state.value: (self.totals[state.value] if state in FINISHED else live[state.value])
                  for state in DeliveryState}
        counts["overflowed"] = self.overflowed.total()
        return counts

    # -- internals ---------------------------------------------------------------------------------
    def _queue(self, subscription: Subscription, publication: Publication, now: datetime) -> bool:
        """Queue a delivery; True when it is the subscription's only one (so it is ready now). A subscription
        whose receiver never answers holds at most ``max_pending``: what comes beyond is not queued but
        counted in ``overflowed`` (memory stays bounded; the count says what was lost)."""
        waiting = self._queues.get(subscription.subscription_id)
        if waiting is not None and len(waiting) >= self.max_pending:
            self.overflowed[subscription.subscription_id] += 1
            return False
        delivery = Delivery(uuid.uuid4().hex, subscription.subscription_id, publication, subscription.transport,
                            subscription.device_id, now, self.wall_now())
        self.deliveries[delivery.delivery_id] = delivery
        queue = self._queues.setdefault(subscription.subscription_id, deque())
        queue.append(delivery)
        return len(queue) == 1

    def _end(self, delivery: Delivery, step: Step, now: datetime) -> None:
        delivery.move(step)
        delivery.ended_on, delivery.next_attempt_on = now, None
        queue = self._queues.get(delivery.subscription_id)
        if queue and delivery in queue:
            queue.remove(delivery)
            if not queue:
                del self._queues[delivery.subscription_id]
        self.totals[delivery.state.value] += 1
        self._finished.append(delivery.delivery_id)
        while len(self._finished) > DELIVERY_LOG_SIZE:
            self.deliveries.pop(self._finished.popleft(), None)

    def _announce(self, subscription_ids: list[str]) -> None:
        if subscription_ids and self.bus is not None:
            self.bus.publish(DeliveriesReady(self.clock_now(), self, tuple(subscription_ids)))


def _check(name: str, check: Callable[[str], Any], value: str) -> None:
    try:
        check(value)
    except FilterError as exc:
        raise FilterError(f"{name} {value!r}: {exc}") from None
