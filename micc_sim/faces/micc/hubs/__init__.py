"""The MiCC SDK's real-time hubs (``employeeHub``, ``queueHub``, ``agentHub``) on the classic SignalR 2 endpoint
``/miccsdk/signalr``: the face the app composes (see docs/realtime.md)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Mount

from micc_sim.face import Face
from micc_sim.faces.micc.hubs.agent import AgentHub
from micc_sim.faces.micc.hubs.employee import EmployeeHub
from micc_sim.faces.micc.hubs.queue import QueueHub
from micc_sim.faces.micc.signalr.server import FACE, MOUNT, SignalRServer

HUBS = [EmployeeHub, QueueHub, AgentHub]


def face(sim: Any) -> Face:
    server = SignalRServer(sim, HUBS)
    sim.connection_counts["signalr"] = lambda: len(server.connections)
    sim.micc_signalr = server  # the SDK's diagnostics count its connections and monitors
    return Face(FACE, [Mount(MOUNT, app=server)], server.lifespan)
