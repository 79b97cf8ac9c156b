"""Agents tag: agents (an employee's ACD identity), their real-time states, agent groups and licences."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime, listing
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World
from micc_sim.world.model import AgentGroup, ConversationState, Employee, MediaType

MULTIMEDIA = (MediaType.OpenMedia, MediaType.Chat, MediaType.Email, MediaType.Sms)


def agent_to_wire(world: World, agent: Employee, call: Call) -> dict[str, Any]:
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
        "isHotDesking": True,
        "isSip": False,
    }


def _media(agent: Employee) -> MediaType:
    return MediaType.Voice if MediaType.Voice in agent.ready_media else MediaType.OpenMedia


def agent_state_to_wire(world: World, agent: Employee, call: Call) -> dict[str, Any]:
    items = [world.items[i] for i in agent.active_items if i in world.items]
    return {
        "_links": {"self": {"href": call.url_for(f"/agents/{agent.id}/state")}},
        "_embedded": None,
        "id": agent.id,
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "reporting": agent.reporting,
        "employeeRefId": agent.id,
        "mediaType": _media(agent).name,
        "currentState": world.activity(agent).value,
        "enteredStateOn": dotnet_datetime(agent.entered_state_on),
        "reason": agent.presence_reason,
        "openMediaSlots": max(0, agent.max_concurrent - len(items)) if agent.can_take(MediaType.OpenMedia) else 0,
        "acdConversationsToday": sum(agent.handled_today.values()),
        "nonAcdConversationsToday": 0,
        "presentInAgentGroups": [g.id for g in world.groups_of(agent) if g.id not in agent.absent_from_groups],
        "lastLoginTime": dotnet_datetime(agent.first_login_today),
        "lastLogoffTime": dotnet_datetime(agent.last_logout_today),
        "workloadLimit": agent.max_concurrent,
        "currentActive": sum(1 for i in items if i.state in (ConversationState.Acd, ConversationState.Held)),
        "availableState": agent.presence.name,
    }


def agent_group_to_wire(world: World, group: AgentGroup, call: Call) -> dict[str, Any]:
    media = {m for member in group.members if member in world.employees
             for m in world.employees[member].ready_media}
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
