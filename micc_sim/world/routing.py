"""ACD decisions: where a new item goes, whether a queue is online, which agent gets an offer.

Pure functions over the world's entities, so the router's decisions can be tested without a
server or a clock. The world (``core.py``) applies the decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from micc_sim.world.model import (
    AgentGroup,
    Employee,
    FailedRouteReason,
    MediaServer,
    MediaType,
    OpenMediaItem,
    Queue,
)
from micc_sim.world.quirks import Quirks


@dataclass(frozen=True)
class Destination:
    """The routing decision for a new item: a queue, or a failure with its reason."""

    queue: Queue | None
    swallowed: bool = False
    failed_reason: FailedRouteReason = FailedRouteReason.None_
    via_failure_destination: bool = False
    unavailable_queue: Queue | None = None  # the offline queue that sent it elsewhere

    def __init__(self, queue: Queue | None, swallowed: bool = False,
                 failed_reason: FailedRouteReason = FailedRouteReason.None_, via_failure_destination: bool = False,
                 unavailable_queue: Queue | None = None) -> None:
        # every item posted gets one: filling __dict__ costs a fraction of five frozen __setattr__ calls
        self.__dict__.update(queue=queue, swallowed=swallowed, failed_reason=failed_reason,
                             via_failure_destination=via_failure_destination, unavailable_queue=unavailable_queue)


def find_queue(queues: Iterable[Queue], ref: str) -> Queue | None:
    """A queue by GUID, name (any case) or reporting number, as the Open Media ``queue`` field allows."""
    wanted = ref.strip().lower()
    for queue in queues:
        if wanted in (queue.id.lower(), queue.name.lower(), queue.reporting.lower()):
            return queue
    return None


def queue_members(queue: Queue, groups: Mapping[str, AgentGroup],
                  employees: Mapping[str, Employee]) -> list[Employee]:
    """Agents of the queue's agent groups who are present in them, primary group first, each once."""
    seen: dict[str, Employee] = {}
    for group_id in queue.agent_group_ids:
        group = groups.get(group_id)
        for member in group.members if group else ():
            if member in employees and member not in seen and group_id not in employees[member].absent_from_groups:
                seen[member] = employees[member]
    return list(seen.values())


def offline_reason(queue: Queue, members: list[Employee]) -> str | None:
    """Why the integrator guide would call this queue offline, or None when it is online."""
    if not queue.agent_group_ids:
        return "no agent group is assigned to the queue"
    if not members:
        return "the queue's agent groups have no members"
    if not any(agent.available_for(queue.media_type) for agent in members):
        return (f"no agent of the queue's agent groups is logged in, available and ready for "
                f"{queue.media_type.name}")
    return None


def choose_destination(
    item: OpenMediaItem,
    server: MediaServer | None,
    queues: list[Queue],
    is_offline: Callable[[Queue], bool],
    quirks: Quirks,
) -> Destination:
    """Apply the media server's inbound workflow to a new item.

    The queue named by the item (or else the server's default destination) is tried first; an
    unknown queue, or an offline one when that quirk is on, falls to the server's routing-failure
    destination, the last resort, taken as it is; without one the item fails.
    """
    wanted: Queue | None = None
    reason = FailedRouteReason.None_
    unavailable: Queue | None = None
    if item.requested_queue:
        wanted = find_queue(queues, item.requested_queue)
        if wanted is None:
            reason = FailedRouteReason.QueueNotFound
    elif server and server.default_queue_id:
        wanted = _by_id(queues, server.default_queue_id)
    if wanted is None and reason is FailedRouteReason.None_:
        reason = FailedRouteReason.NoDestination
    if wanted is not None and wanted.media_type is not MediaType.OpenMedia:
        wanted, reason = None, FailedRouteReason.QueueNotFound
    if wanted is not None and quirks.queue_offline_without_available_agents and is_offline(wanted):
        unavailable, wanted, reason = wanted, None, FailedRouteReason.QueueOffline
    if wanted is not None:
        return Destination(wanted, swallowed=swallows(wanted, quirks))
    fallback = _by_id(queues, server.routing_failure_queue_id) if server else None
    if fallback is not None and quirks.routing_failure_destination:
        return Destination(fallback, swallowed=swallows(fallback, quirks), via_failure_destination=True,
                           unavailable_queue=unavailable)
    return Destination(None, failed_reason=reason, unavailable_queue=unavailable)


def _by_id(queues: list[Queue], queue_id: str | None) -> Queue | None:
    return next((q for q in queues if q.id == queue_id), None) if queue_id else None


def swallows(queue: Queue, quirks: Quirks) -> bool:
    """Whether an unvalidated workflow holds items sent to this queue (the quirk)."""
    return quirks.unvalidated_workflow_swallows_items and not queue.workflow_validated


def pick_agent(item: OpenMediaItem, members: list[Employee]) -> Employee | None:
    """The agent to offer to, among those ready for open media with free workload.

    Least loaded first, then longest idle, then the order of ``members`` (primary group first).
    Agents whose offer of this item already timed out are passed over. (The rule as stated; the world
    keeps each queue's agents in this order instead of searching them: ``micc_sim.world.ready``.)
    """
    candidates = [m for m in members if m.can_take(MediaType.OpenMedia) and m.id not in item.declined_by]
    if not candidates:
        return None
    never = datetime.min.replace(tzinfo=None)

    def idle_key(agent: Employee) -> datetime:
        since = agent.idle_since
        return since.replace(tzinfo=None) if since else never

    return min(candidates, key=lambda a: (len(a.active_items), idle_key(a)))  # min keeps the first of equals
