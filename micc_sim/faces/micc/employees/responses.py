"""Employee tag: employees, their state and presence, agent-group presence, reason codes and the inbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from micc_sim.faces.micc import access
from micc_sim.faces.micc.conversations.responses import any_to_wire, conversation_to_wire, find_conversation
from micc_sim.faces.micc.employees.actions import apply_action, apply_call_action
from micc_sim.faces.micc.system.responses import REASON_TYPES
from micc_sim.faces.micc.wire import Links, dotnet_datetime, hal_collection, listing
from micc_sim.spec.router import ApiError, Call, Reply
from micc_sim.world import calls, identity
from micc_sim.world.core import OpenMediaRequest, World
from micc_sim.world.interactions import Interaction
from micc_sim.world.model import (
    AgentGroup,
    ConversationState,
    Employee,
    MediaType,
    PresenceAvailability,
    ReasonKind,
    Role,
)
from micc_sim.world.sessions import InteractionError

SUPERVISOR = "supervisor"
LICENCES = {Role.ADMINISTRATOR: "SystemAdministrator", Role.SUPERVISOR: "AdvancedSupervisor", Role.AGENT: "None"}
SERVER_FIELDS = {MediaType.Voice: "voiceMediaServerNameOrId", MediaType.Email: "emailMediaServerNameOrId",
                 MediaType.Chat: "chatMediaServerNameOrId", MediaType.Sms: "smsMediaServerNameOrId",
                 MediaType.OpenMedia: "openMediaServerNameOrId"}


def enabled_media(employee: Employee) -> set[MediaType]:
    """The media an employee is enabled for (open media: every agent), as ``isEnabledFor...`` shows them."""
    return set(employee.ready_media) | ({MediaType.OpenMedia} if employee.is_agent else set())


def home_server_id(world: World, employee: Employee) -> str | None:
    """The media server of the employee's first medium: the one whose clock their times are read on."""
    for media in (MediaType.Voice, MediaType.OpenMedia, MediaType.Chat, MediaType.Email, MediaType.Sms):
        server = world.media_server_for(media) if media in enabled_media(employee) else None
        if server is not None:
            return server.id
    return None


def employee_to_wire(world: World, employee: Employee, call: Call) -> dict[str, Any]:
    ready = employee.ready_media
    enabled = enabled_media(employee)
    return {
        "_links": {"self": {"href": call.url_for(f"/employees/{employee.id}")},
                   "state": {"href": call.url_for(f"/employees/{employee.id}/state")}},
        "_embedded": None,
        "id": employee.id,
        "name": employee.name,
        "firstName": employee.first_name,
        "lastName": employee.last_name,
        "nickName": employee.first_name,
        "reporting": employee.reporting,
        "email": f"{employee.username.strip('_')}@example.com",
        "username": employee.username,
        "lineUri": employee.extension,
        "siteRefId": world.site.id,
        "isEnabledForVoice": MediaType.Voice in ready,
        "isEnabledForEmail": MediaType.Email in ready,
        "isEnabledForChat": MediaType.Chat in ready,
        "isEnabledForSMS": MediaType.Sms in ready,
        "isEnabledForOpenMedia": employee.is_agent,
        "isRealTime": True,
        "securityRoleRefId": identity.security_role_id(employee.role),  # one security role per kind of employee
        "language": world.site.language,
        "supervisorLicenseType": LICENCES[employee.role],
        "photoUrl": None,  # employees of the world have no photo
        "canStartStopRecording": employee.role is not Role.AGENT,
        **{name: server.name if media in enabled and (server := world.media_server_for(media)) else None
           for media, name in SERVER_FIELDS.items()},
        "cloudlinkId": None,
        "lastModified": dotnet_datetime(employee.modified_on),
        "isMaySeeAllQueuesEnabled": employee.role is not Role.AGENT,  # agents see their own queues only
        "isLicensedForWFS": False,  # no workforce scheduling in the simulated contact center
        "isCloudlinkChat": False,
        "isOSCMSRecorderEnabled": False,
    }


