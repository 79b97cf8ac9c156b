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
from micc_sim.world.model import ConversationState, Employee, Queue
from micc_sim.world.stats import Leg, fine_activity

if TYPE_CHECKING:
    from micc_sim.world.core import World

_TALKING = (InteractionState.Connected, InteractionState.Conference, InteractionState.Dialing,
            InteractionState.Calling)
_OUTGOING = (CallType.Outgoing, CallType.Consultation)


class Days:
    def __init__(self, world: World) -> None:
        self.world = world

    def day_of(self, employee: Employee) -> AgentDay:
        """The employee's figures of today (a new day starts at the simulated midnight, and with it today's
        counts and first login)."""
        day = employee.day
        if day.roll(self.world.clock.now()):
            employee.handled_today.clear()
            employee.first_login_today = day.start if employee.logged_in else None
            employee.last_logout_today = None
        return day

    def changed(self, event: Event) -> None:
        """Note the activity of the agent an event concerns (the world hears events before any face)."""
        employees = self.world.employees
        if isinstance(event, OpenMediaChanged):
            agent = employees.get(event.item.agent_id or "")
        elif isinstance(event, EmployeeStateChanged):
            agent = event.employee
        elif isinstance(event, InteractionChanged):
            agent = employees.get(event.interaction.agent_id or "")
            if agent is not None:
                self._count_connected(agent, event)
        else:
            return
        if agent is not None and agent.is_agent:
            self.note(agent)

    def note(self, employee: Employee) -> None:
        """The agent's activity may have moved: today's durations take the stretch that ended, and
        ``entered_state_on`` moves when what real-time displays show changes."""
        world = self.world
        day = self.day_of(employee)
        now = world.clock.now()
        if day.note(self.activity(employee), now):
            world.forget_derived()  # sums of agents' days (members_day) go with it
        shown = world.activity(employee).value
        if shown != day.shown:
            if day.shown:
                employee.entered_state_on = now
            day.shown = shown

    def activity(self, employee: Employee) -> Activity:
        """What the agent is doing, finely (the split of today's durations)."""
        world = self.world
        talking: list[Leg] = []
        held: list[Leg] = []
        wrap_up = ringing = False
        for item_id in employee.active_items:
            item = world.items.get(item_id)
            if item is None:
                continue
            if item.state is ConversationState.Acd:
                talking.append(Leg.ACD)
            elif item.state is ConversationState.Held:
                held.append(Leg.ACD)
            elif item.state is ConversationState.Offered:
                ringing = True
        for it in world.sessions.of_agent(employee):
            leg = Leg.ACD if it.acd else Leg.OUTBOUND if it.call_type in _OUTGOING else Leg.NON_ACD
            if it.state is InteractionState.Held:
                held.append(leg)
            elif it.state is InteractionState.Clerical:
                wrap_up = True
            elif it.state is InteractionState.Ringing:
                ringing = True
            elif it.state in _TALKING:
                talking.append(leg)
        groups = world.groups_of(employee)
        present = not groups or any(g.id not in employee.absent_from_groups for g in groups)
        return fine_activity(employee, talking, held, wrap_up, ringing, present)

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
        self.day_of(agent)  # today's counts start at midnight
        if queue is None:
            return
        for index, group_id in enumerate(queue.agent_group_ids):
            group = self.world.agent_groups.get(group_id)
            if group is not None and agent.id in group.members and group_id not in agent.absent_from_groups:
                queue.answered_by_group.add(index, self.world.clock.now())
                return

    def team(self, members: list[Employee]) -> TeamDay:
        return TeamDay.of([self.day_of(m) for m in members])


def members_key(queue: Queue, day_start: datetime) -> tuple[object, ...]:
    """Queues of the same agent groups share their members' sums."""
    return ("members_day", tuple(queue.agent_group_ids), day_start)
