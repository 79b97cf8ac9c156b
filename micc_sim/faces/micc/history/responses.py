"""History tag: the search over conversations, ended (the world's history) and active (the world itself).

``$search`` is mandatory and is a list of terms separated by ``;``: ``field:value`` (the value compared
without case), ``_exists_:field``, or bare text found in any text field. Fields: ``media``, ``state``,
``queue`` (id, name or reporting), ``lastagentid``, ``from``, ``to``, ``subject``, ``conversationid``, ``caseid``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from micc_sim.faces.micc.cases.responses import _site_matches, scope
from micc_sim.faces.micc.wire import dotnet_datetime, hal_collection
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World
from micc_sim.world.model import MediaType
from micc_sim.world.records import HistoryEntry

_FIELDS = {"media": "mediaType", "mediatype": "mediaType", "state": "conversationState",
           "conversationstate": "conversationState", "lastagentid": "lastAgentId", "agent": "lastAgentId",
           "from": "fromAddress", "fromaddress": "fromAddress", "to": "toAddress", "toaddress": "toAddress",
           "subject": "subject", "conversationid": "conversationId", "id": "conversationId",
           "caseid": "caseId", "queue": "queue", "queueid": "queue", "queuename": "queue"}


def entries(world: World) -> Iterable[HistoryEntry]:
    """Every conversation the index has: the ended ones, then the live ones as they are now."""
    records = world.records
    yield from records.history
    for item in world.live_items():
        yield HistoryEntry(item.id, MediaType.OpenMedia, item.state, item.queue_id, item.agent_id, item.from_,
                           item.to, item.subject, item.time_offered_to_system, None,
                           item.id)
    for it in world.sessions.live():
        yield HistoryEntry(it.id, it.media, it.conversation_state(), it.queue_id, it.agent_id, it.from_address,
                           it.to_address, it.subject or None, it.created, None, it.id)


def entry_to_wire(world: World, e: HistoryEntry) -> dict[str, Any]:
    queue = world.queues.get(e.queue_id or "")
    return {"conversationId": e.conversation_id, "mediaType": e.media.name, "conversationState": e.state.name,
            "queueId": queue.id if queue else None, "queueName": queue.name if queue else None,
            "lastAgentId": e.agent_id, "fromAddress": e.from_address, "toAddress": e.to_address,
            "subject": e.subject, "timeOfferedToSystem": dotnet_datetime(e.offered_to_system)}


def _matches(world: World, wire: dict[str, Any], e: HistoryEntry, terms: list[tuple[str, str]]) -> bool:
    queue = world.queues.get(e.queue_id or "")
    values = {**wire, "caseId": world.records.case_id_of(e.conversation_id),
              "queue": " ".join(v for v in (queue.id, queue.name, queue.reporting) if v) if queue else None}
    for name, value in terms:
        if name == "_exists_":
            if not values.get(_FIELDS[value]):
                return False
        elif name == "":
            if not any(value in str(v).lower() for v in values.values() if v):
                return False
        else:
            have = str(values.get(_FIELDS[name]) or "").lower()
            if (value not in have.split()) if name == "queue" else have != value:
                return False
    return True


def _terms(call: Call, required: bool = True) -> list[tuple[str, str]]:
    text = next((v for k, v in call.query.items() if k.lower() == "$search"), None)
    if text is None and not required:
        return []  # everything the caller may see
    if text is None:
        raise ApiError(400, "The request is invalid.", {"$search": ["The $search parameter is required."]})
    terms = []
    for raw in text.strip().strip("'\"").split(";"):
        term = raw.strip()
        if not term:
            continue
        name, sep, value = term.partition(":")
        name, value = (name.strip().lower(), value.strip().strip("'\"").lower()) if sep else ("", term.lower())
        if (name == "_exists_" and value not in _FIELDS) or (name not in ("", "_exists_") and name not in _FIELDS):
            raise ApiError(400, "The request is invalid.", {"$search": [f"Unknown search field '{value or name}'."]})
        terms.append((name, value))
    return terms


def found(call: Call, search_required: bool = True) -> list[dict[str, Any]]:
    world: World = call.world
    _site_matches(call)
    terms, agent = _terms(call, search_required), scope(call)
    out = []
    for e in entries(world):
        if agent is not None and e.agent_id != agent:
            continue
        wire = entry_to_wire(world, e)
        if _matches(world, wire, e, terms):
            out.append(wire)
    return out


def get_history(call: Call) -> dict[str, Any]:
    return hal_collection(found(call), call.url_for("/history"))


def get_history_count(call: Call) -> int:
    """The reference lists no $search for the count (only for the history itself): without one, all of it."""
    return len(found(call, search_required=False))


HANDLERS = {"History_GetHistory": get_history, "History_GetHistoryCount": get_history_count}
