"""Conversations tag: the active interactions of the contact center, and the conversation wire model
every tag shares (an agent's inbox, a queue's waiting list)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from simulator.micc.openmedia.responses import placement
from simulator.micc.wire import Links, dotnet_timespan, hal_collection
from simulator.spec.router import ApiError, Call
from simulator.world.core import World
from simulator.world.model import OpenMediaItem

OPEN_MEDIA_SERVER_TYPE = "MCCOpenMedia"  # NodeTypes 17


def conversation_to_wire(world: World, item: OpenMediaItem, links: Links) -> dict[str, Any]:
    queue = world.queues.get(item.queue_id or "")
    agent = world.employees.get(item.agent_id or "")
    server = world.media_servers.get(queue.media_server_id or "") if queue else world.open_media_server()
    estimate = None
    if queue is not None and item.state.name == "InQueue" and not item.swallowed:
        now = world.queue_now(queue)
        estimate = dotnet_timespan(now.estimated_wait_seconds)
    return {
        "_links": {"self": {"href": links.url_for(f"/conversations/{quote(item.id, safe='')}")}},
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
        "variables": {k: str(v) for k, v in item.variable_data.items()},
        "mediaSpecificInfo": item.target_uri,
        "native": False,
    }


def get_conversations(call: Call) -> dict[str, Any]:
    world: World = call.world
    return hal_collection((conversation_to_wire(world, i, call) for i in world.live_items()),
                          call.url_for("/conversations"))


def get_conversation(call: Call) -> dict[str, Any]:
    world: World = call.world
    item = world.item(call.path["id"])
    if not item.live:
        raise ApiError(404, f"The conversation '{item.id}' is not active.")
    return conversation_to_wire(world, item, call)
