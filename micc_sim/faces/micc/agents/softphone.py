"""Agents tag, Integrated Softphone: where an agent's softphone registers (the world's gateway) and with what.
The consumer id is the agent's reporting number; the secret and password are derived from the agent's id, so
they stay the same across runs (inferred)."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc import access
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.config import stable_id
from micc_sim.world.core import World


def get_softphone(call: Call) -> dict[str, Any]:
    world: World = call.world
    ref = call.path["id"]
    agent = access.employee_for(call, ref, others_need="supervisor")
    if not agent.is_agent:
        raise ApiError(404, f"The agent '{ref}' was not found.")
    gateway = world.catalog.softphone
    return {
        "gatewayMediaServerType": gateway.gateway_type,
        "gatewayMediaServerDomain": gateway.gateway_domain,
        "gatewayMediaServerPort": gateway.gateway_port,
        "gatewayMediaServerConsumerId": agent.reporting,
        "gatewayMediaServerSharedSecret": stable_id("softphone-secret", agent.id),
        "integratedSoftphonePassword": stable_id("softphone-password", agent.id)[:8],
        "jwtIssuer": gateway.jwt_issuer,
    }


HANDLERS = {"Agents_GetAgentSoftphone": get_softphone}
