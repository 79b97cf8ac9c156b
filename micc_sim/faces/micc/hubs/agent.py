"""``agentHub``: agents' real-time states, pushed as they change (the third hub of Mitel's MiCC SDK samples:
their agent group presence page creates an ``agentHub`` proxy and handles ``onAgentStateChanged``).

Server call (the samples' name): ``onAgentStateChanged(state)``, the object of ``GET /agents/{id}/state``
(``id``, ``currentState``, ``presentInAgentGroups``, ...), when anything in it but the clock changed: a
presence or login change, joining or leaving an agent group, an offer ringing, accepted or ended.

Who gets it: the samples only invoke ``employeeHub.addSelfMonitor()`` and then wait for their own agent's
``onAgentStateChanged``, so a self monitor feeds this hub too, for a connection that subscribed to
``agentHub`` or, as the samples (which create their proxies after ``start``), to no hub at all. A connection
that subscribed to other hubs only is left out: the jQuery client fails on a call for a hub it has no
proxy for. Client methods, named by us (the vendor material invokes none on this hub):
``addMonitor([agentIds])`` / ``removeMonitor([agentIds])`` (also spelled ``addStateMonitor`` /
``removeStateMonitor``, as on queueHub), with agent ids (a username or reporting number also works, or a
single one), and ``addSelfMonitor()`` / ``removeSelfMonitor()``. Anyone who may read
``GET /agents/{id}/state`` may monitor an agent.
"""

from __future__ import annotations

import json
from typing import Any

from micc_sim.faces.micc import access
from micc_sim.faces.micc.agents.responses import agent, agent_state_to_wire
from micc_sim.faces.micc.hubs.watch import EmployeeWatchingHub
from micc_sim.faces.micc.signalr.connections import Connection, Connections
from micc_sim.faces.micc.signalr.hubs import HubCall, HubError
from micc_sim.faces.micc.wire import BaseUrl
from micc_sim.world.model import Employee


def moves_with_time(field: str) -> bool:
    """The state's fields that the clock alone moves (the day's durations and shares): left out of the
    comparison that decides whether a state changed."""
    return "Duration" in field or "Percent" in field or field == "averageTime"


class AgentHub(EmployeeWatchingHub):
    name = "agentHub"

    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self.methods = {
            "addmonitor": self.add_monitor,
            "removemonitor": self.remove_monitor,
            "addstatemonitor": self.add_monitor,
            "removestatemonitor": self.remove_monitor,
            "addselfmonitor": self.add_self_monitor,
            "removeselfmonitor": self.remove_self_monitor,
        }

    # -- client methods ----------------------------------------------------------------------
    def add_monitor(self, call: HubCall, agent_ids: Any) -> None:
        for monitored in self._agents(call, agent_ids):
            self.join(call, monitored.id)

    def remove_monitor(self, call: HubCall, agent_ids: Any) -> None:
        for monitored in self._agents(call, agent_ids):
            call.leave(monitored.id)
        self.forget_if_idle()

    def add_self_monitor(self, call: HubCall) -> None:
        self.join(call, self._own_agent(call).id)

    def remove_self_monitor(self, call: HubCall) -> None:
        call.leave(self._own_agent(call).id)
        self.forget_if_idle()

    @staticmethod
    def _agents(call: HubCall, refs: Any) -> list[Employee]:
        refs = refs if isinstance(refs, list) else [refs]
        if not all(isinstance(r, str | int) and not isinstance(r, bool) for r in refs):
            raise HubError("Name the agents: an array of agent ids (a username or reporting number also works).")
        return [agent(call.world, str(r)) for r in refs]  # all resolved first: one unknown id joins nothing

    @staticmethod
    def _own_agent(call: HubCall) -> Employee:
        me = access.require_employee(call)  # type: ignore[arg-type]
        return agent(call.world, me.id)

    # -- fed by employeeHub.addSelfMonitor ---------------------------------------------------
    def follow_self(self, call: HubCall, me: Employee) -> None:
        if me.is_agent and self.sim.quirks.self_monitor_feeds_agent_hub and wants_agent_calls(call.connection):
            self.join_connection(call.connection, me.id)

    def unfollow_self(self, call: HubCall, me: Employee) -> None:
        self.connections.leave(call.connection, self.group(me.id))
        self.forget_if_idle()

    # -- tracking ----------------------------------------------------------------------------
    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        changed, removed = self.regroup(world, items)
        employees.update(changed, removed)
        for agent_id in sorted(employees):
            monitored = world.employees.get(agent_id)
            if monitored is not None and monitored.is_agent and self.connections.has_members(self.group(agent_id)):
                self._push_state(world, monitored)

    def _push_state(self, world: Any, monitored: Employee) -> None:
        state = agent_state_to_wire(world, monitored, BaseUrl(""))  # type: ignore[arg-type]
        fingerprint = json.dumps({k: v for k, v in state.items() if not moves_with_time(k)}, sort_keys=True)
        self.push_state(monitored.id, "onAgentStateChanged", fingerprint,
                        lambda base: [agent_state_to_wire(world, monitored, BaseUrl(base))])  # type: ignore[arg-type]


def wants_agent_calls(connection: Connection) -> bool:
    """Whether a connection can take agentHub calls it did not ask this hub for: it subscribed to agentHub,
    or to no hub at all (proxies created after ``start``, as Mitel's samples do)."""
    return not connection.hubs or "agenthub" in connection.hubs
