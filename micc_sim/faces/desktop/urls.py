"""The socket.io server of the agent desktop face, its requests and its test page.

* ``/socket.io/`` (Engine.IO v4, Socket.IO v5; polling and websocket), namespace ``/agent``. A connection is one
  Agent application. Its ``auth`` says who the user is: ``{"token": "<AuthorizationServer access token>"}`` or
  ``{"logonId": "tcervantes", "password": "password", "extension": "5001"}`` (the extension is optional).
  Such a connection is running, logged on and registered at once. A connection with no ``auth`` finds no Agent
  application running: it starts one with ``LaunchBSAWithCredentials`` (or ``LaunchBSA``) and then calls
  ``Initialize``. Bad credentials refuse the connection (``connect_error`` with a message).
* Each request of ``responses.REQUESTS`` is an event by its PascalCase name and, for those Agent Integration marks
  JS = Yes, its camelCase name; the acknowledgement carries the answer. Unknown requests and bad arguments are answered
  ``{"error": {"code", "message"}}``.
* ``/_sim/desktop/``: a test page (the vendor's JavaScriptTest) with the camelCase API over our own socket.io
  client, ``/_sim/socketio-lite.js``.

The socket.io server is the simulator's one (``micc_sim.socketio_server``); this face adds its namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import socketio
from starlette.requests import Request as HttpRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from micc_sim.face import Face
from micc_sim.faces.desktop.binding import ArgumentError, Request, bind
from micc_sim.faces.desktop.events import DesktopEvents
from micc_sim.faces.desktop.models import Desk, Desks
from micc_sim.faces.desktop.responses import REQUESTS, Context, log_on, logon
from micc_sim.socketio_server import server_for
from micc_sim.world.core import WorldError
from micc_sim.world.interactions import InteractionTransitionError
from micc_sim.world.lifecycle import TransitionError
from micc_sim.world.sessions import InteractionError

log = logging.getLogger("micc_sim.desktop")

NAMESPACE = "/agent"
FACE = "desktop"
REFUSED = (InteractionError, WorldError, TransitionError, InteractionTransitionError)
STATIC = {"agent-client.js": "application/javascript", "index.html": "text/html"}


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class DesktopServer:
    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.sio = server_for(sim)
        self.desks = Desks()
        self.events = DesktopEvents(sim, self.desks)
        self.sio.on("connect", self.connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self.disconnect, namespace=NAMESPACE)
        self.sio.on("*", self.unknown, namespace=NAMESPACE)
        for req in REQUESTS.values():
            if not req.js_only:
                self.sio.on(req.name, self._handler(req, camel=False), namespace=NAMESPACE)
            if req.camel != req.name:
                self.sio.on(req.camel, self._handler(req, camel=True), namespace=NAMESPACE)

    # -- connections ------------------------------------------------------------------------------
    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        desk = Desk(sid)
        agent = self._identify(auth)
        desk.sender = asyncio.get_running_loop().create_task(self._send(desk))
        self.desks.add(desk)
        if agent is not None:
            desk.running = desk.registered = True
            extension = _field(auth, "extension")
            log_on(Context(self.sim, desk, self.events), agent, extension if isinstance(extension, str) else None)

    def _identify(self, auth: Any) -> Any:
        """The agent the connection's auth names, None for no auth; bad auth refuses the connection."""
        if auth is None or auth == {}:
            return None
        if not isinstance(auth, dict):
            raise socketio.exceptions.ConnectionRefusedError("auth must be an object: {token} or {logonId, password}")
        world = self.sim.world
        token = _field(auth, "token", "accesstoken")
        if isinstance(token, str) and token.strip():
            principal = self.sim.principal_for_token(token.strip().removeprefix("Bearer ").strip())
            agent = world.employees.get(principal.id) if principal and principal.kind == "employee" else None
            if agent is None or not agent.is_agent:
                raise socketio.exceptions.ConnectionRefusedError(
                    "the token is unknown, expired, or not an agent's (get one with grant_type=password)")
            return agent
        logon_id, password = _field(auth, "logonid", "username", "loginid"), _field(auth, "password")
        if isinstance(logon_id, str) and isinstance(password, str):
            agent = logon(world, logon_id, password)
            if agent is None:
                raise socketio.exceptions.ConnectionRefusedError("unknown logon ID or wrong password (or not an agent)")
            return agent
        raise socketio.exceptions.ConnectionRefusedError("auth must be {token} or {logonId, password[, extension]}")

    async def disconnect(self, sid: str, *reason: Any) -> None:
        desk = self.desks.remove(sid)
        if desk is not None and desk.sender is not None:
            desk.sender.cancel()

    async def _send(self, desk: Desk) -> None:
        """Emit the desk's events in order; a ``disconnect`` fault rule drops the connection instead."""
        while True:
            event, args = await desk.outbox.get()
            if self.sim.faults.disconnects(FACE, f"{NAMESPACE}/{event}"):
                log.info("fault: dropping desktop connection %s before %s", desk.sid, event)
                self.desks.remove(desk.sid)
                await self.sio.disconnect(desk.sid, namespace=NAMESPACE)
                return
            data: Any = args if len(args) > 1 else (args[0] if args else None)
            try:
                await self.sio.emit(event, data, to=desk.sid, namespace=NAMESPACE)
            except Exception:  # a connection going away mid-emit must not stop the sender for good
                log.exception("could not emit %s to %s", event, desk.sid)

    # -- requests ---------------------------------------------------------------------------------
    def _handler(self, req: Request, camel: bool) -> Any:
        async def handle(sid: str, *args: Any) -> Any:
            if camel and not req.js:
                return error("not_in_javascript", f"{req.name} is not in the JavaScript interface (JS = No in "
                                                  f"Agent Integration); send it as {req.name!r}")
            return self.answer(sid, req, args)

        return handle

    def answer(self, sid: str, req: Request, args: tuple[Any, ...]) -> Any:
        desk = self.desks.get(sid)
        if desk is None:
            return req.failure
        try:
            kwargs = bind(req, args)
        except ArgumentError as exc:
            return error("invalid_arguments", str(exc))
        ctx = Context(self.sim, desk, self.events)
        if req.needs != "none" and not (desk.running and desk.registered):
            return req.failure
        if req.needs == "agent" and (ctx.agent is None or not ctx.agent.logged_in):
            return req.failure
        try:
            return req.handler(ctx, **kwargs)
        except REFUSED as exc:
            log.debug("%s refused: %s", req.name, exc)
            return req.failure
        except Exception as exc:  # a bug of ours answers in our shape and is logged, never a dropped connection
            log.exception("desktop request %s failed", req.name)
            return error("internal_error", f"the simulator failed on {req.name}: {type(exc).__name__}")

    async def unknown(self, event: str, sid: str, *args: Any) -> Any:
        return error("unknown_request", f"{event!r} is not an IAgentClient request (see docs/desktop.md)")

    # -- lifespan ---------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for desk in list(self.desks.by_sid.values()):
                if desk.sender is not None:
                    desk.sender.cancel()


