"""The World: the one simulated contact center every face reads and changes.

Commands (``post_open_media``, ``complete_open_media``, ``set_employee_state``, ...) change
entities only through the lifecycle table, publish a domain event per change, and then let the
router offer waiting items to free agents. Everything runs on one event loop, so a command is
atomic with respect to every other: an accepted item is always in exactly one state.
"""

from __future__ import annotations

import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import Any

from micc_sim.world import routing
from micc_sim.world.agents import VirtualAgents, agent_profiles
from micc_sim.world.clock import Clock
from micc_sim.world.config import WorldConfig, stable_id
from micc_sim.world.events import EmployeeStateChanged, Event, EventBus, OpenMediaChanged
from micc_sim.world.lifecycle import Action, next_state
from micc_sim.world.model import (
    STATE_NAMES,
    AgentGroup,
    ConversationState,
    Employee,
    FailedRouteReason,
    MediaServer,
    MediaType,
    OpenMediaItem,
    PresenceAvailability,
    Queue,
    ReasonCode,
    Site,
)
from micc_sim.world.queue_log import QueueEventKind
from micc_sim.world.quirks import Quirks
from micc_sim.world.ready import ReadyAgents
from micc_sim.world.sessions import Sessions
from micc_sim.world.stats import AgentActivity, QueueNow, Staffing, agent_activity, queue_now, staffing


class WorldError(Exception):
    """A command the world refuses; faces render it in their own error shape."""


class NotFound(WorldError):
    pass


class Conflict(WorldError):
    pass


@dataclass
class OpenMediaRequest:
    """What an integration may say about a new open-media item (MiCC SDK reference, OpenMedia POST)."""

    id: str | None = None
    queue: str | None = None
    target_uri: str | None = None
    target_uri_embedded: bool = False
    preview_url: str | None = None
    history_url: str | None = None
    from_: str | None = None
    to: str | None = None
    subject: str | None = None
    tenant: str | None = None
    variable_data: dict[str, object] | None = None


