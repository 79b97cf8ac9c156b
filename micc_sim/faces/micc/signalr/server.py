"""The SignalR 2 endpoint (``/miccsdk/signalr/...``): negotiate, the three transports, send, start, abort, ping.

Every request authenticates with the MiCC SDK's ``sessionid=Bearer <token>`` query string (or the
``Authorization`` header the client sends when given an access token), so a connection ends with its
session: an expired token or an IIS restart closes the transport and the client's reconnect gets a 401.
Connection tokens are checked on every request after negotiate (400 when forged, 403 when another user
holds it). Cross-origin pages are served (CORS with credentials) from the origins ``--cors-origin`` allows
(loopback by default), as agent bars run on other origins.

Transports: ``webSockets`` (``connect``/``reconnect`` upgrade; invocations come as frames, results go back
as frames), ``serverSentEvents`` (an event stream; invocations are ``send`` POSTs answered in the body) and
``longPolling`` (``connect`` answers the init message at once; ``poll`` and ``reconnect`` wait for
messages, up to the connection timeout). A ``disconnect`` fault rule for face ``signalr`` drops the
transport just before it would send: the client reconnects with its cursor and gets what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from micc_sim.cors import CorsPolicy
from micc_sim.faces.micc.signalr import protocol
from micc_sim.faces.micc.signalr.connections import Connection, Connections, Receiver
from micc_sim.faces.micc.signalr.hubs import Hub, HubCall, invoke
from micc_sim.faces.micc.signalr.protocol import ProtocolError, Timeouts
from micc_sim.faces.micc.signalr.tokens import Signer
from micc_sim.spec.router import PRINCIPAL_KEY, Principal
from micc_sim.world.events import SessionsEnded

log = logging.getLogger("micc_sim.signalr")

FACE = "signalr"
MOUNT = "/miccsdk/signalr"
SDK_ROOT = "/miccsdk/api/v1"
UNAUTHORIZED = '{"message":"Authorization has been denied for this request."}'
HOUSEKEEPING_INTERVAL = 1.0


class _Dropped(Exception):
    """A disconnect fault fired: the transport goes away without a goodbye."""


class SignalRServer:
    """The ASGI app mounted at ``/miccsdk/signalr``, with the hubs it serves."""

    def __init__(self, sim: Any, hub_types: list[type[Hub]], timeouts: Timeouts | None = None) -> None:
        self.sim = sim
        self.timeouts = timeouts or Timeouts()
        self.connections = Connections()
        self.cors = CorsPolicy(sim.settings.cors_origins)
        self.signer = Signer()
        self.hubs = {h.name.lower(): h(sim, self.connections) for h in hub_types}
        for hub in self.hubs.values():
            hub.peers = self.hubs  # a monitor on one hub may feed another (employeeHub's self monitor: agentHub)
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        action = scope["path"].rstrip("/").rsplit("/", 1)[-1].lower()
        if scope["type"] == "websocket":
            await self._websocket(WebSocket(scope, receive, send), action)
        elif scope["type"] == "http":
            request = Request(scope, receive)
            response = await self._http(request, action)
            response.headers.update(_cors(request, self.cors))
            await response(scope, receive, send)

    async def _http(self, request: Request, action: str) -> Response:
        if request.method == "OPTIONS":  # a CORS preflight
            return Response(status_code=204, headers={
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers", "*")})
        handler = self._actions.get(action)
        if handler is None:
            return PlainTextResponse(f"Protocol error: unknown request '{action}'.", 404)
        try:
            principal, session = self._authenticate(request)
            return await handler(self, request, principal, session)
        except ProtocolError as error:
            if error.status == 401:
                return Response(UNAUTHORIZED, 401, media_type="application/json; charset=utf-8",
                                headers={"WWW-Authenticate": "Bearer"})
            return PlainTextResponse(error.message, error.status)

    # -- who is asking -----------------------------------------------------------------------
    def _authenticate(self, request: HTTPConnection) -> tuple[Principal, str]:
        query = {k.lower(): v for k, v in request.query_params.items()}
        value = query.get("sessionid") or query.get("access_token") or request.headers.get("authorization", "")
        scheme, _, rest = value.strip().partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else value.strip()
        principal = self.sim.principal_for_token(token) if token else None
        if principal is None:
            raise ProtocolError(401, "Authorization has been denied for this request.")
        request.scope[PRINCIPAL_KEY] = principal  # the journal: who acted (and for whom)
        return principal, token

    def _connection(self, request: HTTPConnection, principal: Principal, session: str,
                    groups_token: str | None = None) -> Connection:
        """The connection a request's ``connectionToken`` names, for the user who negotiated it. One the server
        has forgotten (timed out) comes back, with the groups of the client's groups token."""
        query = {k.lower(): v for k, v in request.query_params.items()}
        token = query.get("connectiontoken")
        if not token:
            raise ProtocolError(400, "Protocol error: Missing connection token.")
        parsed = self.signer.read_connection_token(token)
        if parsed is None:
            raise ProtocolError(400, "The connection id is in the incorrect format.")
        connection_id, principal_id = parsed
        if principal_id != principal.id:
            raise ProtocolError(403, "Unrecognized user identity. The user identity cannot change during an "
                                     "active SignalR connection.")
        connection = self.connections.by_id.get(connection_id)
        if connection is None:
            hubs = frozenset(protocol.hub_names(query.get("connectiondata")))
            connection = Connection(connection_id, principal, session, _sdk_base(request), hubs)
            self.connections.add(connection)
            for group in self.signer.read_groups_token(groups_token or query.get("groupstoken") or "",
                                                       connection_id):
                self.connections.join(connection, group)
        connection.session_token = session  # the client may have signed in again
        return connection

    @staticmethod
    def _transport(request: HTTPConnection) -> str:
        transport = {k.lower(): v for k, v in request.query_params.items()}.get("transport", "")
        if transport not in protocol.TRANSPORTS:
            raise ProtocolError(400, "Protocol error: Unknown transport.")
        return transport

    # -- the actions -------------------------------------------------------------------------
    async def _negotiate(self, request: Request, principal: Principal, session: str) -> Response:
        query = {k.lower(): v for k, v in request.query_params.items()}
        version = protocol.negotiated_version(query.get("clientprotocol"))
        for name in protocol.hub_names(query.get("connectiondata")):
            if name not in self.hubs:
                raise ProtocolError(400, f"'{name}' Hub could not be resolved.")
        connection_id = str(uuid.uuid4())
        body = protocol.negotiate_body(MOUNT, connection_id, self.signer.connection_token(connection_id, principal.id),
                                       version, self.timeouts)
        return _json(body)

    async def _ping(self, request: Request, principal: Principal, session: str) -> Response:
        return _json({"Response": "pong"})

    async def _start(self, request: Request, principal: Principal, session: str) -> Response:
        self._transport(request)
        self._connection(request, principal, session)
        return _json({"Response": "started"})

    async def _abort(self, request: Request, principal: Principal, session: str) -> Response:
        self._transport(request)
        self.connections.remove(self._connection(request, principal, session), "aborted")
        return Response(b"", 200)

    async def _send(self, request: Request, principal: Principal, session: str) -> Response:
        self._transport(request)
        form = await _form(request)
        connection = self._connection(request, principal, session)
        data = form.get("data") or {k.lower(): v for k, v in request.query_params.items()}.get("data")
        if not data:
            raise ProtocolError(400, "A send carries the hub invocation in its data field.")
        return Response(self._invoke(connection, data), media_type="application/json; charset=utf-8")

    async def _connect(self, request: Request, principal: Principal, session: str) -> Response:
        transport = self._transport(request)
        form = await _form(request)
        connection = self._connection(request, principal, session, form.get("groupsToken"))
        if transport == "webSockets":
            raise ProtocolError(400, "Not a valid web socket request.")
        if transport == "serverSentEvents":
            return self._event_stream(request, connection, connection.seq, initialize=True)
        return _json_text(self._response(connection, connection.seq, [], initialized=True))

    async def _reconnect(self, request: Request, principal: Principal, session: str) -> Response:
        transport = self._transport(request)
        form = await _form(request)
        connection = self._connection(request, principal, session, form.get("groupsToken"))
        query = {k.lower(): v for k, v in request.query_params.items()}
        seq = connection.read_cursor(form.get("messageId") or query.get("messageid"))
        connection.groups_changed = True  # the client gets its groups token again
        if transport == "webSockets":
            raise ProtocolError(400, "Not a valid web socket request.")
        if transport == "serverSentEvents":
            return self._event_stream(request, connection, seq, initialize=False)
        return await self._long_poll(request, connection, seq)

    async def _poll(self, request: Request, principal: Principal, session: str) -> Response:
        if self._transport(request) != "longPolling":
            raise ProtocolError(400, "Protocol error: poll is a longPolling request.")
        form = await _form(request)
        connection = self._connection(request, principal, session, form.get("groupsToken"))
        query = {k.lower(): v for k, v in request.query_params.items()}
        return await self._long_poll(request, connection, connection.read_cursor(
            form.get("messageId") or query.get("messageid")))

    _actions: ClassVar[dict[str, Callable[[SignalRServer, Request, Principal, str], Awaitable[Response]]]] = {
        "negotiate": _negotiate, "ping": _ping, "start": _start, "abort": _abort, "send": _send,
        "connect": _connect, "reconnect": _reconnect, "poll": _poll,
    }

    # -- hub invocations ---------------------------------------------------------------------
    def _invoke(self, connection: Connection, text: str) -> str:
        try:
            result = invoke(self.hubs, lambda hub: HubCall(self.sim, connection.principal, connection,
                                                           self.connections, hub), text)
        except ProtocolError as error:
            result = protocol.hub_error(None, error.message)
        self.sim.journal.message(FACE, "RECEIVE", "/miccsdk/signalr", _hub_event(text), text, response=result,
                                 client=connection.id)
        return result

    # -- delivery ----------------------------------------------------------------------------
    def _response(self, connection: Connection, seq: int, messages: list[str], *, initialized: bool = False,
                  reconnect: bool = False) -> str:
        groups = None
        if messages:
            journal = self.sim.journal
            for message in messages:
                journal.message(FACE, "SEND", "/miccsdk/signalr", _hub_event(message), message, client=connection.id)
        if connection.groups_changed:
            connection.groups_changed = False
            groups = self.signer.groups_token(connection.id, list(connection.groups))
        return protocol.persistent_response(connection.cursor(seq), messages, initialized=initialized,
                                            reconnect=reconnect, groups_token=groups)

    def _has_news(self, connection: Connection, seq: int) -> bool:
        return connection.seq > seq or connection.groups_changed

    async def _frames(self, connection: Connection, receiver: Receiver, seq: int) -> AsyncIterator[str]:
        """What a streaming transport sends, from the message after ``seq``: persistent responses and
        keep-alives, until the receiver is stopped. Raises :class:`_Dropped` when a disconnect fault fires."""
        faults = self.sim.faults
        while True:
            if receiver.stopped:
                if receiver.stopped == "shutdown":
                    yield self._response(connection, seq, [], reconnect=True)
                return
            if self._has_news(connection, seq):
                if faults.rules and faults.disconnects(FACE, receiver.path):
                    raise _Dropped
                pending = connection.after(seq)
                seq = pending[-1][0] if pending else seq
                yield self._response(connection, seq, [m for _, m in pending])
                continue
            receiver.wake.clear()
            try:
                async with asyncio.timeout(self.timeouts.keep_alive):
                    await receiver.wake.wait()
            except TimeoutError:
                if faults.rules and faults.disconnects(FACE, receiver.path):
                    raise _Dropped from None
                yield protocol.KEEP_ALIVE
            except asyncio.CancelledError:
                _server_stopping(receiver)

    def _event_stream(self, request: Request, connection: Connection, seq: int, initialize: bool) -> Response:
        receiver = Receiver("serverSentEvents", request.url.path)
        connection.attach(receiver)

        async def frames() -> AsyncIterator[str]:
            try:
                yield "data: initialized\n\n"
                if initialize:
                    yield f"data: {self._response(connection, seq, [], initialized=True)}\n\n"
                async for frame in self._frames(connection, receiver, seq):
                    yield f"data: {frame}\n\n"
            except _Dropped:
                return  # the stream just ends: the client reconnects with its cursor
            finally:
                connection.detach(receiver)

        return _EventStream(frames(), receiver)

    async def _long_poll(self, request: Request, connection: Connection, seq: int) -> Response:
        receiver = Receiver("longPolling", request.url.path)
        connection.attach(receiver)
        gone = asyncio.create_task(_client_gone(request.receive))
        deadline = time.monotonic() + self.timeouts.connection
        try:
            while not (self._has_news(connection, seq) or receiver.stopped or gone.done()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                receiver.wake.clear()
                woken = asyncio.ensure_future(receiver.wake.wait())
                try:
                    await asyncio.wait({woken, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                except asyncio.CancelledError:
                    _server_stopping(receiver)
                finally:
                    woken.cancel()
        finally:
            gone.cancel()
            connection.detach(receiver)
        if receiver.stopped not in (None, "shutdown"):  # ended, aborted or superseded: answer nothing new
            return _json_text(protocol.persistent_response(connection.cursor(seq), []))
        if self._has_news(connection, seq) and self.sim.faults.rules and self.sim.faults.disconnects(
                FACE, receiver.path):
            return _Cut()
        pending = connection.after(seq)
        seq = pending[-1][0] if pending else seq
        return _json_text(self._response(connection, seq, [m for _, m in pending],
                                         reconnect=receiver.stopped == "shutdown"))

    async def _websocket(self, websocket: WebSocket, action: str) -> None:
        try:
            principal, session = self._authenticate(websocket)
            if action not in ("connect", "reconnect"):
                raise ProtocolError(400, f"Protocol error: '{action}' is not a websocket request.")
            if self._transport(websocket) != "webSockets":
                raise ProtocolError(400, "Protocol error: a websocket request is for the webSockets transport.")
            connection = self._connection(websocket, principal, session)
        except ProtocolError as error:
            body = UNAUTHORIZED if error.status == 401 else error.message
            await websocket.send_denial_response(Response(body, error.status))
            return
        query = {k.lower(): v for k, v in websocket.query_params.items()}
        reconnecting = action == "reconnect"
        seq = connection.read_cursor(query.get("messageid")) if reconnecting else connection.seq
        connection.groups_changed = connection.groups_changed or reconnecting
        await websocket.accept()
        receiver = Receiver("webSockets", websocket.url.path)
        connection.attach(receiver)
        sending = asyncio.Lock()

        async def send(text: str) -> None:
            async with sending:
                await websocket.send_text(text)

        reader = asyncio.create_task(self._read_frames(websocket, connection, receiver, send))
        code = 1000
        try:
            if not reconnecting:
                await send(self._response(connection, seq, [], initialized=True))
            async for frame in self._frames(connection, receiver, seq):
                await send(frame)
            code = 1001 if receiver.stopped == "shutdown" else 1000
        except _Dropped:
            code = 1011
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client went away
        finally:
            reader.cancel()
            connection.detach(receiver)
            with contextlib.suppress(Exception):
                await websocket.close(code)

    async def _read_frames(self, websocket: WebSocket, connection: Connection, receiver: Receiver,
                           send: Callable[[str], Awaitable[None]]) -> None:
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
                if text:
                    await send(self._invoke(connection, text))
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            receiver.stop("closed")

    # -- running -----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Hubs subscribe to the world; a loop ends connections whose transport is long gone or whose session
        ended; at shutdown, clients are told to reconnect."""
        self._loop = asyncio.get_running_loop()
        unsubscribe = self.sim.bus.subscribe(SessionsEnded, lambda event: self._soon(self.end_sessions))
        for hub in self.hubs.values():
            hub.start()
        housekeeping = asyncio.create_task(self._housekeeping())
        try:
            yield
        finally:
            housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await housekeeping
            unsubscribe()
            for hub in self.hubs.values():
                hub.stop()
            for connection in list(self.connections.by_id.values()):
                if connection.receiver is not None:
                    connection.receiver.stop("shutdown")
            await asyncio.sleep(0)  # let the transports say goodbye

    def _soon(self, callback: Callable[[], None]) -> None:
        """Run on the server's loop (bus events may come from another thread, e.g. a test's direct call)."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            callback()
        else:
            loop.call_soon_threadsafe(callback)

    def end_sessions(self) -> None:
        """Connections whose session is no longer valid end: their transports close, their groups go."""
        for connection in list(self.connections.by_id.values()):
            if self.sim.principal_for_token(connection.session_token) is None:
                self.connections.remove(connection, "ended")

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL)
            try:
                self.end_sessions()
                now = time.monotonic()
                for connection in list(self.connections.by_id.values()):
                    if connection.receiver is None and now - connection.detached_at > self.timeouts.disconnect:
                        self.connections.remove(connection, "timed out")
                for hub in self.hubs.values():
                    hub.tick()
            except Exception:  # housekeeping must go on
                log.exception("signalr housekeeping failed")


def _server_stopping(receiver: Receiver) -> None:
    """The server cancels a waiting transport when it stops (its graceful-shutdown time ran out): instead of
    dying with an error, the transport tells its client to reconnect, as SignalR does when its host shuts down."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
    receiver.stop("shutdown")


class _EventStream(Response):
    """A ``text/event-stream`` answer that ends when the client goes away (its receiver stops, so the connection
    starts its disconnect timeout) or when the frames end."""

    def __init__(self, frames: AsyncIterator[str], receiver: Receiver) -> None:
        super().__init__(headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
                         media_type="text/event-stream; charset=utf-8")
        self.frames = frames
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.create_task(_client_gone(receive))
        gone.add_done_callback(lambda _: self.receiver.stop("closed"))
        headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            async for frame in self.frames:
                await send({"type": "http.response.body", "body": frame.encode("utf-8"), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away mid-send
        finally:
            gone.cancel()
            await self.frames.aclose()  # type: ignore[attr-defined]


class _Cut(Response):
    """A long poll dropped by a fault: the answer starts, then the connection goes (the client sees an error)."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()
                   if k.lower() != "content-length"]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b'{"C":', "more_body": True})


