"""Directory tag: the contact directory as the world has it: its employees, its queues and its contacts
(database and Elasticsearch contacts, Active Directory users, contacts and groups: ``world.directory``).

``$search`` narrows the list to entries with every word somewhere in their name, e-mail, phone numbers or
extension, before ``$filter`` and paging (Mitel's contacts sample sends both together). Contacts are
created and updated as the sample sends them: PascalCase names, no type, no site.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from micc_sim.faces.micc.wire import dotnet_datetime, hal_collection
from micc_sim.spec.router import ApiError, Call, Reply
from micc_sim.world import directory
from micc_sim.world.contacts import Contact as Customer
from micc_sim.world.core import World
from micc_sim.world.directory import Contact, ContactKind, DirectoryError
from micc_sim.world.model import Employee, MediaType, Queue

_NOT_DIALABLE = re.compile(r"[^0-9*#+]")
_FIELDS = {"name": "name", "email": "email", "phone": "phone", "mobilePhone": "mobile_phone",
           "extension": "extension", "custom": "custom"}  # wire name -> the contact's field


def _dialable(number: str | None) -> str | None:
    return _NOT_DIALABLE.sub("", number) or None if number else None


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


def _contact_entry(world: World, contact: Contact, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(f"/directory/{contact.id}")}},
        "_embedded": None,
        "id": contact.id,
        "type": contact.kind.value,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "mobilePhone": contact.mobile_phone,
        "extension": contact.extension,
        "phoneDialable": _dialable(contact.phone) or _dialable(contact.extension),
        "mobilePhoneDialable": _dialable(contact.mobile_phone),
        "siteId": world.site.id,
        "presence": None,
        "custom": dict(contact.custom),
        "createdOn": dotnet_datetime(contact.created_on),
        "modifiedOn": dotnet_datetime(contact.modified_on),
        "photoUrl": None,  # the world keeps no photos
        "voiceMediaServerType": "Unknown",  # a contact is no device of a media server
        "isMediaQueueWorkflowValidated": False,
    }


def _unknown_to_the_world(world: World, configured: datetime | None) -> dict[str, Any]:
    """What a directory entry of the world has none of (mobile numbers, photos, custom fields), and its times."""
    return {"mobilePhone": None, "mobilePhoneDialable": None, "photoUrl": None, "custom": None,
            "createdOn": dotnet_datetime(configured), "modifiedOn": dotnet_datetime(configured)}


def _customer_entry(world: World, customer: Customer, call: Call) -> dict[str, Any]:
    """A customer the world created or matched from an item's variableData (world/contacts.py)."""
    return {
        "_links": {"self": {"href": call.url_for(f"/directory/{customer.id}")}},
        "_embedded": None,
        "id": customer.id,
        "type": "ElasticContact",
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "mobilePhone": customer.mobile,
        "extension": None,
        "phoneDialable": _dialable(customer.phone),
        "mobilePhoneDialable": _dialable(customer.mobile),
        "siteId": world.site.id,
        "presence": None,
        "custom": None,
        "createdOn": dotnet_datetime(customer.created_on),
        "modifiedOn": dotnet_datetime(customer.created_on),
        "photoUrl": None,
        "voiceMediaServerType": "Unknown",
        "isMediaQueueWorkflowValidated": False,
    }


def entries(world: World, call: Call) -> list[dict[str, Any]]:
    return ([_employee_entry(world, e, call) for e in world.employees.values()]
            + [_queue_entry(world, q, call) for q in world.queues.values()]
            + [_contact_entry(world, c, call) for c in world.contacts.values()]
            + [_customer_entry(world, c, call) for c in world.records.contacts.contacts.values()])


def get_entries(call: Call) -> dict[str, Any]:
    world: World = call.world
    query = {k.lower(): v for k, v in call.query.items()}
    found = entries(world, call)
    if query.get("$search", "").strip():
        try:
            terms = directory.search_terms(query["$search"])
        except DirectoryError as exc:
            raise ApiError(400, f"The query specified in the URI is not valid. {exc}") from exc
        found = [e for e in found if directory.matches(terms, [e.get("name"), e.get("email"), e.get("phone"),
                                                               e.get("mobilePhone"), e.get("extension")])]
    if query.get("voiceonly", "").strip().lower() == "true":
        found = [e for e in found if e["type"] != "ElasticContact" or e.get("phone") or e.get("mobilePhone")]
    return hal_collection(found, call.url_for("/directory"))


def get_entry(call: Call) -> dict[str, Any]:
    wanted = call.path["id"].lower()
    for entry in entries(call.world, call):
        if entry["id"].lower() == wanted:
            return entry
    raise ApiError(404, f"The directory entry '{call.path['id']}' was not found.")


def post_entry(call: Call) -> Reply:
    world: World = call.world
    body = _body(call)
    kind = _kind(body.get("type"))
    try:
        contact = directory.add_contact(world, kind, **_fields(body))
    except DirectoryError as exc:
        raise ApiError(400, str(exc)) from exc
    return Reply(_contact_entry(world, contact, call), status=201,
                 headers={"Location": call.url_for(f"/directory/{quote(contact.id)}")})


def put_entry(call: Call) -> dict[str, Any]:
    world: World = call.world
    wanted = call.path["id"].lower()
    contact = next((c for c in world.contacts.values() if c.id.lower() == wanted), None)
    if contact is None:
        if any(wanted == e.lower() for e in [*world.employees, *world.queues]):
            raise ApiError(400, "Employees and queues are changed in the configuration, not in the directory.")
        raise ApiError(404, f"The directory entry '{call.path['id']}' was not found.")
    body = _body(call)
    kind = _kind(body.get("type"))
    if kind is not None and kind is not contact.kind:
        raise ApiError(400, f"A {contact.kind.value} entry cannot become a {kind.value} entry.")
    try:
        directory.update_contact(world, contact, **_fields(body))
    except DirectoryError as exc:
        raise ApiError(400, str(exc)) from exc
    return _contact_entry(world, contact, call)


def _body(call: Call) -> dict[str, Any]:
    body = call.body if isinstance(call.body, dict) else {}
    site = body.get("siteId")
    if site and site.lower() != call.world.site.id.lower():  # optional: only site-based security needs it
        raise ApiError(400, "The request is invalid.", {"model.siteId": [f"The site '{site}' does not exist."]})
    return body


def _kind(type_name: str | None) -> ContactKind | None:
    if type_name is None or type_name == "Unknown":
        return None
    try:
        return ContactKind(type_name)
    except ValueError:
        raise ApiError(400, f"A directory entry of type {type_name} cannot be created or changed here: "
                            f"contacts are {', '.join(k.value for k in ContactKind)}.") from None


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    return {field: body[wire] for wire, field in _FIELDS.items() if wire in body}
