"""Real-time statistics computed from the world: a queue's "Queue Now" and an agent's state.

Nothing here is stored twice: counts come from the entities and from each queue's event log, a
bounded record of what happened to items in the queue (kept for a day of simulated time), so the
"today", "last hour" and "last 15 minutes" windows (``Window``, kept up to date by the log) are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from micc_sim.world.agent_day import Activity
from micc_sim.world.model import ConversationState, Employee, MediaType, PresenceAvailability
from micc_sim.world.queue_log import QueueLog, Window

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


class AgentActivity(StrEnum):
    """What an agent is doing, as real-time displays show it (names of the simulator's own)."""

    LOGGED_OUT = "LoggedOut"
    IDLE = "Idle"
    RINGING = "Ringing"  # an offer is pending
    ACD = "Acd"  # handling a queued item
    BUSY = "MakeBusy"
    DND = "DoNotDisturb"
    AWAY = "Away"


def agent_activity(employee: Employee, item_states: list[ConversationState]) -> AgentActivity:
    if not employee.logged_in:
        return AgentActivity.LOGGED_OUT
    if any(s in (ConversationState.Acd, ConversationState.Held) for s in item_states):
        return AgentActivity.ACD
    if ConversationState.Offered in item_states:
        return AgentActivity.RINGING
    return {
        PresenceAvailability.Busy: AgentActivity.BUSY,
        PresenceAvailability.DoNotDisturb: AgentActivity.DND,
        PresenceAvailability.Away: AgentActivity.AWAY,
    }.get(employee.presence, AgentActivity.IDLE)


class Leg(StrEnum):
    """How a conversation an agent is on counts toward their day."""

    ACD = "acd"
    NON_ACD = "non_acd"
    OUTBOUND = "outbound"


_LEG_ORDER = {leg: n for n, leg in enumerate(Leg)}  # ACD before non-ACD before outbound
_TALK = {Leg.ACD: Activity.ACD, Leg.NON_ACD: Activity.NON_ACD, Leg.OUTBOUND: Activity.OUTBOUND}
_HOLD = {Leg.ACD: Activity.HOLD_ACD, Leg.NON_ACD: Activity.HOLD_NON_ACD, Leg.OUTBOUND: Activity.HOLD_OUTBOUND}
_PRESENCE = {PresenceAvailability.Busy: Activity.MAKE_BUSY, PresenceAvailability.DoNotDisturb: Activity.DND,
             PresenceAvailability.Away: Activity.AWAY}


def fine_activity(employee: Employee, talking: list[Leg], held: list[Leg], wrap_up: bool, ringing: bool,
                  present: bool) -> Activity:
    """The agent's activity for today's durations: talking before held before wrap-up before ringing, then
    the presence; ``present``: present in at least one of their agent groups (or in none at all)."""
    if not employee.logged_in:
        return Activity.LOGGED_OUT
    if talking:
        return _TALK[talking[0] if len(talking) == 1 else min(talking, key=_LEG_ORDER.__getitem__)]
    if held:
        return _HOLD[held[0] if len(held) == 1 else min(held, key=_LEG_ORDER.__getitem__)]
    if wrap_up:
        return Activity.WORK_TIMER
    if ringing:
        return Activity.RINGING
    activity = _PRESENCE.get(employee.presence, Activity.IDLE)
    return Activity.NOT_PRESENT if activity is Activity.IDLE and not present else activity


@dataclass(frozen=True)
class QueueNow:
    """A queue's real-time picture ("Queue Now" in MiCC) at one instant."""

    at: datetime
    waiting: int
    longest_waiting_since: datetime | None
    longest_waiting_seconds: float
    agents_available: int
    agents_idle: int
    agents_unavailable: int
    agents_on_acd: int
    agents_logged_in: int
    requeued_today: int
    transfers_to_unavailable: int
    estimated_wait_seconds: float
    today: Window
    last_hour: Window
    last_15_minutes: Window


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Staffing:
    """The agent side of Queue Now; it changes only when the world does, so the world caches it."""

    available: int
    idle: int
    unavailable: int
    on_acd: int
    logged_in: int
    capacity: int  # items the available agents can hold at once


def staffing(media: MediaType, members: list[Employee], on_acd: set[str]) -> Staffing:
    """Agents count as available when logged in, Available and ready for the queue's media."""
    available = [m for m in members if m.available_for(media)]
    return Staffing(
        available=len(available),
        idle=sum(1 for m in available if m.idle),
        unavailable=sum(1 for m in members if m.logged_in and not m.available_for(media)),
        on_acd=sum(1 for m in members if m.id in on_acd),
        logged_in=sum(1 for m in members if m.logged_in),
        capacity=sum(m.max_concurrent for m in available),
    )


def queue_now(now: datetime, waiting: int, oldest: datetime | None, staff: Staffing, log: QueueLog,
              transfers_to_unavailable: int) -> QueueNow:
    """``waiting`` items, the ``oldest`` of them waiting since then."""
    today = log.today(now)
    handle = today.average_handle_seconds or 0.0
    return _frozen(
        QueueNow,
        at=now,
        waiting=waiting,
        longest_waiting_since=oldest,
        longest_waiting_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        agents_available=staff.available,
        agents_idle=staff.idle,
        agents_unavailable=staff.unavailable,
        agents_on_acd=staff.on_acd,
        agents_logged_in=staff.logged_in,
        requeued_today=log.requeued_today(now),
        transfers_to_unavailable=transfers_to_unavailable,
        estimated_wait_seconds=round(handle * waiting / (staff.capacity or 1), 1),
        today=today,
        last_hour=log.last(HOUR, now),
        last_15_minutes=log.last(QUARTER, now),
    )


def _frozen(cls: type[QueueNow], **fields: object) -> QueueNow:
    """``cls(**fields)`` for a frozen dataclass without ``__post_init__``, its fields set in one step rather than
    one ``object.__setattr__`` each (a list of 50 queues builds 50 Queue Nows of 15 fields)."""
    made = object.__new__(cls)
    made.__dict__.update(fields)
    return made
