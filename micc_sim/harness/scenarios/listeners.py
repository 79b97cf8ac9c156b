"""What a scenario listens to: hub connections, agent desktops and webhook receivers, and what reached them.

Every hub call, desktop event and webhook delivery is an :class:`Arrival`, in the order it came. Expectations
(``hub_call``, ``desktop_event``, ``webhook_delivery``) are checked against them; since arrivals travel over real
sockets beside the requests that caused them, a check waits a short, bounded wall time for them (the simulated
clock does not move meanwhile).
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from micc_sim.harness.clients import cloudlink
from micc_sim.harness.clients.desktop import DesktopConnection
from micc_sim.harness.clients.signalr import HubConnection, HubError
from micc_sim.harness.clients.webhooks import Delivery, WebhookReceiver
from micc_sim.harness.scenarios.matching import mismatch
from micc_sim.harness.scenarios.model import Arrived, Desktop, DesktopEvent, Hub, HubCall, Webhook, WebhookDelivery

HUBS = ["employeeHub", "queueHub", "agentHub"]
TELLING = ("state", "status", "cause", "direction", "presences")
QUIET = 0.15  # wall seconds without a new arrival after which what will come has come
PATIENCE = 3.0  # wall seconds a final check (or the last try of a wait) gives arrivals to come


class ListenerError(AssertionError):
    pass


@dataclass
class Arrival:
    kind: str  # "hub" | "desktop" | "webhook"
    source: str  # the connection's (or receiver's) name
    name: str  # hub.method | event | subject
    data: Any  # hub: the argument list; desktop: the payload; webhook: the notification
    delivery: Delivery | None = None

    def show(self) -> str:
        if self.kind == "webhook":
            n = self.data if isinstance(self.data, dict) else {}
            content = n.get("content")
            if isinstance(content, dict):  # the fields that tell notifications apart first
                content = dict(sorted(content.items(), key=lambda kv: (kv[0] not in TELLING, len(str(kv[1])))))
            return f"{n.get('method')} {n.get('subject')} {_short(content, 240)}"
        return f"{self.name} {_short(self.data, 240)}"


def _short(value: Any, size: int = 200) -> str:
    text = json.dumps(_without_links(value), ensure_ascii=False, default=str)
    return text if len(text) <= size else text[: size - 3] + "..."


def _without_links(value: Any) -> Any:
    """HAL links say nothing a reader of a failure needs."""
    if isinstance(value, dict):
        return {k: _without_links(v) for k, v in value.items() if k != "_links" and v is not None}
    if isinstance(value, list):
        return [_without_links(v) for v in value]
    return value


class Listeners:
    def __init__(self, base_url: str, verify: Any = True) -> None:
        self.base_url = base_url
        self.verify = verify
        self.arrivals: list[Arrival] = []
        self.changed = threading.Condition()
        self.last_arrival = time.monotonic()
        self.hubs: dict[str, HubConnection] = {}
        self.desktops: dict[str, DesktopConnection] = {}
        self.webhooks: dict[str, WebhookReceiver] = {}

    def _arrive(self, arrival: Arrival) -> None:
        with self.changed:
            self.arrivals.append(arrival)
            self.last_arrival = time.monotonic()
            self.changed.notify_all()

    # -- opening ---------------------------------------------------------------------------------
    def hub(self, spec: Hub, token: str | None) -> None:
        connection = self.hubs.get(spec.name)
        if connection is None:
            if token is None:
                raise ListenerError(f"hub connection {spec.name!r} is not open: give a token to open it")
            name = spec.name
            connection = HubConnection(self.base_url, token, HUBS, lambda hub, method, args: self._arrive(
                Arrival("hub", name, f"{hub}.{method}", args)), verify=self.verify)
            try:
                connection.start()
            except HubError as exc:
                raise ListenerError(f"hub connection {name!r}: {exc}") from exc
            self.hubs[name] = connection
        calls: list[tuple[str, str, list[Any], str | None]] = []
        if spec.self_monitor:
            calls.append(("employeeHub", "addSelfMonitor", [], None))
        calls += [("employeeHub", "addMonitor", [e], None) for e in spec.employees]
        for queue in spec.queues:  # as Mitel's samples monitor a queue: its state and its conversations
            calls += [("queueHub", "addStateMonitor", [[queue]], None),
                      ("queueHub", "addConversationMonitor", [[queue]], None)]
        if spec.agents:
            calls.append(("agentHub", "addMonitor", [spec.agents], None))
        calls += [(i.hub, i.method, i.args, i.error) for i in spec.invoke]
        for hub, method, args, error in calls:
            try:
                connection.invoke(hub, method, *args)
            except HubError as exc:
                if error is None or error not in str(exc):
                    raise ListenerError(str(exc)) from exc
                continue
            if error is not None:
                raise ListenerError(f"{hub}.{method}: expected a refusal containing {error!r}, it succeeded")

    def desktop(self, spec: Desktop, token: str | None) -> None:
        if spec.name in self.desktops:
            raise ListenerError(f"desktop {spec.name!r} is already connected")
        auth: dict[str, Any] = ({"token": token} if token is not None else
                                {"logonId": spec.logon_id, "password": spec.password or ""})
        if spec.extension:
            auth["extension"] = spec.extension
        name = spec.name

        def on_event(event: str, args: tuple[Any, ...]) -> None:
            payload = args[0] if len(args) == 1 else (list(args) if args else None)
            self._arrive(Arrival("desktop", name, event, payload))

        try:
            self.desktops[name] = DesktopConnection(self.base_url, auth, on_event, verify=self.verify)
        except Exception as exc:  # socketio's ConnectionError carries the server's refusal
            raise ListenerError(f"desktop {name!r} could not connect: {exc}") from exc

    def desktop_request(self, desktop: str, request: str, args: Any) -> Any:
        connection = self.desktops.get(desktop)
        if connection is None:
            raise ListenerError(f"no desktop {desktop!r} (connected: {', '.join(self.desktops) or 'none'})")
        try:
            return connection.request(request, args)
        except Exception as exc:  # a timeout: no acknowledgement came
            raise ListenerError(f"{request} on desktop {desktop!r}: {type(exc).__name__}: {exc}") from exc

    def webhook(self, spec: Webhook, fill: Callable[[Any], Any]) -> dict[str, Any]:
        if spec.name in self.webhooks:
            raise ListenerError(f"webhook {spec.name!r} is already subscribed")
        subscription = dict(fill(spec.subscription))
        application_id = str(subscription.pop("applicationId", None) or uuid.uuid4())
        login = fill(spec.login.model_dump(exclude_none=True))
        name = spec.name
        receiver = WebhookReceiver(application_id=application_id, statuses=list(spec.statuses),
                                   path=f"/hooks/{name}",
                                   on_delivery=lambda d: self._arrive(Arrival("webhook", name,
                                                                              d.notification.get("subject", ""),
                                                                              d.json, d)))
        try:
            token = cloudlink.token(self.base_url, login.get("username"), login.get("password"),
                                    client_id=login.get("client_id"), client_secret=login.get("client_secret"),
                                    account_id=login.get("account_id"), verify=self.verify)
            created = cloudlink.subscribe_webhook(self.base_url, token, receiver.url, subscription, application_id,
                                                  verify=self.verify)
        except (PermissionError, ValueError) as exc:
            receiver.close()
            raise ListenerError(f"webhook {name!r}: {exc}") from exc
        self.webhooks[name] = receiver
        return created

    def close(self) -> None:
        for hub in self.hubs.values():
            hub.close()
        for desktop in self.desktops.values():
            desktop.close()
        for receiver in self.webhooks.values():
            receiver.close()

    # -- checking --------------------------------------------------------------------------------
    def expect(self, expectation: Arrived, patience: float = PATIENCE, give_up_when_quiet: bool = False) -> \
            tuple[str | None, list[Arrival]]:
        """Wait (at most ``patience`` wall seconds) until what arrived meets ``expectation`` (already filled with
        saved values). Returns the problem (None when met) and the matches. With ``give_up_when_quiet`` it
        returns as soon as nothing new has arrived for a moment, for a wait that can move the clock instead."""
        started = time.monotonic()
        deadline = started + patience
        bounded = expectation.count is not None or expectation.at_most is not None
        with self.changed:
            while True:
                problem, found = self._check(expectation)
                now = time.monotonic()
                quiet_for = now - max(self.last_arrival, started)  # what is on its way gets a moment to come
                if problem is None and (not bounded or quiet_for >= QUIET):
                    return None, found
                if now >= deadline or (give_up_when_quiet and problem is not None and quiet_for >= QUIET):
                    return problem, found
                self.changed.wait(min(deadline - now, max(QUIET - quiet_for, 0.02)))

    def forged(self) -> str | None:
        """A delivery whose signature did not verify, said plainly (None when all did)."""
        for name, receiver in self.webhooks.items():
            for delivery in receiver.forged:
                return (f"webhook {name!r}: a delivery's {receiver.header} does not verify with applicationId "
                        f"{receiver.application_id!r} (HMAC {receiver.algorithm}, {receiver.encoding}): "
                        f"{delivery.headers.get(receiver.header)!r} ({delivery.notification.get('subject')})")
        return None

    def _check(self, e: Arrived) -> tuple[str | None, list[Arrival]]:
        if isinstance(e, HubCall):
            what = f"{e.hub + '.' if e.hub else ''}{e.method} call"
            kind, source, opened = "hub", e.connection, self.hubs
        elif isinstance(e, DesktopEvent):
            kind, source, opened, what = "desktop", e.desktop, self.desktops, f"{e.event} event"
        else:
            assert isinstance(e, WebhookDelivery)
            kind, source, opened, what = "webhook", e.webhook, self.webhooks, "webhook delivery"
            forged = self.forged()
            if forged:
                return forged, []
        if source not in opened:
            return f"no {kind} connection named {source!r} (open: {', '.join(opened) or 'none'})", []
        got = [a for a in self.arrivals if a.kind == kind and a.source == source]
        named = [a for a in got if self._named(e, a)]
        found, near = [], None
        for arrival in named:
            problem = self._content_problem(e, arrival)
            if problem is None:
                found.append(arrival)
            else:
                near = problem
        count_problem = _count_problem(e, len(found))
        if count_problem is None:
            return None, found
        if not found and named:
            count_problem = f"none of the {len(named)} that came matched"
        lines = [f"{what} on {source!r}{_criteria(e)}: {count_problem}"]
        if near and not found:
            lines.append(f"the last one that came did not match: {near}")
        lines.append(f"{source!r} got {len(got)}" + (" (the last 8)" if len(got) > 8 else "") + (":" if got else ""))
        lines += [f"  {a.show()}" for a in got[-8:]]
        return "\n    ".join(lines), found

    @staticmethod
    def _named(e: Arrived, a: Arrival) -> bool:
        if isinstance(e, HubCall):
            hub, _, method = a.name.partition(".")
            return method.lower() == e.method.lower() and (e.hub is None or hub.lower() == e.hub.lower())
        if isinstance(e, DesktopEvent):
            return a.name == e.event
        return True

    @staticmethod
    def _content_problem(e: Arrived, a: Arrival) -> str | None:
        if isinstance(e, HubCall):
            return mismatch(e.args, a.data, "$args") if e.args is not None else None
        if isinstance(e, DesktopEvent):
            return mismatch(e.payload, a.data, "$payload") if e.payload is not None else None
        assert isinstance(e, WebhookDelivery)
        n = a.data if isinstance(a.data, dict) else {}
        if e.topic is not None and n.get("topic") != e.topic:
            return f"topic {n.get('topic')!r}, expected {e.topic!r}"
        if e.method is not None and str(n.get("method", "")).upper() != e.method.upper():
            return f"method {n.get('method')!r}, expected {e.method!r}"
        if e.subject is not None and not fnmatch.fnmatchcase(str(n.get("subject", "")), e.subject):
            return f"subject {n.get('subject')!r}, expected {e.subject!r}"
        return mismatch(e.content, n.get("content"), "$content") if e.content is not None else None


def _count_problem(e: Arrived, n: int) -> str | None:
    if e.count is not None and n != e.count:
        return f"expected {e.count}, got {n}"
    if e.at_least is not None and n < e.at_least:
        return f"expected at least {e.at_least}, got {n}"
    if e.at_most is not None and n > e.at_most:
        return f"expected at most {e.at_most}, got {n}"
    if e.count is None and e.at_least is None and e.at_most is None and n < 1:
        return "none came"
    return None


def _criteria(e: Arrived) -> str:
    fields = {"args": getattr(e, "args", None), "payload": getattr(e, "payload", None),
              "topic": getattr(e, "topic", None), "subject": getattr(e, "subject", None),
              "method": getattr(e, "method", None) if isinstance(e, WebhookDelivery) else None,
              "content": getattr(e, "content", None)}
    shown = [f"{k} {_short(v, 160)}" for k, v in fields.items() if v is not None]
    return f" with {', '.join(shown)}" if shown else ""
