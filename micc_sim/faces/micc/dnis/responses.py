"""Dnis tag: the dialled numbers (DNIS) that reach the world's voice queues."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import dotnet_timespan, listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import Dnis
from micc_sim.world.core import NotFound, World


def dnis_to_wire(world: World, dnis: Dnis, call: Call) -> dict[str, Any]:
    queue = world.queues.get(dnis.queue_id or "")
    return {
        "_links": {"self": {"href": call.url_for(f"/dnis/{path_segment(dnis.id)}")}},
        "_embedded": None,
        "id": dnis.id,
        "name": dnis.name,
        "reporting": dnis.reporting,
        "phoneNumber": dnis.number,
        "mediaServerRefId": queue.media_server_id if queue else None,
        "shortAbandon": dotnet_timespan(0),
        "serviceLevel": dotnet_timespan(queue.service_level_seconds) if queue else None,
        "carrierPlanRefId": None,
        "callTypeRefId": None,
        "rateRefId": None,
        "subscriberPlanRefId": None,
        "subscriberPlanCallTypeRefId": None,
        "subscriberPlanRateRefId": None,
        "useAsDefault": dnis.use_as_default,
    }


def get_numbers(call: Call) -> dict[str, Any]:
    return listing(call, "/dnis", dnis_to_wire, call.world.catalog.dnis.values())


def get_number(call: Call) -> dict[str, Any]:
    world: World = call.world
    wanted = call.path["id"].lower()
    for dnis in world.catalog.dnis.values():
        if wanted in (dnis.id.lower(), dnis.reporting.lower(), dnis.number.lower(), dnis.name.lower()):
            return dnis_to_wire(world, dnis, call)
    raise NotFound(f"DNIS {call.path['id']!r} not found")


HANDLERS = {"Dnis_GetDnisNumbers": get_numbers, "Dnis_GetDnisNumber": get_number}
