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
from micc_sim.world.model import ConversationState, Employee, MediaType, OpenMediaItem, Queue
from micc_sim.world.sessions import WRAP_UP_MEDIA, InteractionError

OPEN_MEDIA_SERVER_TYPE = "MCCOpenMedia"  # NodeTypes 17
SERVER_TYPES = {MediaType.Voice: "ICP3300withMiTAI", MediaType.Chat: "MCCWebChat", MediaType.Email: "MCCEmail",
                MediaType.Sms: "MCCSms"}  # NodeTypes of the media servers that carry calls, chats, e-mails, SMS


def employee_email(employee: Employee) -> str:
    """The e-mail address the directory and the employee model show for an employee."""
    return f"{employee.username.strip('_')}@example.com"


def light_directory(world: World, queue: Queue | None, agent: Employee | None) -> list[dict[str, Any]]:
    """The directory entries a conversation is with: its queue and its agent (as ``GET /directory`` names them)."""
    entries = []
    if queue is not None:
        entries.append({"id": queue.id, "name": queue.name, "type": "Queue", "email": None,
                        "phone": queue.reporting, "mobilePhone": None})
    if agent is not None:
        entries.append({"id": agent.id, "name": agent.name, "type": "Employee", "email": employee_email(agent),
                        "phone": agent.extension, "mobilePhone": None})
    return entries


def _details(world: World, *, state: ConversationState, queue: Queue | None, agent: Employee | None,
             created: Any, media: MediaType, outbound: bool, wrap_up_seconds: float | None,
             times: list[Any], last_action: str | None, last_action_at: Any, failed_reason: str,
             recording: bool, estimate: str | None) -> dict[str, Any]:
    """The fields every conversation shows alike, whatever its media: what the world knows of it, and null
    (or false, or zero) for what the simulated contact center has none of (cases, warnings, templates, coaching)."""
    ended = state in (ConversationState.Failed,)
    modified = max((t for t in times if t is not None), default=created)
    return {
        "type": "Failed" if ended else "Active",
        "folder": None,
        "mediaFolder": "Failed" if ended else ("Sent" if outbound else "Inbox"),
        "ownerId": agent.id if agent else None,
        "caseId": None,
        "case": None,
        "supplementalDetails": None,
        "supplementalDetailsDisplayName": None,
        "estimatedWaitTime": estimate,
        "queueDialable": queue.reporting if queue else None,
        "queueIsWrapUpTimeEnabled": wrap_up_seconds is not None,
        "isAgentAutoAnswerEnabled": False,
        "targetTimeForServiceLevel": dotnet_timespan(queue.service_level_seconds) if queue else None,
        "lastAgentAction": last_action or "Unknown",
        "lastAgentActionDate": dotnet_datetime(last_action_at),
        "timeOfLastAgentResponse": None,
        "timeOfLastCustomerResponse": None,
        "direction": "Outbound" if outbound else "Inbound",
        "classificationCodeRequired": False,  # queues of the world do not ask for classification codes
        "relatedTo": None,
        "failedRouteReason": failed_reason,
        "workTimer": dotnet_timespan(wrap_up_seconds) if wrap_up_seconds is not None else None,
        "contacts": [],
        "directory": light_directory(world, queue, agent),
        "temporary": None,
        "cc": None,
        "bcc": None,
        "attachments": [] if media is MediaType.Email else None,
        "originSmtpRefId": None,
        "originalMessageIdReplyingTo": None,
        "originalMessageIdForwardingFrom": None,
        "monthYearCreated": f"{created.month:02d}{created.year}" if created else None,
        "modifiedOn": dotnet_datetime(modified),
        "likes": 0,
        "reuses": 0,
        "suggestable": False,
        "lastWarningReason": None,
        "lastWarnedBy": None,
        "lastWarnedOn": None,
        "globalReplyTemplateId": None,
        "callRecordingUrl": None,
        "reseizeTimerValue": None,
        "supportsRecording": media is MediaType.Voice,
        "canRecord": media is MediaType.Voice and state in (ConversationState.Acd, ConversationState.NonAcd),
        "isRecording": recording,
        "taggedSilentMonitoredAgentReporting": None,
        "taggedSilentMonitoredAgentId": None,
        "taggedSilentMonitoredEmployeeId": None,
        "taggedSilentMonitoredEmployeeLineUri": None,
    }


def conversation_to_wire(world: World, item: OpenMediaItem, links: Links) -> dict[str, Any]:
    queue = world.queues.get(item.queue_id or "")
    agent = world.employees.get(item.agent_id or "")
    server = world.media_servers.get(queue.media_server_id or "") if queue else world.open_media_server()
    estimate = None
    if queue is not None and item.state.name == "InQueue" and not item.swallowed:
        now = world.queue_now(queue)
        estimate = dotnet_timespan(now.estimated_wait_seconds)
    wire = {
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
        "collectedInfo": None,
        "ani": None,
        "dnis": None,
        "body": None,
        "native": False,
        **_details(world, state=item.state, queue=queue, agent=agent, created=item.time_offered_to_system,
                   media=MediaType.OpenMedia, outbound=item.posted_by is not None and item.posted_by == item.agent_id
                   and item.queue_id is None, wrap_up_seconds=None,
                   times=[item.time_offered_to_queue, item.time_offered_to_agent, item.time_accepted, item.time_ended,
                          item.last_agent_action_at],
                   last_action=item.last_agent_action, last_action_at=item.last_agent_action_at,
                   failed_reason=item.failed_reason.name.rstrip("_"), recording=False, estimate=estimate),
    }
    return {**wire, **case_fields(world, item.id, wire["directory"])}


def interaction_to_wire(world: World, it: Interaction, call: Call) -> dict[str, Any]:
    """A call, chat, e-mail or SMS as the conversation model shows it (mediaType Voice, Chat, Email, Sms)."""
    queue = world.queues.get(it.queue_id or "")
    agent = world.employees.get(it.agent_id or "")
    server = world.media_servers.get(queue.media_server_id or "") if queue else next(
        (m for m in world.media_servers.values() if m.media_type is it.media), None)
    waiting = world.sessions.waiting.get(it.queue_id or "", [])
    outbound = it.call_type in (CallType.Outgoing, CallType.Consultation)
    estimate = None
    if queue is not None and it.state is InteractionState.Queued:
        estimate = dotnet_timespan(world.queue_now(queue).estimated_wait_seconds)
    clerical = world.sessions.config.clerical_seconds
    wrap_up = clerical if it.acd and it.media in WRAP_UP_MEDIA and clerical > 0 else None
    wire = {
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
        "collectedInfo": ",".join(it.ivr_data) or None,  # what the IVR collected, in order
        "mediaSpecificInfo": None,
        "allowAgentPreview": False,
        "native": True,
        **_details(world, state=it.conversation_state(), queue=queue, agent=agent, created=it.created,
                   media=it.media, outbound=outbound, wrap_up_seconds=wrap_up,
                   times=[it.time_queued, it.time_offered, it.time_connected, it.time_ended],
                   last_action=None, last_action_at=None, failed_reason="None", recording=it.recording,
                   estimate=estimate),
    }
    return {**wire, **case_fields(world, it.id, wire["directory"])}


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
