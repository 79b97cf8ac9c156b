"""OpenMedia tag of the MiCC SDK: one function per operationId, each translating wire <-> world."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime, listing, path_segment
from micc_sim.spec.router import ApiError, Call, Reply
from micc_sim.world.core import OpenMediaRequest, World
from micc_sim.world.model import STATE_NAMES, ConversationState, Employee, OpenMediaItem, Queue

#: GET answers 404 for these (MiCC SDK reference: "Failed or Handled states ... 404/Not Found").
GONE = frozenset({ConversationState.Handled, ConversationState.Failed})


def placement(world: World, item: OpenMediaItem) -> dict[str, Any]:
    """Where an item is and since when: the fields the open media and the conversation models share."""
    queue = world.queues.get(item.queue_id or "")
    agent = world.employees.get(item.agent_id or "")
    return {
        "conversationState": STATE_NAMES[item.state],
        "positionInQueue": world.position(item),
        **queue_and_agent(queue, agent),
        "timeOfferedToAgent": dotnet_datetime(item.time_offered_to_agent),
        "timeOfferedToQueue": dotnet_datetime(item.time_offered_to_queue),
        "timeOfferedToSystem": dotnet_datetime(item.time_offered_to_system),
    }


def queue_and_agent(queue: Queue | None, agent: Employee | None) -> dict[str, Any]:
    """The queue and the agent a conversation is with, as every conversation-like model names them."""
    return {
        "queueId": queue.id if queue else None,
        "queueName": queue.name if queue else None,
        "queueReporting": queue.reporting if queue else None,
        "agentName": agent.name if agent else None,
        "agentId": agent.id if agent else None,
        "agentReporting": agent.reporting if agent else None,
    }


def item_to_wire(world: World, item: OpenMediaItem, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(f"/openmedia/{path_segment(item.id)}")}},
        "_embedded": None,
        "id": item.id,
        **placement(world, item),
    }


def queue_to_wire(world: World, queue: Queue, call: Call) -> dict[str, Any]:
    now = world.queue_now(queue)
    active = [i for i in world.live_items() if i.queue_id == queue.id and not i.swallowed]
    return {
        "_links": {"conversations": [{"href": call.url_for(f"/openmedia/{path_segment(i.id)}")} for i in active]},
        "id": queue.id,
        "name": queue.name,
        "reporting": queue.reporting,
        "mediaType": queue.media_type.name,
        "mediaServerId": queue.media_server_id,
        "waitingConversations": now.waiting,
        "agentsAvailable": now.agents_available,
        "agentsIdle": now.agents_idle,
        "isInDoNotDisturb": world.offline_reason(queue) is not None,
    }


def get_items(call: Call) -> dict[str, Any]:
    world: World = call.world
    search = next((v for k, v in call.query.items() if k.lower() == "$search"), None)
    items = world.live_items() if search is None else _search(world, search)
    return listing(call, "/openmedia", item_to_wire, items)


def _search(world: World, term: str) -> list[OpenMediaItem]:
    """Live and previously executed items whose id, subject, from or to contain the term (any case)."""
    wanted = term.strip().strip("'\"").lower()
    return [i for i in world.items.values()
            if any(wanted in (text or "").lower() for text in (i.id, i.subject, i.from_, i.to))]


def post_item(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    request = OpenMediaRequest(
        id=body.get("id") or None, queue=body.get("queue"), target_uri=body.get("targetUri"),
        target_uri_embedded=bool(body.get("targetUriEmbedded", False)), preview_url=body.get("previewUrl"),
        history_url=body.get("historyUrl"), from_=body.get("from"), to=body.get("to"),
        subject=body.get("subject"), tenant=body.get("tenant"), variable_data=body.get("variableData"),
    )
    item = call.world.post_open_media(request, posted_by=call.principal.id if call.principal else None)
    wire = item_to_wire(call.world, item, call)
    return Reply(wire, status=201, headers={"Location": wire["_links"]["self"]["href"]})


def get_item(call: Call) -> dict[str, Any]:
    item = _visible(call.world, call.path["id"])
    return item_to_wire(call.world, item, call)


def put_item(call: Call) -> str:
    world: World = call.world
    action = (call.body or {}).get("action")
    if action not in ("Complete", "Reroute"):
        raise ApiError(400, "The request is invalid.", {"model.action": ["An action, Complete or Reroute, "
                                                                         "is required."]})
    if action == "Reroute":
        if call.principal is None or call.principal.kind != "employee":
            raise ApiError(403, "Only an employee may reroute an open media item.")
        return world.reroute_open_media(world.item(call.path["id"]).id).state.name
    item = _visible(world, call.path["id"])
    if not item.live:
        raise ApiError(400, f"The open media item '{item.id}' is already {item.state.name}.")
    return world.complete_open_media(item.id).state.name


def get_queues(call: Call) -> dict[str, Any]:
    return listing(call, "/openmedia/queues", queue_to_wire, call.world.open_media_queues())


def _visible(world: World, item_id: str) -> OpenMediaItem:
    item = world.item(item_id)
    if item.state in GONE:
        raise ApiError(404, f"The open media item '{item_id}' was not found.")
    return item


HANDLERS = {
    "OpenMedia_GetOpenMediaItems": get_items,
    "OpenMedia_PostOpenMedia": post_item,
    "OpenMedia_GetOpenMediaItem": get_item,
    "OpenMedia_PutOpenMedia": put_item,
    "OpenMedia_GetOpenMediaQueues": get_queues,
}
