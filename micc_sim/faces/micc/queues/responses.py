"""Queue tag: queues, their real-time state ("Queue Now") and the conversations waiting in them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from micc_sim.faces.micc import access
from micc_sim.faces.micc.conversations.responses import (
    any_to_wire,
    conversation_to_wire,
    find_conversation,
    interaction_to_wire,
)
from micc_sim.faces.micc.wire import Links, dotnet_datetime, dotnet_timespan, hal_collection
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.agent_day import TeamFigures
from micc_sim.world.core import World
from micc_sim.world.model import OpenMediaItem, Queue
from micc_sim.world.stats import Window, start_of_day


def queue_to_wire(world: World, queue: Queue, call: Call) -> dict[str, Any]:
    server = world.media_servers.get(queue.media_server_id or "")
    return {
        "_links": {"self": {"href": call.url_for(f"/queues/{queue.id}")},
                   "state": {"href": call.url_for(f"/queues/{queue.id}/state")}},
        "_embedded": None,
        "id": queue.id,
        "name": queue.name,
        "reporting": queue.reporting,
        "mediaType": queue.media_type.name,
        "mediaServerRefId": queue.media_server_id,
        "mediaServer": server.name if server else None,
        "members": [{"id": g.id, "name": g.name, "reporting": g.reporting, "type": "AgentGroup"}
                    for g in (world.agent_groups[i] for i in queue.agent_group_ids)],
        "dialable": queue.reporting,
        "serviceLevel": dotnet_timespan(queue.service_level_seconds),
        "isRealTime": True,
        "isClassificationCodeEnabled": False,
        "generateStatsDuringBusinessHoursOnly": False,
        "businessHoursRefId": None,  # queues of the world are open around the clock: no business hours
        "businessSchedule": None,
    }


@lru_cache(maxsize=1024)
def _window(suffix: str, w: Window) -> dict[str, Any]:
    """A window's fields (equal windows give equal fields: a queue's windows change only with its log)."""
    return {
        f"offeredConversations{suffix}": w.offered,
        f"answeredConversations{suffix}": w.answered,
        f"abandonedConversations{suffix}": w.abandoned,
        f"answeredConversationsPercentage{suffix}": w.percentage(w.answered),
        f"abandonedConversationsPercentage{suffix}": w.percentage(w.abandoned),
        f"answeredConversationsAverageDuration{suffix}": dotnet_timespan(w.average_answer_seconds),
        f"conversationAverageDuration{suffix}": dotnet_timespan(w.average_handle_seconds),
        f"serviceLevelPercentage{suffix}": w.service_level,
        f"interflowedConversations{suffix}": 0,
    }


@lru_cache(maxsize=8)
def _day_start(at: datetime) -> datetime:
    """The midnight ``at`` is in (every queue of a list asks for the same instant's)."""
    return start_of_day(at)


@lru_cache(maxsize=1024)
def _team(f: TeamFigures) -> dict[str, Any]:
    """The members' figures summed: their logged-in, make-busy and work-timer time today, and how many were
    unavailable lately."""
    return {
        "agentLoggedInTotalDurationToday": dotnet_timespan(f.logged_in),
        "makeBusyTotalDurationToday": dotnet_timespan(f.make_busy),
        "workTimerTotalDurationToday": dotnet_timespan(f.work_timer),
        "agentsUnavailableInTheLastHour": f.unavailable_last_hour,
        "agentsUnavailableInTheLast15Minutes": f.unavailable_last_15_minutes,
    }


@lru_cache(maxsize=1024)
def _by_group(counts: tuple[int, ...], answered: int) -> dict[str, Any]:
    """Answers today by the first four of the queue's agent groups (primary first), and their share."""
    fields: dict[str, Any] = {}
    for n in range(1, 5):
        by_group = counts[n - 1] if n <= len(counts) else 0
        fields[f"answeredConversationsByAgentGroup{n}Today"] = by_group
        fields[f"answeredConversationsPercentageByAgentGroup{n}Today"] = (
            round(100.0 * by_group / answered, 2) if answered else 0.0)
    return fields


def queue_state_to_wire(world: World, queue: Queue, links: Links, at: datetime | None = None) -> dict[str, Any]:
    """The queue's state (Queue Now) at ``at`` (default: now)."""
    now = world.queue_now(queue, at)
    day_start = _day_start(now.at)
    now_day = world.members_day(queue, day_start)
    server = world.media_servers.get(queue.media_server_id or "")
    state: dict[str, Any] = {
        "_links": {"self": {"href": links.url_for(f"/queues/{queue.id}/state")},
                   "queue": {"href": links.url_for(f"/queues/{queue.id}")}},
        "_embedded": None,
        "id": queue.id,
        "name": queue.name,
        "reporting": queue.reporting,
        "isGroup": False,
        "mediaType": queue.media_type.name,
        "waitingConversations": now.waiting,
        "longestWaitingConversationDuration": dotnet_timespan(now.longest_waiting_seconds),
        "longestWaitingStartedTime": dotnet_datetime(now.longest_waiting_since),
        "longestWaitingStartedTimeMediaServerId": server.id if server and now.waiting else None,
        "agentsAvailable": now.agents_available,
        "agentsIdle": now.agents_idle,
        "agentsUnavailable": now.agents_unavailable,
        "agentsOnAcdConversations": now.agents_on_acd,
        "agentsOnNonAcdConversations": now_day.on_non_acd,
        "agentsOnOutboundConversations": now_day.on_outbound,
        "estimatedWaitTimeForNewConversations": dotnet_timespan(now.estimated_wait_seconds),
        "isInDoNotDisturb": world.offline_reason(queue) is not None,
        "requeuedConversationsToday": now.requeued_today,
        "transfersToUnavailableQueue": now.transfers_to_unavailable,
        "transfersToUnavailableQueueTotalToday": sum(queue.transfers_to_unavailable_today.today(day_start)),
        "abandonedConversationsAverageDurationToday": dotnet_timespan(now.today.average_abandon_seconds),
        "conversationTotalDurationToday": dotnet_timespan(now.today.average_handle_seconds * now.today.handled),
        "serviceLevelGoalPercentage": queue.service_level_goal,
        "timeOfLastReceivedUpdate": dotnet_datetime(now.at),
    }
    state.update(_team(now_day.at(now.at)))
    state.update(_by_group(queue.answered_by_group.today(day_start), now.today.answered))
    state.update(_window("Today", now.today))
    state.update(_window("InTheLastHour", now.last_hour))
    state.update(_window("InTheLast15Minutes", now.last_15_minutes))
    return state


def get_queues(call: Call) -> dict[str, Any]:
    world: World = call.world
    return hal_collection((queue_to_wire(world, q, call) for q in world.queues.values()),
                          call.url_for("/queues"))


def get_queue_states(call: Call) -> dict[str, Any]:
    world: World = call.world
    at = world.clock.now()  # every queue as it is at one instant
    return hal_collection((queue_state_to_wire(world, q, call, at) for q in _visible_queues(call)),
                          call.url_for(call.operation.path))  # /queues/states, or the wallboards' /queues/state


def _visible_queues(call: Call) -> list[Queue]:
    """"My queues": an agent sees the queues of their groups; supervisors, admins and clients see all."""
    me = access.caller(call)
    world: World = call.world
    if me is not None and me.role.value == "agent":
        return world.queues_of(me)
    return list(world.queues.values())


def get_queue(call: Call) -> dict[str, Any]:
    return queue_to_wire(call.world, call.world.queue(call.path["id"]), call)


def get_queue_state(call: Call) -> dict[str, Any]:
    return queue_state_to_wire(call.world, call.world.queue(call.path["id"]), call)


def get_waiting_conversations(call: Call) -> dict[str, Any]:
    world: World = call.world
    queue = world.queue(call.path["id"])
    items = [world.items[i] for i in queue.waiting]
    return hal_collection([*(conversation_to_wire(world, i, call) for i in items),
                           *(interaction_to_wire(world, i, call) for i in world.sessions.waiting_in(queue))],
                          call.url_for(f"/queues/{quote(queue.id)}/conversations"))


def get_waiting_conversation(call: Call) -> dict[str, Any]:
    world: World = call.world
    queue = world.queue(call.path["id"])
    found = find_conversation(world, call.path["conversationId"])  # an open media item, a call, a chat, ...
    waiting = (found.id in queue.waiting if isinstance(found, OpenMediaItem)
               else found in world.sessions.waiting_in(queue))
    if not waiting:
        raise ApiError(404, f"The conversation '{found.id}' is not waiting in queue '{queue.name}'.")
    return any_to_wire(world, found, call)


def update_waiting_conversations(call: Call) -> str:
    """Supervisor actions on waiting items: Transfer (to a queue or an employee), Pick (for oneself),
    End (abandon). Email-only actions (Junk, NoReply) are refused for open media."""
    from micc_sim.faces.micc.employees.actions import apply_action

    world: World = call.world
    queue = world.queue(call.path["id"])
    updates = call.body if isinstance(call.body, list) else [call.body or {}]
    for update in updates:
        item = world.item(call.path.get("conversationId") or update.get("id") or "")
        if item.id not in queue.waiting:
            raise ApiError(404, f"The conversation '{item.id}' is not waiting in queue '{queue.name}'.")
        apply_action(call, item, update, agent=access.caller(call))
    return "OK"


def empty_collection(self_path: str):
    """A stateful answer for collections the world has nothing for (e.g. queue groups)."""
    return lambda call: hal_collection([], call.url_for(self_path))
