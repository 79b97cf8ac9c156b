"""The websocket transport: MQTT over WebSocket, served by an embedded amqtt broker on the simulator's own port.

``POST /connections {"transport": "websocket"}`` hands out a URL of ``/notifications/2017-09-01/mqtt`` with a
signed ``token`` (who asked, for which account, until when on the simulated clock). The client opens a
WebSocket there (subprotocol ``mqtt``), sends CONNECT with its client id (the ``deviceId`` of its
subscriptions) and SUBSCRIBEs to topics equal to its ``subscriptionId``\\s. The broker is amqtt with an
*external* listener: Starlette accepts the WebSocket and hands its byte stream to the broker, so no second
port is opened.

Access: a connection without a valid token is refused at the handshake (403); a client may subscribe only to
the ids of websocket subscriptions whose ``deviceId`` is its client id, in an account its token may see
(else SUBACK 0x80); clients may not publish.

Delivery (:meth:`MqttBroker.deliver`): QoS 1 (or the subscriber's QoS, if lower), waiting for the PUBACK. A
client that is offline with a persistent session (``clean_session=false``) gets the message queued by the
broker, sent when it reconnects. With no subscribed client at all the attempt fails and the delivery worker
retries it (then dead-letters it), as for a webhook receiver that is down: never silently dropped.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.broker import Broker, RetainedApplicationMessage
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from micc_sim.faces.cloudlink.notify.models import Delivery, Outcome, js_time
from micc_sim.harness.control.faults import MQTT_FACE

log = logging.getLogger("micc_sim.notify")

PATH = "/notifications/2017-09-01/mqtt"
_KEY = secrets.token_bytes(32)  # signs connection tokens; one per process, as the JWT key


@dataclass(frozen=True)
class Grant:
    """What a connection URL allows: the principal that asked, its account and role, until ``expires``."""

    principal_id: str
    account_id: str
    role: str
    expires: datetime


def issue_token(grant: Grant) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"p": grant.principal_id, "a": grant.account_id, "r": grant.role, "e": grant.expires.isoformat()},
        separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_sign(payload)}"


def read_token(token: str, now: datetime) -> Grant | None:
    payload, _, sig = token.partition(".")
    if not payload or not hmac.compare_digest(_sign(payload), sig):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        grant = Grant(data["p"], data["a"], data["r"], datetime.fromisoformat(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return grant if now < grant.expires else None


def _sign(payload: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(_KEY, payload.encode(), hashlib.sha256).digest()[:18]).decode()


def new_grant(principal_id: str, account_id: str, role: str, now: datetime, lifetime: int) -> Grant:
    return Grant(principal_id, account_id, role, now + timedelta(seconds=lifetime))


# -- the WebSocket as amqtt's byte stream -----------------------------------------------------------
class _Reader(ReaderAdapter):
    def __init__(self, websocket: WebSocket, lost: asyncio.Event) -> None:
        self.websocket = websocket
        self.buffer = bytearray()
        self.eof = False
        self.lost = lost

    async def read(self, n: int = -1) -> bytes:
        while not self.eof and (len(self.buffer) < n or (n < 0 and not self.buffer)):
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                message = {"type": "websocket.disconnect"}
            if message["type"] == "websocket.disconnect":
                self.eof = True
                self.lost.set()
                break
            self.buffer += message.get("bytes") or (message.get("text") or "").encode()
        size = len(self.buffer) if n < 0 else min(n, len(self.buffer))
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def feed_eof(self) -> None:
        self.eof = True
        self.lost.set()


class _Writer(WriterAdapter):
    """Also carries the connection's grant: a resumed (persistent) session keeps the peer address of the
    connection that created it, so the grant is found through the handler's writer, never by address."""

    def __init__(self, websocket: WebSocket, peer: tuple[str, int], grant: Grant) -> None:
        self.websocket = websocket
        self.peer = peer
        self.grant = grant
        self.pending = bytearray()
        self.closed = False
        self.lost = asyncio.Event()  # set when the connection is gone, whichever side saw it first

    def write(self, data: bytes) -> None:
        self.pending += data

    async def drain(self) -> None:
        data, self.pending = bytes(self.pending), bytearray()
        if data and not self.closed:
            try:
                await self.websocket.send_bytes(data)
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = True
                self.lost.set()

    def get_peer_info(self) -> tuple[str, int] | None:
        return self.peer

    def get_ssl_info(self) -> Any:
        return None

    async def close(self, code: int = 1000) -> None:
        self.lost.set()
        if not self.closed:
            self.closed = True
            if self.websocket.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                    await self.websocket.close(code)


# -- broker plugins: who may connect, subscribe and publish -----------------------------------------
@dataclass
class _PluginConfig:
    bridge: Any = None


class ConnectionAccess(BaseAuthPlugin):
    """Every MQTT session comes through :meth:`MqttBroker.endpoint`, which let its WebSocket in with a valid
    token: CONNECT needs no user name or password (they are ignored)."""

    Config = _PluginConfig

    async def authenticate(self, *, session: Session) -> bool | None:
        return True


class TopicAccess(BaseTopicPlugin):
    """Subscribe only to one's own websocket subscriptions; never publish."""

    Config = _PluginConfig

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None,
                              action: Action | None = None) -> bool | None:
        if action is Action.RECEIVE:
            return True
        if action is Action.PUBLISH or session is None or topic is None:
            log.info("MQTT client %s may not publish (to %s)", session and session.client_id, topic)
            return False
        return self.config.bridge.may_subscribe(session, topic)


