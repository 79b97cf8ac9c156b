"""Diagnostics tag: monitor counts (the real-time hubs' subscriptions for the employee plus the monitors
registered here), problem reports, router commands, and an employee's SignalR connections."""

from __future__ import annotations

from typing import Any

from micc_sim.spec.router import ApiError, Call, Handler
from micc_sim.world.core import World
from micc_sim.world.diagnostics import MONITOR_KINDS, router_command

# which hub's subscriptions for an employee count as monitors of each kind (employeeHub pushes the employee's
# state and inbox; agentHub, where the server has one, their agent state)
HUB_OF = {"statemonitor": "employeehub", "agentinboxmonitors": "employeehub", "agentstatemonitors": "agenthub"}


def hub_monitors(call: Call, kind: str, employee_id: str) -> int:
    server = getattr(call.sim, "micc_signalr", None)
    if server is None:
        return 0
    return len(server.connections.members(f"{HUB_OF[kind]}.{employee_id}"))


def _employee_id(call: Call) -> str:
    return call.world.employee(call.path["id"]).id


def _count(kind: str) -> Handler:
    def count(call: Call) -> str:
        employee_id = _employee_id(call)
        registered = call.world.diagnostics.monitors[(kind, employee_id)]
        return str(registered + hub_monitors(call, kind, employee_id))
    return count


def _add(kind: str) -> Handler:
    def add(call: Call) -> str:
        employee_id = _employee_id(call)
        skip = call.path["skipIfContained"].lower()
        if skip not in ("true", "false"):
            raise ApiError(400, "The request is invalid.", {"skipIfContained": [
                f"The value '{call.path['skipIfContained']}' is not valid for Boolean."]})
        hubs = hub_monitors(call, kind, employee_id)
        return str(call.world.diagnostics.add_monitor(kind, employee_id, skip == "true", hubs) + hubs)
    return add


def _remove(kind: str) -> Handler:
    def remove(call: Call) -> str:
        return str(call.world.diagnostics.remove_monitors(kind, _employee_id(call)))
    return remove


def _body(call: Call) -> dict[str, Any]:
    return {k.lower(): v for k, v in call.body.items()} if isinstance(call.body, dict) else {}


def post_problem_report(call: Call) -> str:
    world: World = call.world
    body = _body(call)
    if not body.get("description") and not body.get("logs"):
        raise ApiError(400, "The request is invalid.", {"model.Description": [
            "A description or log entries are required."]})
    logs = [str(line) for line in body.get("logs") or []]
    return world.diagnostics.report(world.clock.now(), str(body.get("application") or ""),
                                    str(body.get("description") or ""), logs).id


def post_router_command(call: Call) -> str:
    body = _body(call)
    name = str(body.get("commandname") or "")
    if not name:
        raise ApiError(400, "The request is invalid.", {"model.CommandName": ["The CommandName field is required."]})
    try:
        return router_command(call.world, name, str(body.get("value") or ""))
    except ValueError as exc:
        raise ApiError(400, "The request is invalid.", {"model.CommandName": [str(exc)]}) from exc


def get_signalr_connections(call: Call) -> list[str]:
    """The ids of the SignalR connections the employee holds now."""
    employee_id = _employee_id(call)
    server = getattr(call.sim, "micc_signalr", None)
    if server is None:
        return []
    return [c.id for c in server.connections.by_id.values() if c.principal.id == employee_id]


_NAMES = {"statemonitor": "EmployeeStateMonitor", "agentstatemonitors": "AgentStateMonitors",
          "agentinboxmonitors": "AgentInboxMonitors"}
_COUNT_NAMES = {"statemonitor": "EmployeeStateMonitorCount", "agentstatemonitors": "AgentStateMonitorCount",
                "agentinboxmonitors": "AgentInboxMonitorCount"}

HANDLERS: dict[str, Handler] = {
    **{f"Diagnostics_Get{_COUNT_NAMES[k]}": _count(k) for k in MONITOR_KINDS},
    **{f"Diagnostics_Post{_NAMES[k]}": _add(k) for k in MONITOR_KINDS},
    **{f"Diagnostics_Delete{_NAMES[k]}": _remove(k) for k in MONITOR_KINDS},
    "Diagnostics_PostProblemReport": post_problem_report,
    "Diagnostics_PostRouterCommand": post_router_command,
    "Diagnostics_GetSignalRConnectionsById": get_signalr_connections,
}
