"""The websocket transport: MQTT 3.1.1 over WebSocket, served by a broker of our own on the simulator's port.

``POST /connections {"transport": "websocket"}`` hands out a URL of ``/notifications/2017-09-01/mqtt`` with a
``token`` (a CloudLink token of kind ``connection``: who asked, until when on the simulated clock). The
client opens a WebSocket there (subprotocol ``mqtt``), sends CONNECT with its client id (the ``deviceId`` of
its subscriptions) and SUBSCRIBEs to topics equal to its ``subscriptionId``\\s. Packets are read and written
by :mod:`micc_sim.faces.cloudlink.notify.mqtt_packets`; no second port, no broker library.

Access (docs/security.md, "CloudLink isolation"):

* the token is checked by the one CloudLink token check (``CloudLink.check_token``) at the handshake (a bad
  one: 403) and again at CONNECT, which also takes a token as its password when the URL has none; the
  principal is the one the directory has now (CONNACK 5 when it is gone);
* a client id is bound to the principal and account that first connected with it, for as long as its
  session lives: CONNECT with that id from another principal is refused (CONNACK 5), never a takeover; the
  same principal connecting again takes its session over, as MQTT says;
* SUBSCRIBE: only topics that are ids of websocket subscriptions whose ``deviceId`` is this client id and
  that the principal owns (or administers: an ACCOUNT_ADMIN of its account, a PARTNER_ADMIN of its
  partner); a GUEST only its own subscriptions to conversations. Anything else gets SUBACK 0x80;
* clients may not publish (the connection is closed, as for a protocol error).

Keep-alive (MQTT 3.1.1, 3.1.2.10): a connection that sends nothing for one and a half times its CONNECT's
keep-alive is closed; PINGREQ gets PINGRESP. Keep-alive is wall time (it is about the network), whatever the
simulated clock does. The server sends no WebSocket ping of its own (paho-mqtt answers one with an unmasked
pong, which the WebSocket layer must fail on): MQTT's own PINGREQ keeps connections alive.

Delivery (:meth:`MqttBroker.deliver`): QoS 1 (or the subscriber's QoS, if lower), waiting for the PUBACK. A
client that is offline with a persistent session (``clean_session=false``) gets the message queued (at most
``notifications.max_pending`` of them), sent when it reconnects. With no subscribed client at all the
attempt fails and the delivery worker retries it (then dead-letters it): never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from micc_sim.faces.cloudlink.auth.models import Principal, TokenError, current_principal
from micc_sim.faces.cloudlink.notify import mqtt_packets as wire
from micc_sim.faces.cloudlink.notify.models import Delivery, Outcome, js_time
from micc_sim.harness.control.faults import MQTT_FACE

log = logging.getLogger("micc_sim.notify")

PATH = "/notifications/2017-09-01/mqtt"
CONVERSATIONS = "platform-api-conversations"
CONNECT_WITHIN = 10.0  # wall seconds from the WebSocket's accept to CONNECT


@dataclass(eq=False)
class Session:
    """One client id's MQTT session: whose it is, what it subscribed to, what waits for it while offline."""

    client_id: str
    principal: Principal
    clean: bool
    subscriptions: dict[str, int] = field(default_factory=dict)  # topic -> granted QoS
    queued: deque[tuple[str, bytes]] = field(default_factory=deque)  # (topic, payload) for when it returns
    connection: Connection | None = None
    tenant: Any = None  # the CloudLink it was made in: a reset or restore makes a new one, and ends this


