"""Directory tag: the contact directory as the world has it, its employees and its queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime, hal_collection
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World
from micc_sim.world.model import Employee, MediaType, Queue


def _employee_entry(world: World, employee: Employee, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(f"/directory/{employee.id}")}},
        "_embedded": None,
        "id": employee.id,
        "type": "Employee",
        "name": employee.name,
        "email": f"{employee.username.strip('_')}@example.com",
        "extension": employee.extension,
        "phone": employee.extension,
        "phoneDialable": employee.extension,
        "siteId": world.site.id,
        "presence": {"state": employee.presence.name, "reason": employee.presence_reason},
        **_unknown_to_the_world(world, employee.modified_on),
        "voiceMediaServerType": "MiVoiceBusiness" if employee.extension and world.media_server_for(
            MediaType.Voice) else "Unknown",
        "isMediaQueueWorkflowValidated": False,  # an employee has no media queue workflow
    }


def _queue_entry(world: World, queue: Queue, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(f"/directory/{queue.id}")}},
        "_embedded": None,
        "id": queue.id,
        "type": "Queue",
        "name": queue.name,
        "extension": queue.reporting,
        "phoneDialable": queue.reporting,
        "siteId": world.site.id,
        "isMediaQueueWorkflowValidated": queue.workflow_validated,
        "email": None,
        "phone": queue.reporting,
        "presence": None,  # queues have no presence
        **_unknown_to_the_world(world, None),
        "voiceMediaServerType": "MiVoiceBusiness" if queue.media_type is MediaType.Voice else "Unknown",
    }


def _unknown_to_the_world(world: World, configured: datetime | None) -> dict[str, Any]:
    """What a directory entry of the world has none of (mobile numbers, photos, custom fields), and its times."""
    return {"mobilePhone": None, "mobilePhoneDialable": None, "photoUrl": None, "custom": None,
            "createdOn": dotnet_datetime(configured), "modifiedOn": dotnet_datetime(configured)}


def entries(world: World, call: Call) -> list[dict[str, Any]]:
    return ([_employee_entry(world, e, call) for e in world.employees.values()]
            + [_queue_entry(world, q, call) for q in world.queues.values()])


def get_entries(call: Call) -> dict[str, Any]:
    return hal_collection(entries(call.world, call), call.url_for("/directory"))


def get_entry(call: Call) -> dict[str, Any]:
    wanted = call.path["id"].lower()
    for entry in entries(call.world, call):
        if entry["id"].lower() == wanted:
            return entry
    raise ApiError(404, f"The directory entry '{call.path['id']}' was not found.")
