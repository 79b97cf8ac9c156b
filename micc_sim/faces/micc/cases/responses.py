"""Cases tag: a case for every conversation the world has seen (open while it is live), with its last queue
and agent, the contacts it is linked to and the media it went through."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc import access
from micc_sim.faces.micc.wire import dotnet_datetime, dotnet_timespan, listing, path_segment
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.contacts import Contact
from micc_sim.world.core import World
from micc_sim.world.records import Case


def contact_to_wire(contact: Contact) -> dict[str, Any]:
    """A light directory entry of a contact (cases and conversations name their contacts so)."""
    return {"id": contact.id, "name": contact.name, "type": "ElasticContact", "email": contact.email,
            "phone": contact.phone, "mobilePhone": contact.mobile}


def case_to_wire(world: World, case: Case, call: Call) -> dict[str, Any]:
    queue = world.queues.get(case.last_queue_id or "")
    agent = world.employees.get(case.last_agent_id or "")
    contacts = [contact_to_wire(c) for i in case.contact_ids if (c := world.records.contacts.find(i)) is not None]
    in_queue = None
    if case.offered_to_last_queue is not None:
        until = case.offered_to_last_agent or case.closed_on or world.clock.now()
        in_queue = dotnet_timespan(max(0.0, (until - case.offered_to_last_queue).total_seconds()))
    return {
        "_links": {"self": {"href": call.url_for(f"/cases/{path_segment(case.id)}/{case.month_year}")}},
        "_embedded": None,
        "id": case.id,
        "siteId": world.site.id,
        "state": "Open" if case.open else "Closed",
        "stateModifiedOn": dotnet_datetime(case.closed_on or case.created_on),
        "subject": case.subject or None,
        "lastMediaType": case.media[-1].name if case.media else "Unknown",
        "lastQueueName": queue.name if queue else None,
        "lastQueueId": queue.id if queue else None,
        "lastQueueReporting": queue.reporting if queue else None,
        "lastQueueDialable": queue.reporting if queue else None,
        "lastAgentName": agent.name if agent else None,
        "lastAgentId": agent.id if agent else None,
        "lastAgentReporting": agent.reporting if agent else None,
        "timeOfferedToLastQueue": dotnet_datetime(case.offered_to_last_queue),
        "durationInLastQueue": in_queue,
        "timeOfferedToLastAgent": dotnet_datetime(case.offered_to_last_agent),
        "timeOfLastAgentResponse": None,
        "timeOfLastCustomerResponse": dotnet_datetime(case.created_on),
        "createdOn": dotnet_datetime(case.created_on),
        "modifiedOn": dotnet_datetime(case.modified_on),
        "closedOn": dotnet_datetime(case.closed_on),
        "wasReopened": False,
        "likes": 0,
        "reuses": 0,
        "suggestable": False,
        "lastWarningReason": None,
        "lastWarnedBy": None,
        "lastWarnedOn": None,
        "globalReplyTemplateId": None,
        "notes": [],
        "userNotes": [],
        "contacts": contacts,
        "directory": contacts,
        "agentIdToNotify": None,
        "notificationDateTime": None,
        "mediaTypes": [m.name for m in case.media],
        "queues": [{"_links": {"self": {"href": call.url_for(f"/queues/{q.id}")}}, "_embedded": None, "id": q.id,
                    "name": q.name, "reporting": q.reporting, "mediaType": q.media_type.name}
                   for q in (world.queues[i] for i in case.queue_ids if i in world.queues)],
        "agents": [{"id": a.id, "name": a.name, "reporting": a.reporting}
                   for a in (world.employees[i] for i in case.agent_ids if i in world.employees)],
    }


def scope(call: Call) -> str | None:
    """Whose records a search sees: ``global=true`` (a supervisor's licence) or a client sees all (None); an
    agent sees the ones they worked on (their id)."""
    wanted = next((v for k, v in call.query.items() if k.lower() == "global"), "false").lower() == "true"
    me = access.caller(call)
    if wanted:
        if me is not None and me.role.value == "agent":
            raise ApiError(403, "A global search needs a supervisor license.")
        return None
    return me.id if me is not None and me.role.value == "agent" else None


def _site_matches(call: Call) -> None:
    site = next((v for k, v in call.query.items() if k.lower() == "siteid"), "")
    if site and site.lower() != call.world.site.id.lower():
        raise ApiError(400, "The request is invalid.", {"siteId": [f"The site '{site}' does not exist."]})


def get_cases(call: Call) -> dict[str, Any]:
    world: World = call.world
    _site_matches(call)
    agent = scope(call)
    cases = [c for c in world.records.cases.values() if agent is None or agent in c.agent_ids]
    return listing(call, "/cases", case_to_wire, cases)


def get_case(call: Call) -> dict[str, Any]:
    world: World = call.world
    case = world.records.case(call.path["id"])
    month = call.path["monthYearCreated"]
    if month and month.lower() not in ("null", case.month_year):
        raise ApiError(404, f"The case '{call.path['id']}' was not created in {month}.")
    return case_to_wire(world, case, call)


HANDLERS = {"Cases_GetCases": get_cases, "Cases_GetCase": get_case}
