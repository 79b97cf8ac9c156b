"""Voice call control: what an agent's phone does (dial, hold and retrieve, consult and transfer, conference,
deflect, DTMF, recording, intrude), over the interactions ``sessions.py`` keeps.

A number dialed or deflected to is an agent's extension (an internal call: the other agent's phone rings), a
voice queue (its reporting number, the digits of it, or its name: the call waits there like any ACD call), or
anything else (an outside party, who answers after ``far_answer_seconds``). Calling an agent who is logged out
or already on a call fails (the call shows Failed until hung up; intruding joins a busy agent's call).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from micc_sim.world.errors import InteractionError
from micc_sim.world.interactions import (
    TALKING,
    CallType,
    Interaction,
    InteractionKind,
    InteractionState,
    Move,
    can,
    next_state,
)
from micc_sim.world.model import Employee, MediaType, Queue

if TYPE_CHECKING:
    from micc_sim.world.core import World

S = InteractionState
VOICE = MediaType.Voice
ON_THE_PHONE = frozenset({S.Ringing, S.Dialing, S.Calling, S.Connected, S.Held, S.Conference})
DTMF = re.compile(r"[0-9*#A-Da-d]+")


# -- what the agent's phone has ------------------------------------------------------------------
def calls_of(world: World, agent: Employee) -> list[Interaction]:
    return world.sessions.of_agent(agent, VOICE)


def ringing_call(world: World, agent: Employee) -> Interaction | None:
    return next((c for c in calls_of(world, agent) if c.state is S.Ringing), None)


def active_call(world: World, agent: Employee) -> Interaction | None:
    """The call the agent is on: talking (or in a conference), else dialing, else a failed one to clear."""
    calls = calls_of(world, agent)
    for states in (TALKING, {S.Dialing, S.Calling}, {S.Failed}):
        found = [c for c in calls if c.state in states]
        if found:
            return found[-1]
    return None


def held_call(world: World, agent: Employee) -> Interaction | None:
    held = [c for c in calls_of(world, agent) if c.state is S.Held]
    return held[-1] if held else None


def can_make_call(world: World, agent: Employee) -> bool:
    return (agent.logged_in and bool(agent.extension)
            and not any(c.state in (S.Dialing, S.Calling, S.Connected, S.Conference, S.Failed)
                        for c in calls_of(world, agent)))


def can_conference(world: World, agent: Employee) -> bool:
    active = active_call(world, agent)
    return held_call(world, agent) is not None and active is not None and active.state is S.Connected


def can_transfer(world: World, agent: Employee) -> bool:
    active = active_call(world, agent)
    return held_call(world, agent) is not None and active is not None and active.state in (S.Connected, S.Calling)


def resolve(world: World, number: str) -> Employee | Queue | None:
    """Who a number reaches: an agent by extension, a voice queue, or nobody here (an outside number)."""
    wanted = number.strip().lower()
    for employee in world.employees.values():
        if employee.extension and employee.extension.lower() == wanted:
            return employee
    for queue in world.queues.values():
        digits = re.sub(r"\D", "", queue.reporting)
        if queue.media_type is VOICE and wanted in (queue.reporting.lower(), queue.name.lower(), digits):
            return queue
    return None


def _busy(world: World, agent: Employee) -> bool:
    return any(c.state in ON_THE_PHONE for c in calls_of(world, agent))


# -- dialing ------------------------------------------------------------------------------------
def make_call(world: World, agent: Employee, number: str, name: str = "") -> Interaction:
    """Dial a number; with a call on hold it is a consultation call."""
    number = number.strip()
    if not number:
        raise InteractionError("no number to dial")
    if not can_make_call(world, agent):
        raise InteractionError(f"{agent.username!r} cannot make a call now")
    sessions = world.sessions
    kind = CallType.Consultation if held_call(world, agent) else CallType.Outgoing
    it = sessions._new(VOICE, InteractionKind.OUTGOING, kind)
    it.from_address = it.to_address = number
    target = resolve(world, number)
    it.from_name = name or (target.name if target is not None else "")
    sessions._assign(it, agent)
    it.state = next_state(VOICE, None, Move.DIAL)
    sessions._publish(it, None)
    if target is None:
        sessions._schedule(it, "far_ring", world.clock.now() + timedelta(seconds=1))
    else:
        far_rings(world, it)
    return it


def far_rings(world: World, it: Interaction) -> None:
    """The dialed number answers the dialing: another agent's phone rings, a queue takes the call, an
    outside phone rings (and answers later), or the call fails."""
    if it.state is not S.Dialing:
        return
    sessions = world.sessions
    caller = world.employees.get(it.agent_id or "")
    target = resolve(world, it.from_address)
    if isinstance(target, Employee):
        if caller is None or target.id == caller.id or not target.logged_in or _busy(world, target):
            sessions._end(it, Move.FAIL)
            return
        leg = sessions._new(VOICE, InteractionKind.DIRECT, CallType.Incoming)
        leg.from_address, leg.from_name, leg.to_address = caller.extension or "", caller.name, it.from_address
        it.peer_id, leg.peer_id = leg.id, it.id
        sessions._move(it, Move.FAR_RING)
        sessions._ring(leg, target)
    elif isinstance(target, Queue):
        leg = sessions._new(VOICE, InteractionKind.ACD, CallType.Incoming)
        leg.from_address = caller.extension or "" if caller else ""
        leg.from_name = caller.name if caller else ""
        leg.to_address = target.reporting
        it.peer_id, leg.peer_id = leg.id, it.id
        sessions._move(it, Move.FAR_RING)
        sessions._enter(target, leg, None, Move.QUEUE)
        world.dispatch()
    else:
        sessions._move(it, Move.FAR_RING)
        sessions._schedule(it, "far_answer", world.clock.now() + timedelta(seconds=sessions.config.far_answer_seconds))


# -- on a call ----------------------------------------------------------------------------------
def hold(world: World, agent: Employee, it: Interaction) -> None:
    world.sessions._own(it, agent)
    if it.media is not VOICE or it.state is not S.Connected:
        raise InteractionError(f"call {it.number} is not connected")
    world.sessions._move(it, Move.HOLD)


def retrieve(world: World, agent: Employee, it: Interaction) -> None:
    """Take a held call back; a call the agent is talking on goes on hold (brokering)."""
    world.sessions._own(it, agent)
    if it.media is not VOICE or it.state is not S.Held:
        raise InteractionError(f"call {it.number} is not on hold")
    active = active_call(world, agent)
    if active is not None and active.state is not S.Connected:
        raise InteractionError(f"call {active.number} is {active.state.name}")
    if active is not None:
        world.sessions._move(active, Move.HOLD)
    world.sessions._move(it, Move.RETRIEVE)


def transfer(world: World, agent: Employee, held: Interaction) -> None:
    """Connect the held call's party to the active call's party; the agent leaves both."""
    world.sessions._own(held, agent)
    active = active_call(world, agent)
    if held.state is not S.Held or active is None or active.state not in (S.Connected, S.Calling):
        raise InteractionError("a transfer needs the held call and an active call")
    _join(world, held, active)
    world.dispatch()


def conference(world: World, agent: Employee) -> None:
    """The held call and the active call become one conference."""
    held, active = held_call(world, agent), active_call(world, agent)
    if held is None or active is None or active.state is not S.Connected:
        raise InteractionError(f"{agent.username!r} has no held and connected call to conference")
    sessions = world.sessions
    legs = [held, active] + [far for far in (sessions._peer(held), sessions._peer(active))
                             if far is not None and far.state in (S.Connected, S.Held)]
    for leg in legs:
        leg.conference_id = held.id
        sessions._move(leg, Move.CONFERENCE)


def hangup_active(world: World, agent: Employee) -> None:
    """End the active call; in a conference the agent leaves it and the others talk on."""
    it = active_call(world, agent)
    if it is None:
        raise InteractionError(f"{agent.username!r} has no active call")
    mine = [c for c in calls_of(world, agent) if it.conference_id and c.conference_id == it.conference_id]
    if len(mine) == 2:
        _join(world, mine[0], mine[1])
        world.dispatch()
    else:
        world.sessions.hangup(it, agent)


def _join(world: World, a: Interaction, b: Interaction) -> None:
    """The agent drops out of two calls and their far ends talk to each other."""
    sessions = world.sessions
    a_far, b_far = sessions._peer(a), sessions._peer(b)
    a.peer_id = b.peer_id = None
    if a_far is not None and b_far is not None:
        a_far.peer_id, b_far.peer_id = b_far.id, a_far.id
        _meets(world, a_far, b_far)
        _meets(world, b_far, a_far)
        b_far.consulting_id = a.id
    elif a_far is not None:
        a_far.peer_id = None
        a_far.from_address, a_far.from_name = b.from_address, b.from_name
    elif b_far is not None:
        b_far.peer_id = None
        b_far.from_address, b_far.from_name = a.from_address, a.from_name
        b_far.consulting_id = a.id
    for leg in (a, b):
        sessions._end(leg, sessions._end_move(leg))
    for far in (a_far, b_far):
        if far is not None and far.live:
            sessions.changed(far, "party")


def _meets(world: World, leg: Interaction, other: Interaction) -> None:
    agent = world.employees.get(other.agent_id or "")
    if agent is not None:
        leg.from_address, leg.from_name = agent.extension or "", agent.name


def deflect(world: World, agent: Employee, it: Interaction, destination: str) -> None:
    """Send a ringing or active call on: to a voice queue, another agent's phone or an outside number."""
    sessions = world.sessions
    sessions._own(it, agent)
    if it.state not in (S.Ringing, S.Connected, S.Held) or it.media is not VOICE:
        raise InteractionError(f"call {it.number} cannot be deflected now")
    if not destination.strip():
        raise InteractionError("no destination to deflect to")
    target = resolve(world, destination)
    if isinstance(target, Queue):
        sessions.requeue(it, agent, target)
        return
    if isinstance(target, Employee) and (target.id == agent.id or not target.logged_in):
        raise InteractionError(f"{target.username!r} cannot take the call")
    far = sessions._peer(it)
    it.peer_id = None
    sessions._end(it, Move.DEFLECT)
    if isinstance(target, Employee):
        leg = sessions._new(VOICE, InteractionKind.DIRECT, CallType.Incoming)
        for name in ("from_address", "from_name", "to_address", "private_data", "subject"):
            setattr(leg, name, getattr(it, name))
        leg.ivr_labels, leg.ivr_data, leg.consulting_id = list(it.ivr_labels), list(it.ivr_data), it.id
        if far is not None:
            far.peer_id, leg.peer_id = leg.id, far.id
        sessions._ring(leg, target)
    elif far is not None:
        far.peer_id = None
        far.from_address = destination
        if far.state is S.Calling:
            sessions._schedule(far, "far_answer",
                               world.clock.now() + timedelta(seconds=sessions.config.far_answer_seconds))
        sessions.changed(far, "party")
    world.dispatch()


