"""Hubs on the SignalR server: named sets of methods a client invokes, and the groups they push to.

A hub (``micc_sim.faces.micc.hubs``) subclasses :class:`Hub`, lists its methods by wire name and, while the
server runs, turns world events into messages for groups (``HubCall.join`` puts the caller in one).
Hub and method names resolve in any case, as in SignalR. A method refuses with :class:`HubError`
(or the REST surface's ``ApiError`` / a world error): the client's promise is rejected with the message.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from micc_sim.faces.micc.signalr import protocol
from micc_sim.faces.micc.signalr.connections import Connection, Connections
from micc_sim.spec.router import ApiError, Principal
from micc_sim.world.core import WorldError

log = logging.getLogger("micc_sim.signalr")


class HubError(Exception):
    """A refusal the client sees as the invocation's error message."""


def group_key(hub: str, name: str) -> str:
    return f"{hub.lower()}.{name}"


@dataclass
class HubCall:
    """What a hub method gets: the caller and the simulator. It has the ``sim``, ``world`` and ``principal``
    that :mod:`micc_sim.faces.micc.access` reads, so hubs apply the REST surface's access rules unchanged."""

    sim: Any
    principal: Principal
    connection: Connection
    connections: Connections
    hub: Hub

    @property
    def world(self) -> Any:
        return self.sim.world

    def join(self, name: str) -> None:
        self.connections.join(self.connection, group_key(self.hub.name, name))

    def leave(self, name: str) -> None:
        self.connections.leave(self.connection, group_key(self.hub.name, name))


class Hub:
    """A hub: ``name`` as clients write it, ``methods`` by wire name (each takes a HubCall, then the args)."""

    name = ""

    def __init__(self, sim: Any, connections: Connections) -> None:
        self.sim = sim
        self.connections = connections
        self.methods: dict[str, Callable[..., Any]] = {}
        self.peers: dict[str, Hub] = {}  # every hub of the server by lower-case name (set by the server)

    def start(self) -> None:
        """The server is up: subscribe to what the hub pushes."""

    def stop(self) -> None:
        """The server goes down: unsubscribe."""

    def tick(self) -> None:
        """Called about once a second while the server runs."""

    def group(self, name: str) -> str:
        return group_key(self.name, name)

    def push(self, group: str, method: str, build_args: Callable[[str], list[Any]]) -> int:
        """Call ``method`` on every client in the hub's group ``group``; ``build_args(sdk_base)`` gives the
        arguments as that client's links need them."""
        return self.connections.publish(self.group(group),
                                        lambda base: protocol.hub_message(self.name, method, build_args(base)))


def invoke(hubs: dict[str, Hub], call_for: Callable[[Hub], HubCall], text: str) -> str:
    """Run one hub invocation and answer it (``{"I","R"}`` or ``{"I","E"}``)."""
    invocation = protocol.parse_invocation(text)
    hub = hubs.get(invocation.hub.lower())
    if hub is None:
        return protocol.hub_error(invocation.id, f"'{invocation.hub}' Hub could not be resolved.")
    method = hub.methods.get(invocation.method.lower())
    if method is None:
        return protocol.hub_error(invocation.id, f"'{invocation.method}' method could not be resolved.")
    call = call_for(hub)
    try:
        inspect.signature(method).bind(call, *invocation.args)
    except TypeError:
        return protocol.hub_error(invocation.id, f"'{invocation.method}' method could not be resolved: it takes "
                                                 f"{_arity(method)}, not {len(invocation.args)}.")
    try:
        result = method(call, *invocation.args)
    except (HubError, WorldError) as exc:
        return protocol.hub_error(invocation.id, str(exc))
    except ApiError as exc:
        return protocol.hub_error(invocation.id, exc.message)
    except Exception:  # a bug of ours: the client gets SignalR's generic message, never a stack trace
        log.exception("hub method %s.%s failed", hub.name, invocation.method)
        return protocol.hub_error(invocation.id,
                                  f"There was an error invoking Hub method '{hub.name}.{invocation.method}'.")
    try:
        return protocol.hub_result(invocation.id, result)
    except (TypeError, ValueError):
        log.exception("hub method %s.%s returned %r", hub.name, invocation.method, result)
        return protocol.hub_error(invocation.id, "The hub method's result could not be serialized.")


def _arity(method: Callable[..., Any]) -> str:
    params = list(inspect.signature(method).parameters.values())[1:]
    required = sum(1 for p in params if p.default is inspect.Parameter.empty)
    if required == len(params):
        return f"{required} argument{'s' if required != 1 else ''}"
    return f"{required} to {len(params)} arguments"
