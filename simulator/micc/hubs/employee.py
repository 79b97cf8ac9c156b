"""``employeeHub``: an employee's state and inbox, pushed as they change (seed 002: the Employee tag's
real-time updates; wire notes: the calls agent bars handle).

Client methods: ``addSelfMonitor()`` (the caller's own employee: an agent bar), and, named by us (the
vendor documents show only ``addSelfMonitor``): ``removeSelfMonitor()``, ``addMonitor(employee)`` and
``removeMonitor(employee)`` with an id, username, reporting number or "me". Monitoring anyone but
oneself needs a supervisor, as the REST surface's inbox does; a Clients.config client has no self.

Server calls, with the REST surface's own objects:
``EmployeeStateChanged(state)`` (``GET /employees/{id}/state``), ``employeeConversationChanged([conversation,
...])`` (items of ``GET /employees/{id}/conversations``) and ``employeeConversationRemoved(conversationId)``
when a conversation leaves the active inbox (ended, requeued, declined, transferred away).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from simulator.micc import access
from simulator.micc.conversations.responses import conversation_to_wire
from simulator.micc.employees.responses import INBOX_STATES, SUPERVISOR, employee_state_to_wire
from simulator.micc.hubs.watch import WatchingHub
from simulator.micc.signalr.connections import Connections
from simulator.micc.signalr.hubs import HubCall
from simulator.micc.wire import BaseUrl
from simulator.world.model import Employee, OpenMediaItem

ACTIVE = frozenset(INBOX_STATES["active"])  # what the hub tracks: the active inbox (offered, in progress, held)


class EmployeeHub(WatchingHub):
    name = "employeeHub"

    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self.methods = {
            "addselfmonitor": self.add_self_monitor,
            "removeselfmonitor": self.remove_self_monitor,
            "addmonitor": self.add_monitor,
            "removemonitor": self.remove_monitor,
        }
        self._holder: dict[str, str] = {}  # item id -> the employee whose active inbox it is in
        self._last_state: dict[str, str] = {}  # employee id -> the state last pushed (to skip repeats)

    # -- client methods ----------------------------------------------------------------------
    def add_self_monitor(self, call: HubCall) -> None:
        self._monitor(call, access.require_employee(call))  # type: ignore[arg-type]

    def remove_self_monitor(self, call: HubCall) -> None:
        self._unmonitor(call, access.require_employee(call))  # type: ignore[arg-type]

    def add_monitor(self, call: HubCall, employee: Any) -> None:
        self._monitor(call, access.employee_for(call, str(employee), others_need=SUPERVISOR))  # type: ignore[arg-type]

    def remove_monitor(self, call: HubCall, employee: Any) -> None:
        self._unmonitor(call, access.employee_for(call, str(employee)))  # type: ignore[arg-type]

    def _monitor(self, call: HubCall, employee: Employee) -> None:
        self.watch()
        self._last_state.pop(employee.id, None)  # the next change reaches the newcomer, even if it looks old
        call.join(employee.id)

    def _unmonitor(self, call: HubCall, employee: Employee) -> None:
        call.leave(employee.id)
        self.forget_if_idle()

    # -- tracking ----------------------------------------------------------------------------
    def resync(self, world: Any) -> None:
        self._holder = {i.id: i.agent_id for i in world.items.values() if i.state in ACTIVE and i.agent_id}
        self._last_state.clear()

    def world_replaced(self, world: Any) -> None:
        self._dirty_items.update(self._holder)
        self._dirty_items.update(i.id for i in world.items.values() if i.state in ACTIVE)
        self._dirty_employees.update(self.monitored())

    def forget_if_idle(self) -> None:
        super().forget_if_idle()
        if self._world is None:
            self._holder.clear()
            self._last_state.clear()

    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        changed: dict[str, list[OpenMediaItem]] = defaultdict(list)
        removed: dict[str, list[str]] = defaultdict(list)
        for item_id in items:
            item = world.items.get(item_id)
            holder = item.agent_id if item is not None and item.state in ACTIVE else None
            before = self._holder.pop(item_id, None)
            if holder:
                self._holder[item_id] = holder
                changed[holder].append(item)
                employees.add(holder)
            if before and before != holder:
                removed[before].append(item_id)
                employees.add(before)  # their acdState changed too
        for employee_id in employees:
            if not self.connections.has_members(self.group(employee_id)):
                continue
            for conversation_id in removed.get(employee_id, ()):
                self.push(employee_id, "employeeConversationRemoved", lambda base, c=conversation_id: [c])
            if changed.get(employee_id):
                conversations = changed[employee_id]
                self.push(employee_id, "employeeConversationChanged", lambda base, c=conversations: [
                    [conversation_to_wire(world, i, BaseUrl(base)) for i in c]])
            employee = world.employees.get(employee_id)
            if employee is not None:
                self._push_state(world, employee)

    def _push_state(self, world: Any, employee: Employee) -> None:
        fingerprint = json.dumps(employee_state_to_wire(world, employee, BaseUrl("")), sort_keys=True)
        if self._last_state.get(employee.id) == fingerprint:
            return
        self._last_state[employee.id] = fingerprint
        self.push(employee.id, "EmployeeStateChanged",
                  lambda base: [employee_state_to_wire(world, employee, BaseUrl(base))])