def presence_to_wire(world: World, employee: Employee) -> dict[str, Any]:
    """The presence object agent bars read: ``aggregate.state``, ``voice[0].acdState``, ``openMedia.acdState``."""
    activity = world.activity(employee)

    def media_presence(media: MediaType) -> dict[str, Any]:
        return {"id": employee.id, "reporting": employee.reporting, "mediaType": media.name,
                "state": employee.presence.name, "acdState": activity.value, "reason": employee.presence_reason,
                "enteredStateOn": dotnet_datetime(employee.entered_state_on)}

    def single(media: MediaType) -> dict[str, Any] | None:
        return media_presence(media) if employee.is_agent and media in employee.ready_media else None

    return {
        "aggregate": {"id": None, "reporting": employee.reporting, "mediaType": "Unknown",
                      "state": employee.presence.name, "acdState": activity.value if employee.is_agent else None,
                      "reason": employee.presence_reason,
                      "enteredStateOn": dotnet_datetime(employee.entered_state_on)},
        "voice": [media_presence(MediaType.Voice)] if single(MediaType.Voice) else [],
        "openMedia": single(MediaType.OpenMedia),
        "chat": single(MediaType.Chat),
        "email": single(MediaType.Email),
        "sms": single(MediaType.Sms),
    }


def group_presence_to_wire(world: World, employee: Employee, group: AgentGroup, call: Call) -> dict[str, Any]:
    status = "NotPresent" if group.id in employee.absent_from_groups else "Present"
    return {
        "_links": {"self": {"href": call.url_for(f"/employees/{employee.id}/agentgrouppresence/{group.id}")}},
        "_embedded": None,
        "id": group.id,
        "name": group.name,
        "reporting": group.reporting,
        "statuses": [{"id": employee.id, "type": media.name, "status": status}
                     for media in sorted(employee.ready_media)] or [{"id": employee.id, "type": "OpenMedia",
                                                                     "status": status}],
    }


def employee_state_to_wire(world: World, employee: Employee, links: Links) -> dict[str, Any]:
    world.day_of(employee)  # today's counts start again at midnight
    return {
        "_links": {"self": {"href": links.url_for(f"/employees/{employee.id}/state")}},
        "_embedded": None,
        "id": employee.id,
        "name": employee.name,
        "firstName": employee.first_name,
        "lastName": employee.last_name,
        "reporting": employee.reporting,
        "presence": presence_to_wire(world, employee),
        "acdOpenMediaConversationsToday": employee.handled_today.get(MediaType.OpenMedia, 0),
        "acdChatConversationsToday": employee.handled_today.get(MediaType.Chat, 0),
        "acdEmailConversationsToday": employee.handled_today.get(MediaType.Email, 0),
        "acdSmsConversationsToday": employee.handled_today.get(MediaType.Sms, 0),
        "acdVoiceConversationsToday": employee.handled_today.get(MediaType.Voice, 0),
        "firstAgentLoginTimeToday": dotnet_datetime(employee.first_login_today),
        "lastAgentLogoutTimeToday": dotnet_datetime(employee.last_logout_today),
        "enteredStateOn": dotnet_datetime(employee.entered_state_on),
        "photoUrl": None,
        "timeMediaServerId": home_server_id(world, employee),
    }


# -- employees ---------------------------------------------------------------------------------
def get_employees(call: Call) -> dict[str, Any]:
    return listing(call, "/employees", employee_to_wire, call.world.employees.values())


