"""The MiCC SDK's access-control notes, applied by handlers: "me", supervisors and third parties.

The MiCC SDK reference says, operation by operation: using "me" is always allowed; anything else needs a supervisor
right ("May change the real-time states of agents and queues", a supervisor licence); third-party
requests (a Clients.config client rather than an employee) are denied where employee context is needed.
"""

from __future__ import annotations

from micc_sim.spec.router import ROLE_RANK, ApiError, Call
from micc_sim.world.model import Employee


def caller(call: Call) -> Employee | None:
    """The employee behind the token, or None for a Clients.config client."""
    principal = call.principal
    if principal is None or principal.kind != "employee":
        return None
    return call.world.employees.get(principal.id)


def employee_for(call: Call, ref: str, *, others_need: str = "any") -> Employee:
    """The employee an ``{id}`` of "Id, username or me" names; ``others_need`` is the role needed for
    anyone but oneself."""
    me = caller(call)
    if ref.lower() == "me":
        if me is None:
            raise ApiError(403, "\"me\" needs an employee's token; third-party (client) requests are denied.")
        return me
    employee = call.world.employee(ref)
    if me is not None and employee.id == me.id:
        return employee
    require(call, others_need)
    return employee


def require(call: Call, role: str) -> None:
    principal = call.principal
    rank = ROLE_RANK.get(principal.role, 0) if principal else -1
    if rank < ROLE_RANK.get(role, 0):
        raise ApiError(403, f"Authorization has been denied for this request: the {role} role is required.")


def require_employee(call: Call) -> Employee:
    me = caller(call)
    if me is None:
        raise ApiError(403, "Third-party (client) requests are denied for this operation.")
    return me