def _field(auth: Any, *names: str) -> Any:
    if not isinstance(auth, dict):
        return None
    folded = {str(k).lower().replace("_", "").replace("-", ""): v for k, v in auth.items()}
    return next((folded[n] for n in names if n in folded), None)


async def page(request: HttpRequest) -> Response:
    return await static(request, "index.html")


async def asset(request: HttpRequest) -> Response:
    return await static(request, request.path_params["name"])


async def static(request: HttpRequest, name: str) -> Response:
    if name not in STATIC:
        return PlainTextResponse(f"no such file: {name}", status_code=404)
    body = resources.files("micc_sim.faces.desktop").joinpath("static", name).read_bytes()
    if name == "agent-client.js":  # the request table, from the server's own
        table = [{"name": r.name, "camel": r.camel, "js": r.js, "returns": r.returns,
                  "params": [p.name for p in r.params]} for r in REQUESTS.values()]
        body = body.replace(b"/*REQUESTS*/[]", json.dumps(table).encode())
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


def face(sim: Any) -> Face:
    server = DesktopServer(sim)
    routes = [
        Route("/_sim/desktop", page, methods=["GET"]),
        Route("/_sim/desktop/", page, methods=["GET"]),
        Route("/_sim/desktop/{name}", asset, methods=["GET"]),
    ]
    return Face(FACE, routes, lifespan=server.lifespan)

