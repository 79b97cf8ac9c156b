"""Queue tag, queue groups: the groups of the world's catalog, their member queues, their summed real-time state
(Queue Now with ``isGroup`` true) and the conversations waiting in any member queue; and deleting a queue,
which the server refuses while conversations wait in it."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.conversations.responses import conversation_to_wire, interaction_to_wire
from micc_sim.faces.micc.queues.responses import _by_group, _team, _window, queue_to_wire
from micc_sim.faces.micc.wire import Links, dotnet_datetime, dotnet_timespan, listing, path_segment
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.catalog import QueueGroup
from micc_sim.world.core import NotFound, World
from micc_sim.world.queue_groups import group_now
from micc_sim.world.stats import start_of_day


def group_state_to_wire(world: World, group: QueueGroup, links: Links, at: Any = None) -> dict[str, Any]:
    now = group_now(world, group, at or world.clock.now())
    media = {world.queues[q].media_type.name for q in group.queue_ids if q in world.queues}
    base = f"/queuegroups/{path_segment(group.id)}"
    state: dict[str, Any] = {
        "_links": {"self": {"href": links.url_for(f"{base}/state")},
                   "members": {"href": links.url_for(f"{base}/members")}},
        "_embedded": None,
        "id": group.id,
        "name": group.name,
        "reporting": group.reporting,
        "isGroup": True,
        "mediaType": media.pop() if len(media) == 1 else "Unknown",
        "waitingConversations": now.waiting,
        "longestWaitingConversationDuration": dotnet_timespan(now.longest_waiting_seconds),
        "longestWaitingStartedTime": dotnet_datetime(now.longest_waiting_since),
        "longestWaitingStartedTimeMediaServerId": None,
        "agentsAvailable": now.agents_available,
        "agentsIdle": now.agents_idle,
        "agentsUnavailable": now.agents_unavailable,
        "agentsOnAcdConversations": now.agents_on_acd,
        "agentsOnNonAcdConversations": 0,
        "agentsOnOutboundConversations": 0,
        "estimatedWaitTimeForNewConversations": dotnet_timespan(now.estimated_wait_seconds),
        "isInDoNotDisturb": all(world.offline_reason(world.queues[q]) is not None
                                for q in group.queue_ids if q in world.queues) and bool(group.queue_ids),
        "requeuedConversationsToday": now.requeued_today,
        "transfersToUnavailableQueue": now.transfers_to_unavailable,
        "transfersToUnavailableQueueTotalToday": now.transfers_to_unavailable,
        "abandonedConversationsAverageDurationToday": dotnet_timespan(0),
        "conversationTotalDurationToday": dotnet_timespan(now.today.average_handle_seconds * now.today.handled),
        "serviceLevelGoalPercentage": 80,
        "timeOfLastReceivedUpdate": dotnet_datetime(now.at),
    }
    state.update(_team_and_groups(world, [world.queues[q] for q in group.queue_ids if q in world.queues],
                                  now.at, now.today.answered))
    state.update(_window("Today", now.today))
    state.update(_window("InTheLastHour", now.last_hour))
    state.update(_window("InTheLast15Minutes", now.last_15_minutes))
    return state


def _team_and_groups(world: World, queues: list[Any], at: Any, answered: int) -> dict[str, Any]:
    """The member queues' agents' figures today (each agent once, however many member queues they serve) and
    answers by the queues' first four agent groups, position by position."""
    agents = list({a.id: a for q in queues for a in world.members(q)}.values())
    day_start = start_of_day(at)
    by_position = [0, 0, 0, 0]
    for queue in queues:
        for n, count in enumerate(queue.answered_by_group.today(day_start)[:4]):
            by_position[n] += count
    return {**_team(world.days.team(agents).at(at)), **_by_group(tuple(by_position), answered)}


def get_group_states(call: Call) -> dict[str, Any]:
    world: World = call.world
    at = world.clock.now()
    return listing(call, "/queuegroups/states", lambda w, g, c: group_state_to_wire(w, g, c, at),
                   world.catalog.queue_groups.values())


def get_group_state(call: Call) -> dict[str, Any]:
    world: World = call.world
    return group_state_to_wire(world, world.catalog.queue_group(call.path["id"]), call)


def get_group_members(call: Call) -> dict[str, Any]:
    world: World = call.world
    group = world.catalog.queue_group(call.path["id"])
    return listing(call, f"/queuegroups/{path_segment(group.id)}/members", queue_to_wire,
                   [world.queues[q] for q in group.queue_ids if q in world.queues])


def get_group_conversation(call: Call) -> dict[str, Any]:
    world: World = call.world
    group = world.catalog.queue_group(call.path["qid"])
    wanted = call.path["cid"].lower()
    for queue_id in group.queue_ids:
        queue = world.queues.get(queue_id)
        if queue is None:
            continue
        for item_id in queue.waiting:
            if item_id.lower() == wanted:
                return conversation_to_wire(world, world.items[item_id], call)
        for it in world.sessions.waiting_in(queue):
            if it.id.lower() == wanted:
                return interaction_to_wire(world, it, call)
    raise NotFound(f"conversation {call.path['cid']!r} is not waiting in queue group {group.name!r}")


def delete_queue(call: Call) -> str:
    world: World = call.world
    queue = world.queue(call.path["id"])
    waiting = len(queue.waiting) + len(world.sessions.waiting.get(queue.id, []))
    if waiting:
        raise ApiError(409, f"The queue '{queue.name}' cannot be deleted: {waiting} conversation(s) are waiting "
                            "in it.")
    world.delete_queue(queue)
    return "OK"


HANDLERS = {
    "Queue_GetGroupStates": get_group_states,
    "Queue_GetGroupState": get_group_state,
    "Queue_GetQueueGroupMembers": get_group_members,
    "Queue_GetGroupConversation": get_group_conversation,
    "Queue_DeleteQueue": delete_queue,
}