def get_employee(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    wire = employee_to_wire(world, employee, call)
    expand = {p.strip().lower() for p in (call.query.get("$expand") or "").split(",") if p.strip()}
    if "state" in expand:
        wire["_embedded"] = {"state": employee_state_to_wire(world, employee, call)}
    return wire


def get_agent_groups(call: Call) -> dict[str, Any]:
    from micc_sim.faces.micc.agents.responses import agent_group_to_wire

    employee = access.employee_for(call, call.path["id"])
    return listing(call, f"/employees/{employee.id}/agentgroups", agent_group_to_wire, call.world.groups_of(employee))


def get_queues(call: Call) -> dict[str, Any]:
    from micc_sim.faces.micc.queues.responses import queue_to_wire

    employee = access.employee_for(call, call.path["id"])
    return listing(call, f"/employees/{employee.id}/queues", queue_to_wire, call.world.queues_of(employee))


# -- state -------------------------------------------------------------------------------------
def get_state(call: Call) -> dict[str, Any]:
    employee = access.employee_for(call, call.path["id"])
    return employee_state_to_wire(call.world, employee, call)


def put_state(call: Call) -> str:
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    change_state(call.world, employee, call.body or {})
    return "OK"


def put_states(call: Call) -> str:
    """Several employees at once; each item names its employee in ``deviceId`` or ``hotDeskAgentReporting``."""
    access.require(call, SUPERVISOR)
    world: World = call.world
    for update in call.body or []:
        ref = update.get("deviceId") or update.get("hotDeskAgentReporting")
        if not ref:
            raise ApiError(400, "The request is invalid.", {"model.deviceId": [
                "Name the employee of each state (deviceId: id, username or reporting)."]})
        change_state(world, world.employee(ref), update)
    return "OK"


def change_state(world: World, employee: Employee, body: dict[str, Any]) -> None:
    """PUT .../state: log in (AvailableReason Login, with a hot-desk extension), out (Offline), or change
    presence with a busy / do-not-disturb reason code."""
    state = body.get("state")
    presence = PresenceAvailability[state] if state else None
    reason = body.get("reason") or None
    if presence in (PresenceAvailability.Busy, PresenceAvailability.DoNotDisturb) and reason:
        code = world.reason_code(reason)
        wanted = ReasonKind.Busy if presence is PresenceAvailability.Busy else ReasonKind.DoNotDisturb
        if code.kind is not wanted:
            raise ApiError(400, f"Reason code {code.name!r} is a {REASON_TYPES[code.kind]} reason, "
                                f"not a {REASON_TYPES[wanted]} one.")
        reason = code.name
    if body.get("availableReason") == "Login" or (presence and not employee.logged_in
                                                   and presence is not PresenceAvailability.Offline):
        world.set_employee_state(employee, logged_in=True, extension=body.get("hotDeskBaseExtension") or None,
                                 presence=presence if presence not in (None, PresenceAvailability.Unknown)
                                 else PresenceAvailability.Available, reason=reason)
    elif presence is PresenceAvailability.Offline:
        world.set_employee_state(employee, logged_in=False)
    elif presence is not None and presence is not PresenceAvailability.Unknown:
        world.set_employee_state(employee, presence=presence, reason=reason)
    else:
        raise ApiError(400, "The request is invalid.", {"model.state": ["A state (or availableReason Login) "
                                                                        "is required."]})


def get_reason_codes(call: Call) -> dict[str, Any]:
    from micc_sim.faces.micc.system.responses import reason_codes

    employee = access.employee_for(call, call.path["id"])
    return reason_codes(call, f"/employees/{employee.id}/busyreasoncodes")


# -- agent-group presence ----------------------------------------------------------------------
def get_group_presences(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    return hal_collection((group_presence_to_wire(world, employee, g, call) for g in world.groups_of(employee)),
                          call.url_for(f"/employees/{employee.id}/agentgrouppresence"))


def get_group_presence(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    group = world.agent_group(call.path["groupid"])
    if group not in world.groups_of(employee):
        raise ApiError(404, f"{employee.username} is not a member of agent group {group.name!r}.")
    return hal_collection([group_presence_to_wire(world, employee, group, call)],
                          call.url_for(f"/employees/{employee.id}/agentgrouppresence/{group.id}"))


def put_group_presences(call: Call) -> str:
    """Join or leave groups: the body is the collection GET returns, with changed ``statuses``."""
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    items = ((call.body or {}).get("_embedded") or {}).get("items") or []
    for entry in items:
        _set_group_presence(call.world, employee, entry.get("id") or "", entry)
    return "OK"


def put_group_presence(call: Call) -> str:
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    _set_group_presence(call.world, employee, call.path["groupid"], call.body or {})
    return "OK"


def _set_group_presence(world: World, employee: Employee, group_ref: str, entry: dict[str, Any]) -> None:
    statuses = [s.get("status") for s in entry.get("statuses") or [] if isinstance(s, dict)]
    if not statuses or any(s not in ("Present", "NotPresent") for s in statuses):
        raise ApiError(400, "The request is invalid.", {"model.statuses": [
            "Give statuses with status Present or NotPresent."]})
    world.set_group_presence(employee, world.agent_group(group_ref), "Present" in statuses)


# -- inbox -------------------------------------------------------------------------------------
INBOX_STATES = {
    "active": (ConversationState.Offered, ConversationState.Acd, ConversationState.Held),
    "failed": (ConversationState.Failed,),
    "drafts": (),
}


def get_conversations(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    kind = (call.query.get("type") or "").lower()
    if kind and kind not in INBOX_STATES:
        raise ApiError(400, f"type must be active, drafts or failed, not {kind!r}.")
    # drafts' states are empty (no draft is a live conversation): an empty filter shows nothing, not everything
    states = INBOX_STATES[kind] if kind else tuple(s for v in INBOX_STATES.values() for s in v)
    mine = [i for i in world.items.values() if i.agent_id == employee.id and i.state in states]
    sessions = [i for i in world.sessions.of_agent(employee) if i.conversation_state() in states
                or (ConversationState.Acd in states and i.conversation_state() is ConversationState.NonAcd)]
    return hal_collection([*(conversation_to_wire(world, i, call) for i in mine),
                           *(any_to_wire(world, i, call) for i in sessions)],
                          call.url_for(f"/employees/{employee.id}/conversations"))


def get_conversation(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    item = find_conversation(world, call.path["conversationId"])
    if item.agent_id != employee.id:
        raise ApiError(404, f"The conversation '{item.id}' is not in the inbox of {employee.username}.")
    return any_to_wire(world, item, call)


def put_conversations(call: Call) -> str:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"], others_need=SUPERVISOR)
    updates = call.body if isinstance(call.body, list) else [call.body or {}]
    for update in updates:
        conversation_id = call.path.get("conversationId") or update.get("id") or ""
        found = find_conversation(world, conversation_id)
        if isinstance(found, Interaction):
            apply_call_action(call, found, update, employee)
        else:
            apply_action(call, found, update, employee)
    return "OK"


def post_conversation(call: Call) -> Reply:
    """Start a conversation: a voice call from one of the employee's devices (``{"type": "Voice", "from":
    "<reporting>", "to": "<number or extension>"}``, as Mitel's employeeDialer sample posts it), which rings,
    connects and ends in the world like any call of the agent's phone; or an open media item, offered to the
    employee at once."""
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    if access.caller(call) is None:
        raise ApiError(403, "Third-party (client) requests are denied for this operation.")
    body = call.body or {}
    kind = body.get("type")
    if kind == "Voice":
        it = _dial(world, employee, body)
        return Reply(it.id, status=200, headers={"Location": call.url_for(f"/conversations/{quote(it.id)}")})
    if kind != "OpenMedia":
        raise ApiError(400, f"Starting {kind} conversations is not simulated yet; Voice and OpenMedia are.")
    if not employee.can_take(MediaType.OpenMedia):
        raise ApiError(400, f"{employee.username} is not logged in and ready for open media.")
    item = world.start_open_media(OpenMediaRequest(to=body.get("to"), from_=body.get("from") or employee.name,
                                                   subject=body.get("subject")), employee)
    return Reply(item.id, status=200, headers={"Location": call.url_for(f"/conversations/{quote(item.id)}")})


def _dial(world: World, employee: Employee, body: dict[str, Any]) -> Interaction:
    """The call ``body`` asks for, from the employee's voice device (its reporting number or extension)."""
    number = (body.get("to") or "").strip()
    if not number:
        raise ApiError(400, "The request is invalid.", {"model.to": ["A Voice conversation needs a number to "
                                                                     "dial in to."]})
    device = (body.get("from") or "").strip()
    devices = {d for d in (employee.reporting, employee.extension) if d}
    if device and device not in devices:
        raise ApiError(400, f"'{device}' is not a voice device of {employee.username} "
                            f"(their devices: {', '.join(sorted(devices)) or 'none'}).")
    if not employee.logged_in or not employee.extension:
        raise ApiError(400, f"{employee.username} is not logged in on a phone: log in with a "
                            "hotDeskBaseExtension first.")
    try:
        return calls.make_call(world, employee, number, body.get("fromName") or "")
    except InteractionError as exc:
        raise ApiError(400, str(exc)) from exc
