"""Conversations tag: the active interactions of the contact center, and the conversation wire model
every tag shares (an agent's inbox, a queue's waiting list)."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.conversations.case_fields import case_fields
from micc_sim.faces.micc.openmedia.responses import placement, queue_and_agent
from micc_sim.faces.micc.wire import Links, dotnet_datetime, dotnet_timespan, hal_collection, path_segment
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import NotFound, World
from micc_sim.world.interactions import CallType, Interaction, InteractionState
from micc_sim.world.model import MediaType, OpenMediaItem
from micc_sim.world.sessions import InteractionError

OPEN_MEDIA_SERVER_TYPE = "MCCOpenMedia"  # NodeTypes 17
SERVER_TYPES = {MediaType.Voice: "ICP3300withMiTAI", MediaType.Chat: "MCCWebChat", MediaType.Email: "MCCEmail",
                MediaType.Sms: "MCCSms"}  # NodeTypes of the media servers that carry calls, chats, e-mails, SMS


def conversation_to_wire(world: World, item: OpenMediaItem, links: Links) -> dict[str, Any]:
    queue = world.queues.get(item.queue_id or "")
    agent = world.employees.get(item.agent_id or "")
    server = world.media_servers.get(queue.media_server_id or "") if queue else world.open_media_server()
    estimate = None
    if queue is not None and item.state.name == "InQueue" and not item.swallowed:
        now = world.queue_now(queue)
        estimate = dotnet_timespan(now.estimated_wait_seconds)
    return {
        "_links": {"self": {"href": links.url_for(f"/conversations/{path_segment(item.id)}")}},
        "_embedded": None,
        "conversationId": item.id,
        "fromAddress": item.from_,
        "fromName": item.from_,
        "toAddress": item.to,
        "toName": item.to,
        "subject": item.subject,
        "mediaServerId": server.id if server else None,
        "mediaServerType": OPEN_MEDIA_SERVER_TYPE,
        "mediaType": "OpenMedia",
        **placement(world, item),
        "estimatedWaitTime": estimate,
        "priority": 0,
        "transferCount": item.transfer_count,
        "agentFirstName": agent.first_name if agent else None,
        "agentLastName": agent.last_name if agent else None,
        "allowAgentPreview": bool(item.preview_url),
        "variables": {**{k: str(v) for k, v in item.variable_data.items()},
                      **dict(world.records.call_details.get(item.id, ()))},  # PUT .../calldetails
        "mediaSpecificInfo": item.target_uri,
        "native": False,
        **case_fields(world, item.id),
    }


def interaction_to_wire(world: World, it: Interaction, call: Call) -> dict[str, Any]:
    """A call, chat, e-mail or SMS as the conversation model shows it (mediaType Voice, Chat, Email, Sms)."""
    queue = world.queues.get(it.queue_id or "")
    agent = world.employees.get(it.agent_id or "")
    server = world.media_servers.get(queue.media_server_id or "") if queue else next(
        (m for m in world.media_servers.values() if m.media_type is it.media), None)
    waiting = world.sessions.waiting.get(it.queue_id or "", [])
    outbound = it.call_type in (CallType.Outgoing, CallType.Consultation)
    return {
        "_links": {"self": {"href": call.url_for(f"/conversations/{it.id}")}},
        "_embedded": None,
        "conversationId": it.id,
        "fromAddress": it.from_address,
        "fromName": it.from_name,
        "toAddress": it.to_address,
        "toName": None,
        "subject": it.subject or None,
        "body": it.body or None,
        "mediaServerId": server.id if server else None,
        "mediaServerType": SERVER_TYPES[it.media],
        "mediaType": it.media.name,
        "conversationState": it.conversation_state().name,
        "positionInQueue": waiting.index(it.id) + 1 if it.state is InteractionState.Queued and it.id in waiting else 0,
        **queue_and_agent(queue, agent),
        "agentFirstName": agent.first_name if agent else None,
        "agentLastName": agent.last_name if agent else None,
        "timeOfferedToAgent": dotnet_datetime(it.time_offered),
        "timeOfferedToQueue": dotnet_datetime(it.time_queued),
        "timeOfferedToSystem": dotnet_datetime(it.created),
        "direction": "Outbound" if outbound else "Inbound",
        "ani": it.from_address if it.media is MediaType.Voice else None,
        "dnis": it.to_address if it.media is MediaType.Voice else None,
        "priority": 0,
        "transferCount": 0,
        "variables": {**dict(zip(it.ivr_labels, it.ivr_data, strict=False)),
                      **dict(world.records.call_details.get(it.id, ()))},  # PUT .../calldetails
        "isRecording": it.recording,
        "native": True,
        **case_fields(world, it.id),
    }


def get_conversations(call: Call) -> dict[str, Any]:
    world: World = call.world
    return hal_collection([*(conversation_to_wire(world, i, call) for i in world.live_items()),
                           *(interaction_to_wire(world, i, call) for i in world.sessions.live())],
                          call.url_for("/conversations"))


def find_conversation(world: World, conversation_id: str) -> OpenMediaItem | Interaction:
    """An open media item or another interaction by its id (a GUID, any case)."""
    try:
        return world.item(conversation_id)
    except NotFound:
        try:
            return world.sessions.get(conversation_id)
        except InteractionError:
            raise NotFound(f"conversation {conversation_id!r} not found") from None


def any_to_wire(world: World, found: OpenMediaItem | Interaction, call: Call) -> dict[str, Any]:
    if isinstance(found, Interaction):
        return interaction_to_wire(world, found, call)
    return conversation_to_wire(world, found, call)


def get_conversation(call: Call) -> dict[str, Any]:
    world: World = call.world
    found = find_conversation(world, call.path["id"])
    if not found.live:
        raise ApiError(404, f"The conversation '{found.id}' is not active.")
    return any_to_wire(world, found, call)