def intrude(world: World, agent: Employee, it: Interaction) -> None:
    """A call that failed because the other agent is busy joins that agent's call."""
    world.sessions._own(it, agent)
    if it.state is not S.Failed:
        raise InteractionError(f"call {it.number} has not failed")
    target = resolve(world, it.from_address)
    busy = [c for c in calls_of(world, target) if c.state in TALKING] if isinstance(target, Employee) else []
    if not busy:
        raise InteractionError(f"there is no call at {it.from_address!r} to intrude on")
    joined = busy[-1]
    it.conference_id = joined.conference_id or it.id
    joined.conference_id = it.conference_id
    world.sessions._move(it, Move.INTRUDE)
    if can(VOICE, joined.state, Move.CONFERENCE):
        world.sessions._move(joined, Move.CONFERENCE)


def send_dtmf(world: World, agent: Employee, digits: str) -> None:
    it = active_call(world, agent)
    if it is None or it.state not in TALKING:
        raise InteractionError(f"{agent.username!r} has no connected call")
    if not DTMF.fullmatch(digits):
        raise InteractionError(f"{digits!r} are not DTMF digits (0-9, *, #, A-D)")
    it.dtmf += digits.upper()
    world.sessions.changed(it, "dtmf")


def start_recording(world: World, agent: Employee, all_calls: bool) -> None:
    """Record the active call (or the next one), or every call from now on."""
    if not agent.logged_in:
        raise InteractionError(f"{agent.username!r} is not logged in")
    it = active_call(world, agent)
    if all_calls:
        world.sessions.recording_modes[agent.id] = "all"
    elif it is None or it.state not in TALKING:
        world.sessions.recording_modes[agent.id] = "next"
    if it is not None and it.state in TALKING and not it.recording:
        it.recording = True
        world.sessions.changed(it, "recording")


def stop_recording(world: World, agent: Employee) -> None:
    stopped = world.sessions.recording_modes.pop(agent.id, None) is not None
    for it in calls_of(world, agent):
        if it.recording:
            it.recording = False
            stopped = True
            world.sessions.changed(it, "recording")
    if not stopped:
        raise InteractionError(f"{agent.username!r} is not recording")