class Connection:
    """One WebSocket carrying one MQTT connection."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.session: Session | None = None
        self.lost = asyncio.Event()
        self.inflight: dict[int, asyncio.Future[None]] = {}
        self._next_id = 0
        self._sending = asyncio.Lock()

    @property
    def online(self) -> bool:
        return not self.lost.is_set()

    async def send(self, data: bytes) -> None:
        if self.lost.is_set():
            raise ConnectionError("the connection is gone")
        async with self._sending:
            try:
                await self.websocket.send_bytes(data)
            except (WebSocketDisconnect, RuntimeError, OSError) as exc:
                self.lost.set()
                raise ConnectionError("the connection is gone") from exc

    def packet_id(self) -> int:
        for _ in range(65535):
            self._next_id = self._next_id % 65535 + 1
            if self._next_id not in self.inflight:
                return self._next_id
        raise ConnectionError("65535 messages unacknowledged")

    def acknowledged(self, packet_id: int | None) -> None:
        waiter = self.inflight.pop(packet_id or 0, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def close(self, code: int = 1000) -> None:
        self.lost.set()
        for waiter in self.inflight.values():
            if not waiter.done():
                waiter.cancel()
        if self.websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.websocket.close(code)


class MqttBroker:
    """The sessions, the WebSocket endpoint, and the delivery of one notification to the clients subscribed."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.sessions: dict[str, Session] = {}
        self.subscribers: dict[str, dict[str, int]] = {}  # topic -> client id -> QoS
        self.connections: set[Connection] = set()

    async def start(self) -> None:
        hide_tokens_in_server_logs()

    async def stop(self) -> None:
        for connection in list(self.connections):
            await connection.close(1001)

    # -- who --------------------------------------------------------------------------------------
    def _principal(self, token: str) -> Principal | None:
        try:
            return self.sim.cloudlink.check_token(token, self.sim.clock.now(), kind="connection")
        except TokenError:
            pass
        try:  # CONNECT's password may carry the client's access token instead
            return self.sim.cloudlink.check_token(token, self.sim.clock.now())
        except TokenError:
            return None

    def may_subscribe(self, who: Principal, client_id: str, topic: str) -> bool:
        cloudlink = self.sim.cloudlink
        subscription = cloudlink.notify.subscription(topic)
        if subscription is None or subscription.transport != "websocket" or subscription.device_id != client_id:
            return False
        if who.role == "GUEST":
            return subscription.principal_id == who.principal_id and subscription.topic == CONVERSATIONS
        return subscription.principal_id == who.principal_id or cloudlink.directory.manages(
            who.role, who.account_id, subscription.account_id)

    # -- the endpoint -----------------------------------------------------------------------------
    async def endpoint(self, websocket: WebSocket) -> None:
        token = websocket.query_params.get("token")
        if token is not None and self._principal(token) is None:
            await websocket.close(code=1008, reason="no valid token: get this URL from POST /connections")
            return
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol="mqtt" if "mqtt" in offered else None)
        connection = Connection(websocket)
        self.connections.add(connection)
        try:
            await self._serve(connection, token)
        except (wire.MalformedPacket, ConnectionError, TimeoutError) as exc:
            log.info("MQTT connection closed: %s", exc)
        finally:
            self.connections.discard(connection)
            await connection.close()
            self._gone(connection)

    async def _serve(self, connection: Connection, token: str | None) -> None:
        reader = wire.Reader()
        packets: deque[wire.Incoming] = deque()
        keep_alive: float | None = CONNECT_WITHIN
        while True:
            while not packets:
                data = await self._receive(connection, keep_alive)
                if data is None:
                    return
                packets.extend(reader.feed(data))
            packet = packets.popleft()
            if connection.session is None:
                if not isinstance(packet, wire.Connect):
                    raise wire.MalformedPacket("the first packet is not CONNECT [MQTT-3.1.0-1]")
                if not await self._connect(connection, packet, token):
                    return
                keep_alive = packet.keep_alive * 1.5 if packet.keep_alive else None
                continue
            if not await self._handle(connection, connection.session, packet):
                return

    @staticmethod
    async def _receive(connection: Connection, within: float | None) -> bytes | None:
        """The next WebSocket message's bytes; None when the client went; TimeoutError past ``within``."""
        try:
            async with asyncio.timeout(within):
                message = await connection.websocket.receive()
        except TimeoutError:
            raise TimeoutError(f"nothing from the client for {within:g} s (CONNECT's wait, or its keep-alive "
                               "times 1.5)") from None
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        return message.get("bytes") or (message.get("text") or "").encode()

    async def _connect(self, connection: Connection, packet: wire.Connect, token: str | None) -> bool:
        if packet.protocol_level not in (3, 4):
            await connection.send(wire.connack(wire.BAD_PROTOCOL))
            return False
        password = packet.password.decode("utf-8", "replace") if packet.password else None
        who = self._principal(token) if token is not None else (self._principal(password) if password else None)
        client_id = packet.client_id
        if not client_id:
            if not packet.clean_session:  # [MQTT-3.1.3-7]
                await connection.send(wire.connack(wire.BAD_CLIENT_ID))
                return False
            client_id = f"auto-{id(connection):x}"
        if who is None:
            await connection.send(wire.connack(wire.NOT_AUTHORIZED))
            return False
        session = self.sessions.get(client_id)
        if session is not None and session.tenant is not self.sim.cloudlink:  # from before a reset
            self._drop(session)
            if session.connection is not None:
                await session.connection.close(1000)
            session = None
        if session is not None and (session.principal.principal_id, session.principal.account_id) != (
                who.principal_id, who.account_id):
            log.warning("MQTT CONNECT refused: client id %s belongs to another principal", client_id)
            await connection.send(wire.connack(wire.NOT_AUTHORIZED))
            return False
        if session is not None and session.connection is not None and session.connection is not connection:
            old, session.connection = session.connection, None  # the same principal again: it takes its
            old.session = None  # session over, and the old connection's end no longer touches it
            await old.close(1000)
        present = session is not None and not packet.clean_session
        if not present:
            if session is not None:
                self._drop(session)
            session = Session(client_id, who, packet.clean_session, tenant=self.sim.cloudlink)
            self.sessions[client_id] = session
        session.principal, session.clean, session.connection = who, packet.clean_session, connection
        connection.session = session
        await connection.send(wire.connack(wire.ACCEPTED, session_present=present))
        while session.queued and connection.online:
            topic, payload = session.queued.popleft()
            qos = session.subscriptions.get(topic, 0)
            await connection.send(wire.publish(topic, payload, qos, connection.packet_id() if qos else None))
        return True

    async def _handle(self, connection: Connection, session: Session, packet: wire.Incoming) -> bool:
        """One packet of a connected client; False when the connection is to end."""
        if isinstance(packet, wire.Subscribe):
            codes = []
            for topic, qos in packet.topics:
                if self.may_subscribe(session.principal, session.client_id, topic):
                    granted = min(qos, 1)
                    session.subscriptions[topic] = granted
                    self.subscribers.setdefault(topic, {})[session.client_id] = granted
                    codes.append(granted)
                else:
                    log.info("MQTT client %s may not subscribe to %r: not the id of one of its principal's "
                             "websocket subscriptions for this client id", session.client_id, topic)
                    codes.append(wire.SUBSCRIBE_REFUSED)
            await connection.send(wire.suback(packet.packet_id, codes))
        elif isinstance(packet, wire.Unsubscribe):
            for topic in packet.topics:
                session.subscriptions.pop(topic, None)
                self.subscribers.get(topic, {}).pop(session.client_id, None)
            await connection.send(wire.unsuback(packet.packet_id))
        elif isinstance(packet, wire.Connect):
            raise wire.MalformedPacket("a second CONNECT [MQTT-3.1.0-2]")
        elif packet.type == wire.PINGREQ:
            await connection.send(wire.PINGRESP_BYTES)
        elif packet.type == wire.PUBACK:
            connection.acknowledged(packet.packet_id)
        elif packet.type == wire.DISCONNECT:
            return False
        elif packet.type == wire.PUBLISH:
            log.info("MQTT client %s may not publish: connection closed", session.client_id)
            return False
        return True  # PUBREC, PUBREL, PUBCOMP: nothing here is QoS 2

    def _gone(self, connection: Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            if session.clean:  # a clean session ends with its connection [MQTT-3.1.2-6]
                self._drop(session)

    def _drop(self, session: Session) -> None:
        for topic in session.subscriptions:
            self.subscribers.get(topic, {}).pop(session.client_id, None)
        if self.sessions.get(session.client_id) is session:
            del self.sessions[session.client_id]

    # -- delivery ---------------------------------------------------------------------------------
    async def _still_allowed(self, session: Session) -> bool:
        """A session whose principal is gone (a deleted user or client) or whose tenant was reset is ended
        rather than sent to."""
        try:
            if session.tenant is self.sim.cloudlink:
                current_principal(self.sim.cloudlink.directory, session.principal)
                return True
        except TokenError:
            log.info("MQTT client %s: its principal is gone; session ended", session.client_id)
        self._drop(session)
        if session.connection is not None:
            await session.connection.close(1008)
        return False

    async def _publish(self, connection: Connection, topic: str, payload: bytes, qos: int,
                       timeout: float) -> str | None:
        """PUBLISH and wait for the PUBACK (QoS 1), the connection's loss or the timeout; what went wrong, if any.
        An unacknowledged message is forgotten when the connection goes: the worker's retry resends it."""
        waiter: asyncio.Future[None] | None = None
        packet_id = None
        if qos:
            packet_id = connection.packet_id()
            waiter = asyncio.get_running_loop().create_future()
            connection.inflight[packet_id] = waiter
        try:
            await connection.send(wire.publish(topic, payload, qos, packet_id))
            if waiter is None:
                return None
            lost = asyncio.ensure_future(connection.lost.wait())
            try:
                await asyncio.wait({waiter, lost}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                lost.cancel()
            if waiter.done() and not waiter.cancelled():
                return None
            return "the connection was lost before the PUBACK" if connection.lost.is_set() else \
                f"no PUBACK within {timeout:g} s"
        except ConnectionError as exc:
            return f"the connection was lost ({exc})"
        finally:
            if packet_id is not None:
                connection.inflight.pop(packet_id, None)

    async def deliver(self, delivery: Delivery, payload: bytes, timeout: float) -> Outcome:
        """PUBLISH one notification on the topic of its subscription id (see the module's docstring)."""
        topic = delivery.subscription_id
        done: list[str] = []
        limit = self.sim.settings.notifications.max_pending
        for client, granted in list(self.subscribers.get(topic, {}).items()):
            session = self.sessions.get(client)
            if session is None or not await self._still_allowed(session):
                continue
            qos, connection = min(1, granted), session.connection
            if connection is not None and connection.online:
                if self.sim.faults.disconnects(MQTT_FACE, f"{PATH}/{client}"):
                    await connection.close(1011)
                    return Outcome(False, f"fault rule: the connection of MQTT client {client} was dropped before "
                                          "the message was sent")
                problem = await self._publish(connection, topic, payload, qos, timeout)
                if problem:
                    return Outcome(False, f"MQTT PUBLISH to client {client} failed: {problem}")
                done.append(f"sent to MQTT client {client} with QoS {qos}" + (" (PUBACK received)" if qos else ""))
            elif not session.clean and qos:
                if len(session.queued) >= limit:
                    return Outcome(False, f"MQTT client {client} is offline with {limit} messages already queued "
                                          "(notifications.max_pending)")
                session.queued.append((topic, payload))
                done.append(f"queued for MQTT client {client}, offline with a persistent session: "
                            "the broker sends it when the client reconnects")
        if not done:
            return Outcome(False, f"no MQTT client is subscribed to topic {topic} (client {delivery.target} "
                                  "is not connected, or has not subscribed)")
        return Outcome(True, "; ".join(done))


def connection_view(url: str, expires: datetime) -> dict[str, Any]:
    return {"transport": "websocket", "url": url, "protocol": "mqtt", "expiryDateTime": js_time(expires)}


# -- the token stays out of the server's logs --------------------------------------------------------
_TOKEN = re.compile(r"([?&]token=)[^&\s\"']+")


class _HideTokens(logging.Filter):
    """uvicorn logs a request's path with its query (the access log; a WebSocket's "[accepted]" line): the
    connection URL's token is a credential, so it is written as ``token=***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "token=" in a for a in record.args):
            record.args = tuple(_TOKEN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN.sub(r"\1***", record.msg)
        return True


_FILTER = _HideTokens()


def hide_tokens_in_server_logs() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
