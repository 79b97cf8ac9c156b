"""The simulator's one socket.io server (python-socketio, Engine.IO 4 / Socket.IO 5), at ``/socket.io/``.

Each face that speaks socket.io adds its namespace to this server rather than running one of its own: the agent
desktop ``/agent`` (``micc_sim.faces.desktop``), the dashboard ``/dashboard``
(``micc_sim.harness.control.dashboard``). Pages of the simulator talk to it with ``/_sim/socketio-lite.js``,
our small browser client, so they need no network.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from weakref import WeakKeyDictionary

import socketio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from micc_sim.face import Face
from micc_sim.limits import loads_limited

PATH = "/socket.io"
CLIENT_SCRIPT = "/_sim/socketio-lite.js"

class _LimitedJson:
    """The JSON python-socketio reads packets with: a packet nested beyond 64 or holding a lone surrogate is
    refused (python-socketio drops it), so nothing a desktop sends can make later answers unserializable."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        return loads_limited(text)


_servers: WeakKeyDictionary[Any, socketio.AsyncServer] = WeakKeyDictionary()


def server_for(sim: Any) -> socketio.AsyncServer:
    """The socket.io server of ``sim`` (made on first use; every face of the simulator shares it)."""
    server = _servers.get(sim)
    if server is None:
        from micc_sim.harness.control.guard import Guard

        guard = Guard(sim.settings)  # the chain's guard refused other origins already; this names them in CORS

        def allowed(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
            return guard.origin_allowed(origin, (environ or {}).get("HTTP_HOST"), local_pages=True)

        server = _JournaledServer(sim, async_mode="asgi", cors_allowed_origins=allowed, logger=False,
                                  engineio_logger=False, json=_LimitedJson)
        _servers[sim] = server
    return server


UNJOURNALED = frozenset({"/dashboard"})  # the simulator's own page, not a face


class _JournaledServer(socketio.AsyncServer):
    """The socket.io server, noting each event a face's namespace sends or receives in the request journal."""

    def __init__(self, sim: Any, **options: Any) -> None:
        super().__init__(**options)
        self._sim = sim

    async def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None, skip_sid: Any = None,
                   namespace: str | None = None, callback: Any = None, ignore_queue: bool = False) -> None:
        if (namespace or "/") not in UNJOURNALED:
            self._sim.journal.message("desktop", "SEND", namespace or "/", event, _json(data),
                                      client=str(to or room) if (to or room) else None)
        await super().emit(event, data, to=to, room=room, skip_sid=skip_sid, namespace=namespace,
                           callback=callback, ignore_queue=ignore_queue)

    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        result = await super()._trigger_event(event, namespace, *args)
        if namespace not in UNJOURNALED:
            sid = args[0] if args and isinstance(args[0], str) else None
            data = None if event in ("connect", "disconnect") else _json(list(args[1:]) if len(args) > 2
                                                                           else args[1] if len(args) > 1 else None)
            reply = None if result is None or result is self.not_handled else _json(result)
            self._sim.journal.message("desktop", "RECEIVE", namespace, event, data, response=reply, client=sid)
        return result


def _json(data: Any) -> str | None:
    if data is None:
        return None
    try:
        return json.dumps(data, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(data)


async def client_script(request: Request) -> Response:
    body = resources.files("micc_sim").joinpath("static", "socketio-lite.js").read_bytes()
    return Response(body, media_type="application/javascript", headers={"Cache-Control": "no-cache"})


def connected(server: socketio.AsyncServer) -> int:
    """Clients connected to any namespace (each namespace's sids are its room ``None``)."""
    return sum(len(rooms.get(None, ())) for rooms in server.manager.rooms.values())


def face(sim: Any) -> Face:
    sim.connection_counts["socketio"] = lambda: connected(server_for(sim))
    return Face("socketio", [Mount(PATH, app=socketio.ASGIApp(server_for(sim), socketio_path=None)),
                             Route(CLIENT_SCRIPT, client_script, methods=["GET"])])
