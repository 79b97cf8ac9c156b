"""Keeping every agent's day: the world calls :class:`Days` after each change, and answers read from it.

The figures themselves live on each employee (``Employee.day``, :mod:`micc_sim.world.agent_day`); this module
knows what in the world moves them: open media items, calls and chats, presence and group presence.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from micc_sim.world.agent_day import Activity, AgentDay, TeamDay
from micc_sim.world.events import EmployeeStateChanged, Event, InteractionChanged, OpenMediaChanged
from micc_sim.world.interactions import CallType, InteractionState
from micc_sim.world.model import ConversationState, Employee, PresenceAvailability, Queue
from micc_sim.world.stats import AgentActivity, Leg, fine_activity

if TYPE_CHECKING:
    from micc_sim.world.core import World

_TALKING = (InteractionState.Connected, InteractionState.Conference, InteractionState.Dialing,
            InteractionState.Calling)
_OUTGOING = (CallType.Outgoing, CallType.Consultation)
# what stats.agent_activity names (as plain strings: an enum's value is a property on 3.11)
_LOGGED_OUT, _ACD, _RINGING, _IDLE = (a.value for a in (AgentActivity.LOGGED_OUT, AgentActivity.ACD,
                                                         AgentActivity.RINGING, AgentActivity.IDLE))
_SHOWN_PRESENCE = {PresenceAvailability.Busy: AgentActivity.BUSY.value,
                   PresenceAvailability.DoNotDisturb: AgentActivity.DND.value,
                   PresenceAvailability.Away: AgentActivity.AWAY.value}


class Days:
    def __init__(self, world: World) -> None:
        self.world = world

    def day_of(self, employee: Employee, now: datetime | None = None) -> AgentDay:
        """The employee's figures of today (a new day starts at the simulated midnight, and with it today's
        counts and first login)."""
        day = employee.day
        if day.roll(now or self.world.clock.now()):
            employee.handled_today.clear()
            employee.first_login_today = day.start if employee.logged_in else None
            employee.last_logout_today = None
        return day

    def changed(self, event: Event) -> None:
        """Note the activity of the agent an event concerns (the world hears events before any face)."""
        employees = self.world.employees
        if isinstance(event, OpenMediaChanged):
            agent = employees.get(event.item.agent_id or "")
            if agent is not None and event.item.id not in agent.active_items:
                return  # it ended or left the agent: noted when it was released
        elif isinstance(event, EmployeeStateChanged):
            agent = event.employee
        elif isinstance(event, InteractionChanged):
            agent = employees.get(event.interaction.agent_id or "")
            if agent is not None:
                self._count_connected(agent, event)
        else:
            return
        if agent is not None:
            self.note(agent, event.at)

    def note(self, employee: Employee, now: datetime | None = None) -> None:
        """The agent's activity may have moved: today's durations take the stretch that ended, and
        ``entered_state_on`` moves when what real-time displays show changes."""
        if not employee.is_agent:
            return
        now = now or self.world.clock.now()
        day = self.day_of(employee, now)
        fine, shown = self.activities(employee)
        if day.note(fine, now):
            self.world.forget_derived()  # sums of agents' days (members_day) go with it
        if shown != day.shown:
            if day.shown:
                employee.entered_state_on = now
            day.shown = shown

    def activities(self, employee: Employee) -> tuple[Activity, str]:
        """What the agent is doing, finely (the split of today's durations) and as real-time displays show it
        (``World.activity``'s names), from the items and interactions the agent holds (not a scan of all)."""
        if not employee.logged_in:
            return Activity.LOGGED_OUT, _LOGGED_OUT
        world = self.world
        talking: list[Leg] = []
        held: list[Leg] = []
        on_acd = wrap_up = ringing = False  # on_acd: what displays show as Acd (an ACD or held conversation)
        interactions = world.sessions.interactions
        for item_id in employee.active_items:
            item = world.items.get(item_id)
            if item is not None:
                state = item.state
                if state is ConversationState.Acd:
                    talking.append(Leg.ACD)
                    on_acd = True
                elif state is ConversationState.Held:
                    held.append(Leg.ACD)
                    on_acd = True
                elif state is ConversationState.Offered:
                    ringing = True
                continue
            it = interactions.get(item_id)
            if it is None or not it.live or it.state is InteractionState.Queued:
                continue
            leg = Leg.ACD if it.acd else Leg.OUTBOUND if it.call_type in _OUTGOING else Leg.NON_ACD
            if it.state is InteractionState.Held:
                held.append(leg)
                on_acd = True
            elif it.state is InteractionState.Clerical:
                wrap_up = True
                on_acd = on_acd or it.acd
            elif it.state is InteractionState.Ringing:
                ringing = True
            elif it.state in _TALKING:
                talking.append(leg)
                on_acd = on_acd or it.acd
        fine = fine_activity(employee, talking, held, wrap_up, ringing, True)
        if fine is Activity.IDLE and employee.absent_from_groups:  # left groups: maybe present in none
            groups = world.groups_of(employee)
            if groups and all(g.id in employee.absent_from_groups for g in groups):
                fine = Activity.NOT_PRESENT
        shown = _ACD if on_acd else _RINGING if ringing else _SHOWN_PRESENCE.get(employee.presence, _IDLE)
        return fine, shown

    def _count_connected(self, agent: Employee, event: InteractionChanged) -> None:
        """A direct or outgoing conversation connected: today's non-ACD and outbound counts."""
        it = event.interaction
        if it.acd or it.state is not InteractionState.Connected or event.previous not in ("Ringing", "Dialing",
                                                                                           "Calling"):
            return
        day = self.day_of(agent)
        if it.call_type in _OUTGOING:
            day.outbound += 1
            day.external_outbound += it.peer_id is None
        else:
            day.non_acd += 1
            day.external_inbound += it.peer_id is None

    def answered(self, queue: Queue | None, agent: Employee) -> None:
        """An agent answered an ACD conversation of ``queue``: it counts toward the first of the queue's agent
        groups the agent answered for."""
        now = self.world.clock.now()
        self.day_of(agent, now)  # today's counts start at midnight
        if queue is None:
            return
        for index, group_id in enumerate(queue.agent_group_ids):
            group = self.world.agent_groups.get(group_id)
            if group is not None and agent.id in group.members and group_id not in agent.absent_from_groups:
                queue.answered_by_group.add(index, now)
                return

    def team(self, members: list[Employee]) -> TeamDay:
        return TeamDay.of([self.day_of(m) for m in members])


def members_key(queue: Queue, day_start: datetime) -> tuple[object, ...]:
    """Queues of the same agent groups share their members' sums."""
    return ("members_day", tuple(queue.agent_group_ids), day_start)