class World:
    def __init__(self, config: WorldConfig, clock: Clock, bus: EventBus | None = None,
                 quirks: Quirks | None = None, seed: int = 0) -> None:
        self.config = config
        self.clock = clock
        self.bus = bus or EventBus()
        self.quirks = quirks or Quirks()
        self._ids = Random(seed)
        self.site = Site(config.site.id or stable_id("site", config.site.name), config.site.name)
        self.employees: dict[str, Employee] = {}
        self.agent_groups: dict[str, AgentGroup] = {}
        self.queues: dict[str, Queue] = {}
        self.media_servers: dict[str, MediaServer] = {}
        self.reason_codes: dict[str, ReasonCode] = {}
        self._cache: dict[object, Any] = {}  # derived values, dropped on every change
        self._agent_cache: dict[object, Any] = {}  # derived from the configuration, agents and groups alone: items
        # moving keep them
        self._ready: dict[str, ReadyAgents] = {}  # queue id -> its agents as routing orders them (agent-derived)
        self._listen()
        self.items: dict[str, OpenMediaItem] = {}
        self._folded_ids: dict[str, str] = {}  # lower-cased id -> id, for lookups in any case
        self._ended: deque[str] = deque()
        self._queue_seq = 0  # the last arrival number given to an item entering a queue
        self._waiting_in: set[str] | None = None  # ids of queues items may wait in (None: look at them all)
        self.history_limit = config.routing.history_limit
        self.ended_counts: Counter[ConversationState] = Counter()
        self._build(config)
        self.agents = VirtualAgents(self, clock, agent_profiles(config.agent_profiles),
                                    config.routing.offer_timeout, seed)
        self.sessions = Sessions(self, config.interactions)  # calls, chats, e-mails and SMS

    # -- construction ------------------------------------------------------------------------
    def _build(self, config: WorldConfig) -> None:
        now = self.clock.now()
        for e in config.employees:
            emp = Employee(
                id=e.id or stable_id("employee", e.username), username=e.username, password=e.password,
                first_name=e.first_name, last_name=e.last_name, role=e.role, reporting=e.reporting,
                extension=e.extension, logged_in=e.logged_in, presence=e.presence,
                ready_media=set(e.ready_media), max_concurrent=e.max_concurrent, profile=e.profile,
                idle_since=now if e.logged_in else None, entered_state_on=now,
                first_login_today=now if e.logged_in else None,
            )
            self.employees[emp.id] = emp
        for g in config.agent_groups:
            members = [self.employee(m).id for m in g.members]
            group = AgentGroup(g.id or stable_id("agentgroup", g.name), g.name, g.reporting, members)
            self.agent_groups[group.id] = group
        groups_by_name = {g.name.lower(): g.id for g in self.agent_groups.values()}
        server_ids = {m.name.lower(): m.id or stable_id("mediaserver", m.name) for m in config.media_servers}
        for q in config.queues:
            queue = Queue(
                id=q.id or stable_id("queue", q.name), name=q.name, reporting=q.reporting,
                media_type=q.media_type,
                media_server_id=server_ids.get(q.media_server.lower()) if q.media_server else None,
                agent_group_ids=[groups_by_name[n.lower()] for n in q.agent_groups],
                workflow_validated=q.workflow_validated, service_level_seconds=q.service_level_seconds,
            )
            queue.log.service_level_seconds = queue.service_level_seconds
            self.queues[queue.id] = queue
        for r in config.reason_codes:
            code = ReasonCode(r.id or stable_id("reasoncode", r.name), r.name, r.code, r.kind)
            self.reason_codes[code.id] = code
        for m in config.media_servers:
            default = routing.find_queue(self.queues.values(), m.default_queue) if m.default_queue else None
            failure = (routing.find_queue(self.queues.values(), m.routing_failure_queue)
                       if m.routing_failure_queue else None)
            server = MediaServer(server_ids[m.name.lower()], m.name, m.media_type,
                                 default.id if default else None, failure.id if failure else None)
            self.media_servers[server.id] = server

    # -- lookups -----------------------------------------------------------------------------
    def employee(self, ref: str) -> Employee:
        """An employee by id, username (any case) or agent reporting number."""
        wanted = ref.lower()
        if ref in self.employees:
            return self.employees[ref]
        for emp in self.employees.values():
            if wanted in (emp.id.lower(), emp.username.lower(), (emp.reporting or "").lower()):
                return emp
        raise NotFound(f"employee {ref!r} not found")

    def find_employee_by_login(self, username: str, password: str) -> Employee | None:
        for emp in self.employees.values():
            if emp.username.lower() == username.lower() and emp.password == password:
                return emp
        return None

    def queue(self, ref: str) -> Queue:
        queue = routing.find_queue(self.queues.values(), ref)
        if queue is None:
            raise NotFound(f"queue {ref!r} not found")
        return queue

    def open_media_server(self) -> MediaServer | None:
        return self._cached("open_media_server", lambda: next(
            (m for m in self.media_servers.values() if m.media_type is MediaType.OpenMedia), None), self._agent_cache)

    def open_media_queues(self) -> list[Queue]:
        return self._cached("open_media_queues", lambda: [
            q for q in self.queues.values() if q.media_type is MediaType.OpenMedia], self._agent_cache)

    def members(self, queue: Queue) -> list[Employee]:
        """Agents of the queue's groups who are present in them (primary group first)."""
        return self._cached(("members", queue.id),
                            lambda: routing.queue_members(queue, self.agent_groups, self.employees),
                            self._agent_cache)

    def ready_agents(self, queue: Queue) -> ReadyAgents:
        """Members logged in, Available and ready for open media, ordered as the router offers to them."""
        pool = self._ready.get(queue.id)
        if pool is None:
            ready = [m for m in self.members(queue) if m.available_for(MediaType.OpenMedia)]
            pool = self._ready[queue.id] = ReadyAgents(ready, MediaType.OpenMedia)
        return pool

    def agent_group(self, ref: str) -> AgentGroup:
        wanted = ref.lower()
        for group in self.agent_groups.values():
            if wanted in (group.id.lower(), group.name.lower(), group.reporting.lower()):
                return group
        raise NotFound(f"agent group {ref!r} not found")

    def groups_of(self, employee: Employee) -> list[AgentGroup]:
        return [g for g in self.agent_groups.values() if employee.id in g.members]

    def queues_of(self, employee: Employee) -> list[Queue]:
        groups = {g.id for g in self.groups_of(employee)}
        return [q for q in self.queues.values() if groups & set(q.agent_group_ids)]

    def reason_code(self, ref: str) -> ReasonCode:
        wanted = ref.lower()
        for code in self.reason_codes.values():
            if wanted in (code.id.lower(), code.name.lower(), code.code.lower()):
                return code
        raise NotFound(f"reason code {ref!r} not found")

    def offline_reason(self, queue: Queue) -> str | None:
        return self._cached(("offline", queue.id), lambda: routing.offline_reason(queue, self.members(queue)),
                            self._agent_cache)

    def item(self, item_id: str) -> OpenMediaItem:
        """An item by id in any case (IIS and the SDK treat ids case-insensitively)."""
        item = self.items.get(item_id) or self.items.get(self._folded_ids.get(item_id.lower(), ""))
        if item is None:
            raise NotFound(f"open media item {item_id!r} not found")
        return item

    def live_items(self) -> list[OpenMediaItem]:
        return [i for i in self.items.values() if i.live]

    def position(self, item: OpenMediaItem) -> int:
        """1-based position among the items waiting in its queue; 0 when not waiting."""
        if item.state is not ConversationState.InQueue or item.swallowed or item.queue_id is None:
            return 0
        return self.queues[item.queue_id].waiting.index(item.id) + 1

    def activity(self, employee: Employee) -> AgentActivity:
        return agent_activity(employee, [self.items[i].state for i in employee.active_items if i in self.items]
                              + self.sessions.conversation_states(employee))

    def queue_now(self, queue: Queue, at: datetime | None = None) -> QueueNow:
        """The queue's Queue Now at ``at`` (default: now; one instant for a list of queues)."""
        others = self.sessions.waiting_since(queue)  # calls, chats, e-mails and SMS waiting in it
        heads = [self.items[queue.waiting[0]].time_offered_to_queue] if queue.waiting else []
        return queue_now(at or self.clock.now(), len(queue.waiting) + len(others), min(heads + others, default=None),
                         self._staffing(queue), queue.log,
                         queue.stats.transfers_to_unavailable)

    def _staffing(self, queue: Queue) -> Staffing:
        on_acd = self._cached("on_acd", lambda: {
            e.id for e in self.employees.values()
            if any(self.items[i].state in (ConversationState.Acd, ConversationState.Held)
                   for i in e.active_items if i in self.items)}
            | self.sessions.agents_on_acd())
        return self._cached(("staffing", queue.id),
                            lambda: staffing(queue.media_type, self.members(queue), on_acd))

    def _cached(self, key: object, compute: Callable[[], Any], cache: dict[object, Any] | None = None) -> Any:
        """A value derived from the world's state, kept until the next change (the bus says when)."""
        cache = self._cache if cache is None else cache
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def _listen(self) -> None:
        """Hear every change on the bus without the bus keeping this world alive: a world that a reset or a
        restore replaced stops listening once it is gone, instead of being kept and called on every event."""
        world = weakref.ref(self)

        def changed(event: Event) -> None:
            alive = world()
            if alive is not None:
                alive._changed(event)
            elif listening:  # an event published while another was (nested) may find it gone twice
                listening.pop()()

        listening = [self.bus.subscribe(Event, changed)]

    def _changed(self, event: Event) -> None:
        """Drop what the change may have changed: an item moving leaves agents and groups as they were."""
        self._cache.clear()
        if not isinstance(event, OpenMediaChanged):
            self._agents_changed()

    def _agents_changed(self) -> None:
        self._agent_cache.clear()
        self._ready.clear()

    def state_counts(self) -> Counter[ConversationState]:
        """Items per state, ended ones included even when pruned from history."""
        counts = Counter(i.state for i in self.items.values() if i.live)
        counts.update(self.ended_counts)
        return counts

    # -- open media commands -----------------------------------------------------------------
    def post_open_media(self, request: OpenMediaRequest, posted_by: str | None = None) -> OpenMediaItem:
        """An integration posts an item: it is routed at once (queued, offered, swallowed or failed)."""
        item = self._new_item(request, posted_by)
        self._route(item, None, Action.QUEUE)
        self.dispatch()
        return item

    def start_open_media(self, request: OpenMediaRequest, agent: Employee) -> OpenMediaItem:
        """An agent starts an item themselves: offered to them, outside any queue."""
        if not agent.can_take(MediaType.OpenMedia):
            raise WorldError(f"{agent.username!r} is not logged in and ready for open media")
        item = self._new_item(request, agent.id)
        item.state = next_state(None, Action.OFFER)
        item.agent_id, item.time_offered_to_agent = agent.id, self.clock.now()
        self._take(agent, item)
        self.bus.publish(OpenMediaChanged(self.clock.now(), item, None))
        self.agents.offered(item, agent)
        return item

    def _new_item(self, request: OpenMediaRequest, posted_by: str | None) -> OpenMediaItem:
        """A new item under the request's id (any case unique among live items) or a generated one."""
        item_id = request.id or _uuid4(self._ids.getrandbits(128))
        existing = self.items.get(self._folded_ids.get(item_id.lower(), item_id))
        if existing is not None and existing.live:
            raise Conflict(f"an open media item with id {item_id!r} is already active")
        item = OpenMediaItem(
            id=item_id, state=ConversationState.Unknown, time_offered_to_system=self.clock.now(),
            requested_queue=request.queue or None, target_uri=request.target_uri,
            target_uri_embedded=request.target_uri_embedded, preview_url=request.preview_url,
            history_url=request.history_url, from_=request.from_, to=request.to, subject=request.subject,
            tenant=request.tenant, variable_data=dict(request.variable_data or {}), posted_by=posted_by,
        )
        if existing is not None:  # an ended item's id reused by the third party: a new interaction
            del self.items[existing.id]
        self.items[item.id] = item
        self._folded_ids[item.id.lower()] = item.id
        return item

    def complete_open_media(self, item_id: str) -> OpenMediaItem:
        """The integration completes an item: abandoned while queued or offered, handled once accepted."""
        item = self.item(item_id)
        self._finish(item, Action.COMPLETE)
        self.dispatch()
        return item

    def reroute_open_media(self, item_id: str) -> OpenMediaItem:
        item = self.item(item_id)
        previous = item.state
        next_state(previous, Action.REROUTE)  # raises unless the item failed
        self.ended_counts[previous] -= 1
        item.declined_by.clear()
        item.failed_reason = FailedRouteReason.None_
        item.time_ended = None
        item.agent_id = item.time_offered_to_agent = item.time_accepted = None
        self._route(item, previous, Action.REROUTE)
        self.dispatch()
        return item

    def accept_open_media(self, item_id: str, agent_id: str) -> OpenMediaItem:
        item = self.item(item_id)
        if item.agent_id != agent_id:
            raise Conflict(f"item {item_id!r} is not offered to agent {agent_id!r}")
        next_state(item.state, Action.ACCEPT)  # raises before anything changes
        item.time_accepted = self.clock.now()
        queue = self.queues.get(item.queue_id or "")
        if queue is not None:  # items an agent started have no queue
            queue.stats.answered += 1
            queue.log.record(item.time_accepted, QueueEventKind.ANSWERED,
                             _seconds(item.time_accepted, item.time_offered_to_queue))
        self._count_handled(self.employees[agent_id])
        self._move(item, Action.ACCEPT)  # observers see the counts that go with it
        self.agents.accepted(item, self.employees[agent_id])
        return item

    def end_open_media(self, item_id: str) -> OpenMediaItem:
        item = self.item(item_id)
        self._finish(item, Action.END)
        self.dispatch()
        return item

    def offer_timed_out(self, item_id: str) -> None:
        self._requeue(self.item(item_id), Action.REQUEUE)

    def _requeue(self, item: OpenMediaItem, action: Action) -> None:
        """An offer rang out or was declined: back to its place in the queue, never to that agent again."""
        next_state(item.state, action)  # raises before anything changes
        self.agents.forget(item)
        item.declined_by.add(item.agent_id or "")
        self._release_agent(item)
        item.agent_id = item.time_offered_to_agent = None
        queue = self.queues.get(item.queue_id or "")
        if queue is None:  # an item the agent started has no queue to go back to: it is abandoned
            self._finish(item, Action.COMPLETE)
            return
        self._move(item, action)
        queue.log.record(self.clock.now(), QueueEventKind.REQUEUED)
        queue.waiting.add(item.id, (item.time_offered_to_queue, item.queue_seq))  # back at its place
        self._noted_waiting(queue)
        self.dispatch()

    def drop_live_items(self, reason: FailedRouteReason = FailedRouteReason.ServerRestart) -> int:
        """Fail every live item (the server went away under it); returns how many."""
        dropped = self.live_items()
        for item in dropped:
            item.failed_reason = reason
            self._finish(item, Action.DROP)
        return len(dropped)

    # -- agents ------------------------------------------------------------------------------
    def set_employee_state(self, employee: Employee, *, logged_in: bool | None = None,
                           presence: PresenceAvailability | None = None,
                           ready_media: Iterable[MediaType] | None = None,
                           profile: str | None = None, reason: str | None = None,
                           extension: str | None = None) -> Employee:
        """Log an agent in or out, change their presence (with a reason), readiness or behaviour profile."""
        now = self.clock.now()
        if profile is not None and profile not in self.agents.profiles:
            raise WorldError(f"unknown agent profile {profile!r}")
        if not employee.is_agent and (logged_in or ready_media):
            raise WorldError(f"employee {employee.username!r} is not an agent and cannot log in")
        if logged_in is not None and logged_in != employee.logged_in:
            employee.logged_in = logged_in
            employee.idle_since = now if logged_in else None
            if logged_in:
                employee.first_login_today = employee.first_login_today or now
            else:
                employee.last_logout_today = now
            if presence is None:
                presence = PresenceAvailability.Available if logged_in else PresenceAvailability.Offline
        if extension is not None:
            employee.extension = extension
        if presence is not None:
            if presence is not employee.presence:
                employee.entered_state_on = now
            employee.presence = presence
            employee.presence_reason = reason if presence in (PresenceAvailability.Busy,
                                                              PresenceAvailability.DoNotDisturb) else None
        if ready_media is not None:
            employee.ready_media = set(ready_media)
        if profile is not None:
            employee.profile = profile
        self._after_agent_change(employee)
        return employee

    def _after_agent_change(self, employee: Employee) -> None:
        """An agent who is no longer available loses pending offers (requeued); one who is gets another
        chance at items whose offer they let ring out before."""
        self._agents_changed()  # before routing below sees the agent
        for item_id in list(employee.active_items):
            item = self.items.get(item_id)
            if item is not None and item.state is ConversationState.Offered and not employee.available:
                self._requeue(item, Action.REQUEUE)
        if employee.available:
            for queue in self.queues.values():
                for item_id in queue.waiting:
                    self.items[item_id].declined_by.discard(employee.id)
        self.agents.state_changed(employee)
        self.bus.publish(EmployeeStateChanged(self.clock.now(), employee))
        self.dispatch()

    def set_group_presence(self, employee: Employee, group: AgentGroup, present: bool) -> None:
        """Join or leave one agent group: routing offers only to members present in the group."""
        if employee.id not in group.members:
            raise WorldError(f"{employee.username!r} is not a member of agent group {group.name!r}")
        if present:
            employee.absent_from_groups.discard(group.id)
        else:
            employee.absent_from_groups.add(group.id)
        self._after_agent_change(employee)

    # -- inbox actions (an agent working an item) --------------------------------------------
    def _agents_item(self, item_id: str, agent: Employee) -> OpenMediaItem:
        item = self.item(item_id)
        if item.agent_id != agent.id:
            raise Conflict(f"item {item.id!r} is not in the inbox of {agent.username!r}")
        return item

    def decline_open_media(self, item_id: str, agent: Employee) -> OpenMediaItem:
        item = self._agents_item(item_id, agent)
        self._requeue(item, Action.DECLINE)
        return item

    def hold_open_media(self, item_id: str, agent: Employee, hold: bool = True) -> OpenMediaItem:
        item = self._agents_item(item_id, agent)
        self._move(item, Action.HOLD if hold else Action.RETRIEVE)
        return item

    def pick_open_media(self, item_id: str, agent: Employee) -> OpenMediaItem:
        """The agent takes a waiting item from the queue: accepted at once."""
        item = self.item(item_id)
        next_state(item.state, Action.PICK)
        if item.swallowed:
            raise NotFound(f"open media item {item.id!r} is not in any queue")
        queue = self.queues[item.queue_id]
        queue.waiting.remove(item.id)
        now = self.clock.now()
        item.agent_id, item.time_offered_to_agent, item.time_accepted = agent.id, now, now
        self._take(agent, item)
        queue.stats.answered += 1
        queue.log.record(now, QueueEventKind.ANSWERED, _seconds(now, item.time_offered_to_queue))
        self._count_handled(agent)
        self._move(item, Action.PICK)
        self.agents.accepted(item, agent)
        return item

    def transfer_open_media(self, item_id: str, *, queue: Queue | None = None,
                            employee: Employee | None = None) -> OpenMediaItem:
        """Send a live item to another queue (it waits there) or straight to an employee (offered)."""
        if (queue is None) == (employee is None):
            raise WorldError("a transfer goes to a queue or to an employee")
        item = self.item(item_id)
        next_state(item.state, Action.TRANSFER if queue else Action.TRANSFER_TO_AGENT)
        if employee is not None and not employee.can_take(MediaType.OpenMedia):
            raise WorldError(f"employee {employee.username!r} is not available for open media")
        self.agents.forget(item)
        old = self.queues.get(item.queue_id or "")
        if old is not None:
            if item.id in old.waiting:
                old.waiting.remove(item.id)
            old.log.record(self.clock.now(), QueueEventKind.TRANSFERRED_OUT)
        self._release_agent(item)
        item.agent_id = item.time_offered_to_agent = item.time_accepted = None
        item.transfer_count += 1
        item.declined_by.clear()
        if queue is not None:
            previous = item.state
            item.state = next_state(previous, Action.TRANSFER)
            self._enter(queue, item, swallowed=routing.swallows(queue, self.quirks))
            self.bus.publish(OpenMediaChanged(self.clock.now(), item, STATE_NAMES[previous]))
        else:
            item.agent_id = employee.id
            item.time_offered_to_agent = self.clock.now()
            self._take(employee, item)
            self._move(item, Action.TRANSFER_TO_AGENT)
            self.agents.offered(item, employee)
        self.dispatch()
        return item

    def classify_open_media(self, item_id: str, codes: Iterable[str]) -> OpenMediaItem:
        item = self.item(item_id)
        if not item.live:
            raise WorldError(f"open media item {item.id!r} has ended")
        item.classification_codes.extend(codes)
        return item

    # -- routing -----------------------------------------------------------------------------
    def dispatch(self) -> int:
        """Offer waiting items to free agents, oldest item first across queues; returns offers made."""
        offers = 0
        items = self.items
        waiting = self._queues_waiting()  # an offer only ever empties a queue
        while waiting:
            heads = waiting if len(waiting) == 1 else sorted(
                waiting, key=lambda q: items[q.waiting.ids[0]].time_offered_to_queue)
            offered = False
            for queue in heads:
                ready = self.ready_agents(queue)
                if not ready.any_free():
                    continue
                for item_id in queue.waiting.ids:  # the loop ends as soon as the list changes
                    item = items[item_id]
                    agent = ready.pick(item)  # what routing.pick_agent(item, members) answers, in O(log n)
                    if agent is None:
                        continue
                    self._offer(queue, item, agent)
                    offers += 1
                    offered = True
                    break
                if offered:
                    break
            if not offered:
                break
            waiting = [q for q in waiting if q.waiting.ids]
        return offers + self.sessions.dispatch()

    def _queues_waiting(self) -> list[Queue]:
        """The queues with items waiting, in the order of ``self.queues`` (dispatch's order among equals),
        without looking at every queue on every dispatch: items enter queues in ``_enter`` and ``_requeue``
        only, which note the queue; a world built or restored otherwise is looked at whole once."""
        if self._waiting_in is None:
            self._waiting_in = {q.id for q in self.queues.values() if q.waiting.ids}
        noted = self._waiting_in
        waiting = []
        for queue_id in list(noted):
            queue = self.queues[queue_id]
            if queue.waiting.ids:
                waiting.append(queue)
            else:
                noted.discard(queue_id)
        if len(waiting) > 1:
            order = self._cached("queue_order", lambda: {queue_id: n for n, queue_id in enumerate(self.queues)},
                                 self._agent_cache)
            waiting.sort(key=lambda q: order[q.id])
        return waiting

    def _noted_waiting(self, queue: Queue) -> None:
        if self._waiting_in is not None:
            self._waiting_in.add(queue.id)

    def _route(self, item: OpenMediaItem, previous: ConversationState | None, enter: Action) -> None:
        """Send a new (or rerouted) item to its destination queue, or fail it."""
        dest = routing.choose_destination(
            item, self.open_media_server(), self.open_media_queues(),
            lambda q: self.offline_reason(q) is not None, self.quirks,
        )
        if dest.unavailable_queue is not None:
            dest.unavailable_queue.stats.transfers_to_unavailable += 1
        if dest.queue is None:
            item.failed_reason = dest.failed_reason
            item.state = next_state(previous, Action.FAIL)
            self._ended_now(item)
            self.bus.publish(OpenMediaChanged(self.clock.now(), item, previous and STATE_NAMES[previous]))
            return
        item.state = next_state(previous, enter)
        self._enter(dest.queue, item, dest.swallowed)
        self.bus.publish(OpenMediaChanged(self.clock.now(), item, previous and STATE_NAMES[previous]))

    def _enter(self, queue: Queue, item: OpenMediaItem, swallowed: bool) -> None:
        """The item arrives in a queue: it waits there, or is swallowed by an unvalidated workflow."""
        item.queue_id = queue.id
        item.swallowed = swallowed
        if swallowed:
            return
        item.time_offered_to_queue = self.clock.now()
        item.queue_seq = self._queue_seq = self._queue_seq + 1
        queue.stats.offered += 1
        queue.log.record(item.time_offered_to_queue, QueueEventKind.OFFERED)
        queue.waiting.add(item.id, (item.time_offered_to_queue, item.queue_seq))
        self._noted_waiting(queue)

    def _offer(self, queue: Queue, item: OpenMediaItem, agent: Employee) -> None:
        next_state(item.state, Action.OFFER)  # raises before anything changes
        queue.waiting.remove(item.id)
        item.agent_id = agent.id
        item.time_offered_to_agent = self.clock.now()
        self._take(agent, item)
        self._move(item, Action.OFFER)  # observers see the item with its agent
        self.agents.offered(item, agent)

    # -- state changes -----------------------------------------------------------------------
    def _move(self, item: OpenMediaItem, action: Action) -> None:
        previous = item.state
        item.state = next_state(previous, action)
        self.bus.publish(OpenMediaChanged(self.clock.now(), item, STATE_NAMES[previous]))

    def _finish(self, item: OpenMediaItem, action: Action) -> None:
        previous = item.state
        new = next_state(previous, action)  # raises before anything changes
        self.agents.forget(item)
        queue = self.queues.get(item.queue_id) if item.queue_id else None
        if queue is not None and item.id in queue.waiting:
            queue.waiting.remove(item.id)
        if item.agent_id:
            self._release_agent(item)
        now = self.clock.now()
        if queue is not None and not item.swallowed:
            if new is ConversationState.Abandoned:
                queue.stats.abandoned += 1
                queue.log.record(now, QueueEventKind.ABANDONED, _seconds(now, item.time_offered_to_queue))
            elif new is ConversationState.Handled:
                queue.stats.handled += 1
                queue.log.record(now, QueueEventKind.HANDLED, _seconds(now, item.time_accepted))
            elif new is ConversationState.Failed:
                queue.stats.failed += 1
        item.state = new
        self._ended_now(item)
        self.bus.publish(OpenMediaChanged(self.clock.now(), item, STATE_NAMES[previous]))

    @staticmethod
    def _count_handled(agent: Employee) -> None:
        agent.handled_today[MediaType.OpenMedia] = agent.handled_today.get(MediaType.OpenMedia, 0) + 1

    def _take(self, agent: Employee, item: OpenMediaItem) -> None:
        agent.active_items.append(item.id)
        self._moved(agent)

    def _release_agent(self, item: OpenMediaItem) -> None:
        agent = self.employees.get(item.agent_id or "")
        if agent is not None and item.id in agent.active_items:
            agent.active_items.remove(item.id)
            if not agent.active_items:
                agent.idle_since = self.clock.now()
            self._moved(agent)

    def _moved(self, agent: Employee) -> None:
        """The agent's load or idle time changed: the router's order of agents follows."""
        for pool in self._ready.values():
            pool.moved(agent)

    def _ended_now(self, item: OpenMediaItem) -> None:
        item.time_ended = self.clock.now()
        self.ended_counts[item.state] += 1
        self._ended.append(item.id)
        while len(self._ended) > self.history_limit:
            old = self._ended.popleft()
            if old in self.items and not self.items[old].live:
                del self.items[old]
                self._folded_ids.pop(old.lower(), None)


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))``, without building the UUID (every item posted without an id)."""
    text = "%032x" % ((bits & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76)  # variant, version
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _seconds(later: datetime, earlier: datetime | None) -> float:
    return (later - earlier).total_seconds() if earlier else 0.0
