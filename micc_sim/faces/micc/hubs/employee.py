"""``employeeHub``: an employee's state and inbox, pushed as they change (the MiCC SDK reference: the
Employee tag's real-time updates; Mitel's MiCC SDK samples: the calls agent bars and inboxes handle).

Client methods: ``addSelfMonitor()`` (the caller's own employee: an agent bar, as the samples invoke it),
and, named by us (the vendor material shows only ``addSelfMonitor``): ``removeSelfMonitor()``,
``addMonitor(employee)`` and ``removeMonitor(employee)`` with an id, username, reporting number or "me".
Monitoring anyone but oneself needs a supervisor, as the REST surface's inbox does; a Clients.config client
has no self (one that impersonates an employee has theirs).

Server calls, with the REST surface's own objects and the samples' names:
``employeeStateChanged(state)`` (``GET /employees/{id}/state``), ``employeeConversationChanged([conversation,
...])`` (items of ``GET /employees/{id}/conversations``) and ``employeeConversationRemoved([conversationId,
...])`` for the conversations that left the active inbox (ended, requeued, declined, transferred away).

``addSelfMonitor`` also feeds ``agentHub``: the samples call it and then wait for
``agentHub.onAgentStateChanged`` about their own agent (see :mod:`micc_sim.faces.micc.hubs.agent`).
"""

from __future__ import annotations

import json
from typing import Any

from micc_sim.faces.micc import access
from micc_sim.faces.micc.conversations.responses import conversation_to_wire
from micc_sim.faces.micc.employees.responses import SUPERVISOR, employee_state_to_wire
from micc_sim.faces.micc.hubs.agent import AgentHub
from micc_sim.faces.micc.hubs.watch import EmployeeWatchingHub
from micc_sim.faces.micc.signalr.connections import Connections
from micc_sim.faces.micc.signalr.hubs import HubCall
from micc_sim.faces.micc.wire import BaseUrl
from micc_sim.world.model import Employee


class EmployeeHub(EmployeeWatchingHub):
    name = "employeeHub"

    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self.methods = {
            "addselfmonitor": self.add_self_monitor,
            "removeselfmonitor": self.remove_self_monitor,
            "addmonitor": self.add_monitor,
            "removemonitor": self.remove_monitor,
        }

    # -- client methods ----------------------------------------------------------------------
    def add_self_monitor(self, call: HubCall) -> None:
        me = access.require_employee(call)  # type: ignore[arg-type]
        self.join(call, me.id)
        agents = self.peers.get("agenthub")
        if isinstance(agents, AgentHub):
            agents.follow_self(call, me)

    def remove_self_monitor(self, call: HubCall) -> None:
        me = access.require_employee(call)  # type: ignore[arg-type]
        self._unmonitor(call, me)
        agents = self.peers.get("agenthub")
        if isinstance(agents, AgentHub):
            agents.unfollow_self(call, me)

    def add_monitor(self, call: HubCall, employee: Any) -> None:
        self.join(call, access.employee_for(call, str(employee), others_need=SUPERVISOR).id)  # type: ignore[arg-type]

    def remove_monitor(self, call: HubCall, employee: Any) -> None:
        self._unmonitor(call, access.employee_for(call, str(employee)))  # type: ignore[arg-type]

    def _unmonitor(self, call: HubCall, employee: Employee) -> None:
        call.leave(employee.id)
        self.forget_if_idle()

    # -- tracking ----------------------------------------------------------------------------
    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        changed, removed = self.regroup(world, items)
        employees.update(changed, removed)  # who lost an item: their acdState changed too
        for employee_id in employees:
            if not self.connections.has_members(self.group(employee_id)):
                continue
            if removed.get(employee_id):
                self.push(employee_id, "employeeConversationRemoved", lambda base, c=removed[employee_id]: [c])
            if changed.get(employee_id):
                conversations = changed[employee_id]
                self.push(employee_id, "employeeConversationChanged", lambda base, c=conversations: [
                    [conversation_to_wire(world, i, BaseUrl(base)) for i in c]])
            employee = world.employees.get(employee_id)
            if employee is not None:
                self._push_state(world, employee)

    def _push_state(self, world: Any, employee: Employee) -> None:
        fingerprint = json.dumps(employee_state_to_wire(world, employee, BaseUrl("")), sort_keys=True)
        self.push_state(employee.id, "employeeStateChanged", fingerprint,
                        lambda base: [employee_state_to_wire(world, employee, BaseUrl(base))])