class MqttBroker:
    """The embedded broker, its WebSocket endpoint and the delivery of one notification to it."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.writers: set[_Writer] = set()
        self.broker: Broker | None = None

    async def start(self) -> None:
        this = f"{__name__}"
        namespace = f"micc_sim.notify.broker{id(self)}"
        _quiet_broker(namespace)
        self.broker = Broker({
            "listeners": {"default": {"type": "external"}},
            "plugins": {f"{this}.ConnectionAccess": {"bridge": self}, f"{this}.TopicAccess": {"bridge": self}},
        }, plugin_namespace=namespace)
        await self.broker.start()

    async def stop(self) -> None:
        if self.broker is not None:
            for writer in list(self.writers):
                await writer.close(1001)
            await self.broker.shutdown()
            self.broker = None

    async def endpoint(self, websocket: WebSocket) -> None:
        grant = read_token(websocket.query_params.get("token", ""), self.sim.clock.now())
        if grant is None or self.broker is None:
            await websocket.close(code=1008, reason="no valid token: get this URL from POST /connections")
            return
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol="mqtt" if "mqtt" in offered else None)
        client = websocket.client
        peer = (client.host, client.port) if client else ("unknown", id(websocket))
        writer = _Writer(websocket, peer, grant)
        self.writers.add(writer)
        try:
            await self.broker.external_connected(_Reader(websocket, writer.lost), writer, "default")
        finally:
            self.writers.discard(writer)
            await writer.close()

    def _writer(self, session: Session) -> _Writer | None:
        """The connection a session is attached to now."""
        handler = self.broker.sessions.get(session.client_id, (None, None))[1] if self.broker else None
        writer = getattr(handler, "writer", None)
        return writer if isinstance(writer, _Writer) else None

    def may_subscribe(self, session: Session, topic: str) -> bool:
        writer = self._writer(session)
        grant = writer.grant if writer else None
        cloudlink = self.sim.cloudlink
        subscription = cloudlink.notify.subscription(topic)
        allowed = (grant is not None and subscription is not None and subscription.transport == "websocket"
                   and subscription.device_id == session.client_id
                   and (subscription.account_id == grant.account_id
                        or cloudlink.directory.manages(grant.role, grant.account_id, subscription.account_id)))
        if not allowed:
            log.info("MQTT client %s may not subscribe to %r: not the id of one of its websocket subscriptions",
                     session.client_id, topic)
        return allowed

    @staticmethod
    async def _publish(broker: Broker, session: Session, writer: _Writer, topic: str, payload: bytes, qos: int,
                       timeout: float) -> str | None:
        """PUBLISH and wait for the PUBACK (QoS 1), the connection's loss or the timeout; what went wrong, if any.
        amqtt forgets an unacknowledged message when the connection goes, so the worker's retry resends it."""
        handler = broker.sessions.get(session.client_id, (None, None))[1]
        if handler is None:
            return "the client's session has no connection"
        sending = asyncio.ensure_future(handler.mqtt_publish(topic, payload, qos, retain=False))
        lost = asyncio.ensure_future(writer.lost.wait())
        try:
            await asyncio.wait({sending, lost}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if sending.done() and not sending.cancelled() and sending.exception() is None:
            return None
        if not sending.done():
            sending.cancel()
            return "the connection was lost before the PUBACK" if writer.lost.is_set() else \
                f"no PUBACK within {timeout:g} s"
        failure = "cancelled" if sending.cancelled() else repr(sending.exception())
        return f"the connection was lost ({failure})" if writer.lost.is_set() else failure

    async def deliver(self, delivery: Delivery, payload: bytes, timeout: float) -> Outcome:
        """PUBLISH one notification on the topic of its subscription id (see the module's docstring)."""
        topic = delivery.subscription_id
        broker = self.broker
        if broker is None:
            return Outcome(False, "the MQTT broker is not running")
        done: list[str] = []
        for session, granted in list(broker.subscriptions.get(topic, [])):
            qos, client = min(1, granted), session.client_id
            writer = self._writer(session)
            online = session.transitions.state == "connected" and writer is not None and not writer.lost.is_set()
            if online:
                if self.sim.faults.disconnects(MQTT_FACE, f"{PATH}/{client}"):
                    await writer.close(1011)
                    return Outcome(False, f"fault rule: the connection of MQTT client {client} was dropped before "
                                          "the message was sent")
                problem = await self._publish(broker, session, writer, topic, payload, qos, timeout)
                if problem:
                    return Outcome(False, f"MQTT PUBLISH to client {client} failed: {problem}")
                done.append(f"sent to MQTT client {client} with QoS {qos}" + (" (PUBACK received)" if qos else ""))
            elif not session.clean_session and qos:
                await session.retained_messages.put(RetainedApplicationMessage(None, topic, payload, qos))
                done.append(f"queued for MQTT client {client}, offline with a persistent session: "
                            "the broker sends it when the client reconnects")
        if not done:
            return Outcome(False, f"no MQTT client is subscribed to topic {topic} (client {delivery.target} "
                                  "is not connected, or has not subscribed)")
        return Outcome(True, "; ".join(done))


def connection_view(url: str, grant: Grant) -> dict[str, Any]:
    return {"transport": "websocket", "url": url, "protocol": "mqtt", "expiryDateTime": js_time(grant.expires)}


def _quiet_broker(namespace: str) -> None:
    """amqtt (and the state machine library under it) log each start step at INFO: a server's log shows them
    only when it runs at DEBUG, as our own notification log does."""
    if not log.isEnabledFor(logging.DEBUG):
        for name in ("amqtt", "transitions", namespace):
            logging.getLogger(name).setLevel(logging.WARNING)
