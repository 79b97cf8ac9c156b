"""Who an employee is to the AuthorizationServer: security roles and licences, from the world's facts.

Roles follow the employee's role (an administrator is also a supervisor and an agent, as the MiCC SDK's
access rules rank them). Licences follow what the employee does: an agent in a voice queue's agent group
takes a voice agent licence, one in any other media's a multimedia licence; a supervisor an advanced
supervisor licence, an administrator the system administrator's. The names are *inferred*: no vendor
document lists the claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from micc_sim.world.config import stable_id
from micc_sim.world.model import Employee, MediaType, Role

if TYPE_CHECKING:
    from micc_sim.world.core import World

_RANKS = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)
ROLE_NAMES = {Role.AGENT: "Agent", Role.SUPERVISOR: "Supervisor", Role.ADMINISTRATOR: "Administrator"}
SUPERVISOR_LICENCES = {Role.AGENT: None, Role.SUPERVISOR: "AdvancedSupervisor",
                       Role.ADMINISTRATOR: "SystemAdministrator"}


def roles(employee: Employee) -> list[str]:
    """The roles the employee holds, lowest first."""
    held = _RANKS[: _RANKS.index(employee.role) + 1]
    return [ROLE_NAMES[role] for role in held if role is not Role.AGENT or employee.is_agent]


def licences(world: World, employee: Employee) -> list[str]:
    """The licences the employee's work takes: voice and multimedia agent, supervisor."""
    media = {queue.media_type for queue in world.queues_of(employee)} if employee.is_agent else set()
    found = []
    if MediaType.Voice in media:
        found.append("VoiceAgent")
    if media - {MediaType.Voice}:
        found.append("MultimediaAgent")
    supervisor = SUPERVISOR_LICENCES[employee.role]
    if supervisor:
        found.append(supervisor)
    return found


def security_role_id(role: Role) -> str:
    """The id of the security role an employee of ``role`` has: one role per kind of employee, the same on every
    run (the world's security roles are its three kinds of employee)."""
    return stable_id("securityrole", role.value)


def security_role_ids() -> set[str]:
    return {security_role_id(role) for role in Role}
