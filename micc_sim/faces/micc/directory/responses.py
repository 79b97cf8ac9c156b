"""Directory tag: the contact directory as the world has it, its employees and its queues."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import hal_collection
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.contacts import Contact
from micc_sim.world.core import World
from micc_sim.world.model import Employee, Queue


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
    }


def _contact_entry(world: World, contact: Contact, call: Call) -> dict[str, Any]:
    """A customer the world created or matched from an item's variableData (world/contacts.py)."""
    return {
        "_links": {"self": {"href": call.url_for(f"/directory/{contact.id}")}},
        "_embedded": None,
        "id": contact.id,
        "type": "ElasticContact",
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "mobilePhone": contact.mobile,
        "siteId": world.site.id,
    }


def entries(world: World, call: Call) -> list[dict[str, Any]]:
    return ([_employee_entry(world, e, call) for e in world.employees.values()]
            + [_queue_entry(world, q, call) for q in world.queues.values()]
            + [_contact_entry(world, c, call) for c in world.records.contacts.contacts.values()])


def get_entries(call: Call) -> dict[str, Any]:
    return hal_collection(entries(call.world, call), call.url_for("/directory"))


def get_entry(call: Call) -> dict[str, Any]:
    wanted = call.path["id"].lower()
    for entry in entries(call.world, call):
        if entry["id"].lower() == wanted:
            return entry
    raise ApiError(404, f"The directory entry '{call.path['id']}' was not found.")