async def _client_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _form(request: Request) -> dict[str, str]:
    """A form-encoded body (``data=``, ``messageId=``, ``groupsToken=``), read leniently."""
    if request.method != "POST":
        return {}
    raw = await request.body()
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _sdk_base(request: HTTPConnection) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(request.url.scheme, request.url.scheme)
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}{SDK_ROOT}"


def _cors(request: Request, policy: CorsPolicy) -> dict[str, str]:
    """The REST faces' CORS rule (``--cors-origin``; default loopback pages and ``null``): agent bars on other
    origins of this machine connect, a page of any other site does not read the hubs."""
    origin = request.headers.get("origin")
    if not origin:
        return {}
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in policy.headers(origin)}


def _json(body: dict[str, Any]) -> Response:
    return _json_text(json.dumps(body, separators=(",", ":")))


def _json_text(text: str) -> Response:
    return Response(text, media_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "no-cache, no-store"})


def _hub_event(text: str) -> str | None:
    """``hub.method`` of a hub message or invocation (its H and M fields), for the journal."""
    if text.startswith('{"H":"'):  # what the hubs send (protocol.hub_message): read without parsing it all
        end = text.find('"', 6)
        if text.startswith(',"M":"', end + 1):
            return f"{text[6:end]}.{text[end + 7:text.find(chr(34), end + 7)]}"
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    hub, method = data.get("H"), data.get("M")
    return f"{hub}.{method}" if isinstance(hub, str) and isinstance(method, str) else None

