"""Agents tag: agents (an employee's ACD identity), their real-time states, agent groups and licences."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.system.responses import NODE_TYPES
from micc_sim.faces.micc.wire import dotnet_datetime, dotnet_timespan, listing
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.agent_day import OCCUPIED, UNAVAILABLE, Activity
from micc_sim.world.core import World
from micc_sim.world.model import AgentGroup, ConversationState, Employee, MediaType

MULTIMEDIA = (MediaType.OpenMedia, MediaType.Chat, MediaType.Email, MediaType.Sms)


def agent_to_wire(world: World, agent: Employee, call: Call) -> dict[str, Any]:
    server = world.media_server_for(_media(agent))
    return {
        "_links": {"self": {"href": call.url_for(f"/agents/{agent.id}")},
                   "state": {"href": call.url_for(f"/agents/{agent.id}/state")}},
        "_embedded": None,
        "id": agent.id,
        "reporting": agent.reporting,
        "mediaType": _media(agent).name,
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "employeeRefId": agent.id,
        "mediaServer": server.name if server else None,
        "mediaServerRefId": server.id if server else None,
        "photourl": None,  # employees of the world have no photo
        "isHotDesking": True,
        "isSip": False,
        "isExternalHotDeskingEnabled": False,  # agents log in on the world's extensions only
        "hotDeskExternalDialingPrefix": None,
        "hotDeskExternalNumber": None,
        "integratedSoftphonePassword": None,  # never shown: the softphone's password is a secret
        "gatewayMediaServerRefId": None,  # no SIP gateway: isSip is false
    }


def _media(agent: Employee) -> MediaType:
    return MediaType.Voice if MediaType.Voice in agent.ready_media else MediaType.OpenMedia


def agent_state_to_wire(world: World, agent: Employee, call: Call) -> dict[str, Any]:
    """The agent's state and today's figures (``world/agent_day.py``), at this instant of the clock."""
    items = [world.items[i] for i in agent.active_items if i in world.items]
    media = _media(agent)
    server = world.media_server_for(media)
    day = world.day_of(agent)
    now = world.clock.now()

    def spent(*activities: Activity) -> str | None:
        return dotnet_timespan(day.total(set(activities), now))

    acd = sum(agent.handled_today.values())
    acd_seconds = day.total({Activity.ACD, Activity.HOLD_ACD}, now)
    logged_in = day.logged_in(now)
    return {
        "_links": {"self": {"href": call.url_for(f"/agents/{agent.id}/state")},
                   "agent": {"href": call.url_for(f"/agents/{agent.id}")}},
        "_embedded": None,
        "id": agent.id,
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "reporting": agent.reporting,
        "employeeRefId": agent.id,
        "mediaServerRefId": server.id if server else None,
        "mediaType": media.name,
        "mediaServerType": NODE_TYPES.get(media, "Unknown") if server else "Unknown",
        "currentState": world.activity(agent).value,
        "enteredStateOn": dotnet_datetime(agent.entered_state_on),
        "reason": agent.presence_reason,
        "photoUrl": None,
        "openMediaSlots": max(0, agent.max_concurrent - len(items)) if agent.can_take(MediaType.OpenMedia) else 0,
        "acdConversationsToday": acd,
        "nonAcdConversationsToday": day.non_acd,
        "presentInAgentGroups": [g.id for g in world.groups_of(agent) if g.id not in agent.absent_from_groups],
        "occupiedDurationToday": spent(*OCCUPIED),
        "acdDurationToday": spent(Activity.ACD),
        "doNotDisturbDurationToday": spent(Activity.DND),
        "holdAcdDurationToday": spent(Activity.HOLD_ACD),
        "holdNonAcdDurationToday": spent(Activity.HOLD_NON_ACD),
        "holdOutboundDurationToday": spent(Activity.HOLD_OUTBOUND),
        "makeBusyDurationToday": spent(Activity.MAKE_BUSY),
        "nonAcdDurationToday": spent(Activity.NON_ACD),
        "outboundDurationToday": spent(Activity.OUTBOUND),
        "workTimerDurationToday": spent(Activity.WORK_TIMER),
        "averageAnsweredDurationToday": dotnet_timespan(acd_seconds / acd if acd else 0),
        "loggedInDurationToday": dotnet_timespan(logged_in),
        "lastLoginTime": dotnet_datetime(agent.last_login),
        "lastLogoffTime": dotnet_datetime(agent.last_logout),
        "loggedInNotPresentDurationToday": spent(Activity.NOT_PRESENT),
        "externalAnswerDurationToday": dotnet_timespan(0),  # agents of the world never answer off-site
        "workloadLimit": agent.max_concurrent,
        "currentActive": sum(1 for i in items if i.state in (ConversationState.Acd, ConversationState.Held)),
        "currentWorktimer": round(day.in_state(now)) if day.activity is Activity.WORK_TIMER else 0,
        "averageTime": dotnet_timespan((acd_seconds + day.duration(Activity.WORK_TIMER, now)) / acd if acd else 0),
        "totalAcdDuration": dotnet_timespan(acd_seconds),
        "totalNonAcdDuration": spent(Activity.NON_ACD, Activity.HOLD_NON_ACD),
        "unavailablePercentToday": round(100.0 * day.total(UNAVAILABLE, now) / logged_in, 2) if logged_in else 0.0,
        "outboundConversationsToday": day.outbound,
        "externalOutboundConversationsToday": day.external_outbound,
        "externalInboundConversationsToday": day.external_inbound,
        "availableState": agent.presence.name,
        "coacherDN": None,  # the world has no coaching
        "isSilentMonitored": False,  # nor silent monitoring
    }


def agent_group_to_wire(world: World, group: AgentGroup, call: Call) -> dict[str, Any]:
    media = {m for member in group.members if member in world.employees
             for m in world.employees[member].ready_media}
    voice = world.media_server_for(MediaType.Voice)
    return {
        "_links": {"self": {"href": call.url_for(f"/agentgroups/{group.id}")},
                   "members": {"href": call.url_for(f"/agentgroups/{group.id}/members")}},
        "_embedded": None,
        "id": group.id,
        "name": group.name,
        "reporting": group.reporting,
        "isVoiceEnabled": MediaType.Voice in media,
        "isEmailEnabled": MediaType.Email in media,
        "isChatEnabled": MediaType.Chat in media,
        "isSmsEnabled": MediaType.Sms in media,
        "isOpenMediaEnabled": MediaType.OpenMedia in media,
        "voiceMediaServerRefId": voice.id if voice and MediaType.Voice in media else None,
    }


def _agents(world: World) -> list[Employee]:
    return [e for e in world.employees.values() if e.is_agent]


def agent(world: World, ref: str) -> Employee:
    employee = world.employee(ref)
    if not employee.is_agent:
        raise ApiError(404, f"{ref!r} is an employee without an agent.")
    return employee


def get_agents(call: Call) -> dict[str, Any]:
    return listing(call, "/agents", agent_to_wire, _agents(call.world))


def get_agent_states(call: Call) -> dict[str, Any]:
    return listing(call, "/agents/states", agent_state_to_wire, _agents(call.world))


def get_agent(call: Call) -> dict[str, Any]:
    return agent_to_wire(call.world, agent(call.world, call.path["id"]), call)


def get_agent_state(call: Call) -> dict[str, Any]:
    return agent_state_to_wire(call.world, agent(call.world, call.path["id"]), call)


def get_agent_groups(call: Call) -> dict[str, Any]:
    return listing(call, "/agentgroups", agent_group_to_wire, call.world.agent_groups.values())


def get_agent_group(call: Call) -> dict[str, Any]:
    return agent_group_to_wire(call.world, call.world.agent_group(call.path["id"]), call)


def _members(world: World, group: AgentGroup) -> list[Employee]:
    return [world.employees[m] for m in group.members if m in world.employees]


def get_agent_group_states(call: Call) -> dict[str, Any]:
    group = call.world.agent_group(call.path["id"])
    return listing(call, f"/agentgroups/{group.id}/states", agent_state_to_wire, _members(call.world, group))


def get_agent_group_members(call: Call) -> dict[str, Any]:
    group = call.world.agent_group(call.path["id"])
    return listing(call, f"/agentgroups/{group.id}/members", agent_to_wire, _members(call.world, group))


def get_licences(call: Call) -> dict[str, Any]:
    world: World = call.world
    logged_in = [a for a in _agents(world) if a.logged_in]
    voice = sum(1 for a in logged_in if MediaType.Voice in a.ready_media)
    licences = world.catalog.config.licences  # the site's licences (world file: catalog.licences)
    multimedia = world.catalog.multimedia_agents()
    blocked = [world.employees[i] for i in sorted(world.catalog.unlicensed_agents()) if world.employees[i].logged_in]
    return {
        "activeVoiceAgents": voice,
        "maximumVoiceAgents": licences.voice,
        "activeMultimediaAgents": min(len(multimedia), licences.multimedia),
        "maximumMultimediaAgents": licences.multimedia,
        "blockedVoiceAgents": "",
        "blockedMultimediaAgents": ",".join(a.reporting or a.username for a in blocked),
        "blockedEmployeeCount": len(blocked),
        "isVoiceLicenseAvailable": licences.voice > 0,
        "isMultimediaLicenseAvailable": licences.multimedia > 0,
        "inVoiceAlarmState": False,
        "inMultimediaAlarmState": len(multimedia) > licences.multimedia,
        "lastAlarmUpdate": dotnet_datetime(world.clock.now()),
    }
