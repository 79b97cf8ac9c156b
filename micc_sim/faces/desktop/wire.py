"""The data interfaces of Agent Integration as the socket.io face sends them: PascalCase property names as the .NET
interfaces show them, enums as their integers, dates as JSON.NET writes a UTC DateTime (an unset DateTime
is ``DateTime.MinValue``, ``0001-01-01T00:00:00``: .NET dates cannot be null).

Integer IDs: calls, chats, e-mails and SMS carry the world's desktop number; an open media item's ID is
derived from its GUID (``0x10000000`` or'ed with 28 bits of its SHA-1), so every face and every connection
shows the same ID with no state to keep. A service group's ID is the number in its reporting number
(``P9001`` -> 9001); an agent's RecordID is their agent reporting number.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import IntEnum
from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.world.core import World
from micc_sim.world.interactions import CallType, Interaction, InteractionKind, InteractionState
from micc_sim.world.model import ConversationState, Employee, MediaType, OpenMediaItem, PresenceAvailability, Queue

MIN_DATE = "0001-01-01T00:00:00"
S = InteractionState


class SessionState(IntEnum):
    """Agent Integration, SessionState (ICall, IChat, IOpenMedia, IEmail, ISMS)."""

    Failed = -1
    Undefined = 0
    Idle = 1
    Dialing = 2
    Offered = 3
    Calling = 4
    Connected = 6
    Held = 8
    OnHold = 9
    Conference = 10
    Clearing = 11
    Clerical = 99
    ForceClearing = 100
    EmailOffered = 101
    EmailHandling = 102


DESCRIPTIONS = {SessionState.OnHold: "On Hold", SessionState.ForceClearing: "Force Clearing",
                SessionState.EmailOffered: "Offered", SessionState.EmailHandling: "Handling"}


class RecordingState(IntEnum):
    """Agent Integration, CallRecordingState: the document lists ``Stopped = 0 Paused = 1 Dialing = 2``; a recorded call
    shows 2, which the document names Dialing (read as Recording: inferred)."""

    Stopped = 0
    Paused = 1
    Recording = 2


class DesktopMedia(IntEnum):
    """Agent Integration, the MediaType of EnterCQCodes and GetCallCQCodes (not the world's numbering)."""

    Chat = 1
    Voice = 2
    Email = 3
    Sms = 4
    OpenMedia = 5

    @property
    def world(self) -> MediaType:
        return MediaType[self.name]


class UpdateType(IntEnum):
    Add = 0
    Update = 1
    Delete = 2


def date(value: datetime | None) -> str:
    return dotnet_datetime(value) if value is not None else MIN_DATE


def digits_id(text: str, salt: str) -> int:
    found = re.sub(r"\D", "", text or "")
    if found and len(found) <= 9:
        return int(found)
    return int(hashlib.sha1(f"{salt}:{text}".encode()).hexdigest()[:7], 16)


def service_group_id(queue: Queue) -> int:
    return digits_id(queue.reporting, queue.id)


def record_id(employee: Employee | None) -> int:
    return digits_id(employee.reporting or "", employee.id) if employee else 0


def item_number(item_id: str) -> int:
    return 0x10000000 | int(hashlib.sha1(item_id.lower().encode()).hexdigest()[:7], 16)


def find_queue(world: World, group_id: int) -> Queue | None:
    return next((q for q in world.queues.values() if service_group_id(q) == group_id), None)


def find_item(world: World, number: int, agent: Employee) -> OpenMediaItem | None:
    """One of the agent's open media items by its desktop ID: those they hold first, then their ended ones."""
    held = (world.items[i] for i in agent.active_items if i in world.items)
    found = next((i for i in held if item_number(i.id) == number), None)
    if found is None and number & 0x10000000:
        found = next((i for i in world.items.values() if i.agent_id == agent.id and item_number(i.id) == number),
                     None)
    return found


def reason_id(code: str) -> int:
    return digits_id(code, code)


# -- IUserInformation ------------------------------------------------------------------------------
def user_information(world: World, agent: Employee | None) -> dict[str, Any]:
    on = agent is not None and agent.logged_in
    available = on and agent.presence is PresenceAvailability.Available

    def ready(media: MediaType) -> bool:
        return bool(available and media in agent.ready_media)

    reason = ""
    if on and not ready(MediaType.Voice):
        reason = world.sessions.voice_not_ready_reason(agent) or (agent.presence_reason or "")
    code = next((c for c in world.reason_codes.values() if c.name == reason), None) if reason else None
    voice_server = next((m for m in world.media_servers.values() if m.media_type is MediaType.Voice), None)
    return {
        "ExtensionNumber": (agent.extension or "") if agent else "",
        "LoggedOn": 1 if on else 0,
        "LoginID": agent.username if agent else "",
        "UserName": agent.name if agent else "",
        "ReadyStatus": ready(MediaType.Voice),
        "EmailReadyStatus": ready(MediaType.Email),
        "OpenMediaReadyStatus": ready(MediaType.OpenMedia),
        "OASID": 1 if voice_server else 0,
        "OASServerName": voice_server.name if voice_server else "",
        "ChatReadyStatus": ready(MediaType.Chat),
        "RecordID": record_id(agent),
        "VoiceNotReadyReasonID": reason_id(code.code) if code else 0,
        "VoiceNotReadyReasonString": reason,
        "PhoneIPAddress": "127.0.0.1" if on else "",
    }


# -- sessions --------------------------------------------------------------------------------------
def session_state(it: Interaction, gone: bool = False) -> SessionState:
    """The desktop's state of an interaction; ``gone``: it left this agent (sent elsewhere)."""
    message = it.media in (MediaType.Email, MediaType.Sms)
    if gone or it.state in (S.Ended, S.Abandoned, S.Queued):
        return SessionState.Idle
    if it.state is S.Ringing:
        return SessionState.EmailOffered if message else SessionState.Offered
    if it.state is S.Connected:
        return SessionState.EmailHandling if message else SessionState.Connected
    return {S.Dialing: SessionState.Dialing, S.Calling: SessionState.Calling, S.Held: SessionState.Held,
            S.Conference: SessionState.Conference, S.Clerical: SessionState.Clerical,
            S.Failed: SessionState.Failed}[it.state]


def _state(state: SessionState) -> dict[str, Any]:
    return {"State": int(state), "StateDescription": DESCRIPTIONS.get(state, state.name)}


def _ivr(labels: list[str], data: list[str]) -> dict[str, Any]:
    return {"IVRData": list(data), "IVRLabels": list(labels), "IVRDataString": ",".join(data),
            "IVRLabelString": ",".join(labels)}


def call_information(world: World, it: Interaction | None) -> dict[str, Any] | None:
    """ICallInformation: for calls that came through a service group."""
    if it is None or not it.queue_id:
        return None
    queue = world.queues.get(it.queue_id)
    waited = (it.time_offered or it.time_connected or world.clock.now()) - (it.time_queued or it.created)
    return {"CallingNumber": it.from_address, "GroupName": queue.name if queue else "",
            "QueueDuration": max(0, int(waited.total_seconds())), **_ivr(it.ivr_labels, it.ivr_data)}


def campaign_information(it: Interaction) -> dict[str, Any] | None:
    c = it.campaign
    if c is None:
        return None
    return {"DialedNumber": it.from_address, "CampaignID": c.campaign_id, "CampaignName": c.campaign_name,
            "CustomerID": c.customer_id, "CustomerName": c.customer_name, "Comment": c.comment,
            "CallStatus": c.status, "Fields": [{"Label": k, "Data": v} for k, v in c.fields.items()]}


def call(world: World, it: Interaction, gone: bool = False) -> dict[str, Any]:
    """ICall."""
    state = session_state(it, gone)
    s = it.state if not gone else S.Ended
    consulting = world.sessions.interactions.get(it.consulting_id or "")
    return {
        "CallerName": it.from_name,
        "CallInfo": call_information(world, it),
        "IsCampaignCall": it.campaign is not None,
        "CampaignCallInfo": campaign_information(it),
        "CanAnswer": s is S.Ringing,
        "CanDeflect": s in (S.Ringing, S.Connected, S.Held),
        "CanHangup": s in (S.Ringing, S.Dialing, S.Calling, S.Connected, S.Held, S.Conference, S.Failed),
        "CanHold": s is S.Connected,
        "CanRetrieve": s is S.Held,
        "CanReject": s is S.Ringing and it.acd,
        "ConnectedTime": date(it.time_connected),
        "ConsultingCallInfo": call_information(world, consulting),
        "EndTime": date(it.time_ended or (world.clock.now() if gone else None)),
        "ID": it.number,
        "Incoming": it.call_type not in (CallType.Outgoing, CallType.Consultation),
        "PhoneNumber": it.from_address,
        "RecordingState": int(RecordingState.Recording if it.recording else RecordingState.Stopped),
        "StartTime": date(it.time_offered or it.created),
        **_state(state),
        "PrivateData": it.private_data,
        "CalledNumber": it.to_address,
        "Type": int(it.call_type),
        "IVRData": list(it.ivr_data),
        "IVRLabels": list(it.ivr_labels),
    }


def _group(world: World, it: Interaction) -> str:
    queue = world.queues.get(it.queue_id or "")
    return queue.name if queue else ""


def _times(world: World, it: Interaction, gone: bool) -> dict[str, Any]:
    return {"StartTime": date(it.time_offered or it.created), "ConnectedTime": date(it.time_connected),
            "EndTime": date(it.time_ended or (world.clock.now() if gone else None))}


def chat(world: World, it: Interaction, gone: bool = False) -> dict[str, Any]:
    return {"ID": it.number, "GroupName": _group(world, it), "CustomerName": it.from_name,
            "CustomerID": it.customer_id, "CustomerEmailAddress": it.customer_email,
            "CustomerPhoneNumber": it.customer_phone or it.from_address, **_state(session_state(it, gone)),
            **_times(world, it, gone), "PrivateData": it.private_data}


def email(world: World, it: Interaction, gone: bool = False) -> dict[str, Any]:
    return {"BodyText": it.body, **_times(world, it, gone), "GroupName": _group(world, it), "ID": it.number,
            "SenderEmailAddress": it.from_address, **_state(session_state(it, gone)), "Subject": it.subject}


def sms(world: World, it: Interaction, gone: bool = False) -> dict[str, Any]:
    return {**_times(world, it, gone), "GroupName": _group(world, it), "ID": it.number, "Message": it.body,
            "SenderNumber": it.from_address, **_state(session_state(it, gone))}


SESSION_VIEWS = {MediaType.Voice: ("OnCallEvent", call), MediaType.Chat: ("OnChatEvent", chat),
                 MediaType.Email: ("OnEmailEvent", email), MediaType.Sms: ("OnSMSEvent", sms)}


def open_media_state(item: OpenMediaItem, gone: bool = False) -> SessionState:
    if gone:
        return SessionState.Idle
    return {ConversationState.Offered: SessionState.Offered, ConversationState.Acd: SessionState.Connected,
            ConversationState.Held: SessionState.Held, ConversationState.Failed: SessionState.Failed,
            }.get(item.state, SessionState.Idle)


def open_media(world: World, item: OpenMediaItem, gone: bool = False) -> dict[str, Any]:
    """IOpenMedia; its CallInfo carries the item's queue and its variable data as IVR data."""
    queue = world.queues.get(item.queue_id or "")
    offered = item.time_offered_to_agent or item.time_offered_to_system
    waited = offered - (item.time_offered_to_queue or offered)
    labels = [str(k) for k in item.variable_data]
    info = {"CallingNumber": item.from_ or "", "GroupName": queue.name if queue else "",
            "QueueDuration": max(0, int(waited.total_seconds())),
            **_ivr(labels, [str(v) for v in item.variable_data.values()])}
    ended = item.time_ended or (world.clock.now() if gone else None)
    return {"ID": item_number(item.id), **_state(open_media_state(item, gone)), "CallInfo": info,
            "StartTime": date(offered), "ConnectedTime": date(item.time_accepted), "EndTime": date(ended)}


# -- dispatch --------------------------------------------------------------------------------------
def dispatch_kind(it: Interaction) -> str | None:
    """Which dispatch list a waiting interaction is on (chats have none)."""
    if it.kind is InteractionKind.COMMON_HOLD:
        return "common_hold"
    if it.kind is InteractionKind.PERSONAL:
        return "personal"
    if it.kind is InteractionKind.CAMPAIGN:
        return "campaign"
    return {MediaType.Voice: "voice", MediaType.Email: "email", MediaType.Sms: "sms"}.get(it.media)


def dispatch_filter_id(world: World, it: Interaction) -> int:
    """What a subscription names for this interaction: its campaign, or its service group."""
    if it.campaign is not None and it.kind is InteractionKind.CAMPAIGN:
        return it.campaign.campaign_id
    queue = world.queues.get(it.queue_id or "")
    return service_group_id(queue) if queue else 0


def dispatch_object(world: World, it: Interaction) -> dict[str, Any]:
    kind = dispatch_kind(it)
    queue = world.queues.get(it.queue_id or "")
    reserved = world.employees.get(it.reserved_by or "")
    preferred = world.employees.get(it.preferred_agent_id or "")
    base = {"ID": it.number, "ReservedAgentID": record_id(reserved), "ReservedAgentName": reserved.name if reserved
            else "", "ServiceGroupID": service_group_id(queue) if queue else 0,
            "QueueStartTime": date(it.time_queued)}
    ivr = {"IVR": ",".join(it.ivr_data), **_ivr(it.ivr_labels, it.ivr_data)}
    if kind == "personal":
        general = it.general_from is not None and world.clock.now() >= it.general_from
        return {"ID": it.number, "Number": it.from_address, "PreferredAgentID": record_id(preferred),
                "PreferredAgentName": preferred.name if preferred else "", "ServiceGroupID": base["ServiceGroupID"],
                "QueueStartTime": base["QueueStartTime"], "GeneralCall": general, **ivr}
    if kind == "common_hold":
        return {"ID": it.number, "Number": it.from_address, "ReservedAgentID": base["ReservedAgentID"],
                "ReservedAgentName": base["ReservedAgentName"], "QueueStartTime": base["QueueStartTime"],
                **_ivr(it.ivr_labels, it.ivr_data)}
    if kind == "voice":
        return {**base, "Number": it.from_address, "CalledNumber": it.to_address, **ivr}
    if kind == "email":
        return {**base, "EmailAddress": it.from_address}
    if kind == "sms":
        return {**base, "SMSAddress": it.from_address}
    c = it.campaign
    return {"ID": c.customer_id if c else it.number, "Name": c.customer_name if c else it.from_name,
            "Number": it.from_address, "CampaignID": c.campaign_id if c else 0,
            "ServiceGroupID": base["ServiceGroupID"], "ReservedAgentID": base["ReservedAgentID"],
            "ReservedAgentName": base["ReservedAgentName"], "PreferredAgentID": record_id(preferred),
            "PreferredAgentName": preferred.name if preferred else "",
            "Fields": [{"Label": k, "Data": v} for k, v in (c.fields.items() if c else ())]}


DISPATCH_EVENTS = {"personal": "OnDispatchPersonalCallEvent", "common_hold": "OnDispatchCommonHoldCallEvent",
                   "voice": "OnDispatchVoiceCallEvent", "email": "OnDispatchEmailEvent",
                   "sms": "OnDispatchSMSEvent", "campaign": "OnDispatchCampaignCallEvent"}


def real_time_information(world: World, queue: Queue) -> dict[str, Any]:
    return {"ServiceGroupID": service_group_id(queue), "ServiceGroupName": queue.name,
            "CallsInQueue": world.queue_now(queue).waiting}
