"""Real-time statistics computed from the world: a queue's "Queue Now" and an agent's state.

Nothing here is stored twice: counts come from the entities and from each queue's event log, a
bounded record of what happened to items in the queue (kept for a day of simulated time), so the
"today", "last hour" and "last 15 minutes" windows are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from simulator.world.model import ConversationState, Employee, MediaType, PresenceAvailability
from simulator.world.queue_log import QueueEventKind, QueueLog

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


@dataclass(frozen=True)
class Window:
    offered: int
    answered: int
    abandoned: int
    handled: int
    answered_within_service_level: int
    average_answer_seconds: float
    average_handle_seconds: float

    def percentage(self, part: int) -> float:
        total = self.answered + self.abandoned
        return round(100.0 * part / total, 2) if total else 0.0

    @property
    def service_level(self) -> float:
        total = self.answered + self.abandoned
        return round(100.0 * self.answered_within_service_level / total, 2) if total else 100.0


@dataclass(frozen=True)
class QueueNow:
    """A queue's real-time picture ("Queue Now" in MiCC)."""

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


def window(log: QueueLog, since: datetime, service_level_seconds: float) -> Window:
    answered = log.window(QueueEventKind.ANSWERED, since)
    handled = log.window(QueueEventKind.HANDLED, since)
    return Window(
        offered=len(log.window(QueueEventKind.OFFERED, since)),
        answered=len(answered),
        abandoned=len(log.window(QueueEventKind.ABANDONED, since)),
        handled=len(handled),
        answered_within_service_level=sum(1 for s in answered if s <= service_level_seconds),
        average_answer_seconds=sum(answered) / len(answered) if answered else 0.0,
        average_handle_seconds=sum(handled) / len(handled) if handled else 0.0,
    )


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def queue_now(now: datetime, media: MediaType, waiting_since: list[datetime], members: list[Employee],
              activities: dict[str, AgentActivity], log: QueueLog, transfers_to_unavailable: int,
              service_level_seconds: float) -> QueueNow:
    """Agents count as available when logged in, Available and ready for the queue's media."""
    oldest = min(waiting_since) if waiting_since else None
    today = window(log, start_of_day(now), service_level_seconds)
    available = [m for m in members if m.available_for(media)]
    on_acd = sum(1 for m in members if activities.get(m.id) is AgentActivity.ACD)
    handle = today.average_handle_seconds or 0.0
    capacity = sum(m.max_concurrent for m in available) or 1
    return QueueNow(
        waiting=len(waiting_since),
        longest_waiting_since=oldest,
        longest_waiting_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        agents_available=len(available),
        agents_idle=sum(1 for m in available if m.idle),
        agents_unavailable=sum(1 for m in members if m.logged_in and not m.available_for(media)),
        agents_on_acd=on_acd,
        agents_logged_in=sum(1 for m in members if m.logged_in),
        requeued_today=len(log.window(QueueEventKind.REQUEUED, start_of_day(now))),
        transfers_to_unavailable=transfers_to_unavailable,
        estimated_wait_seconds=round(handle * len(waiting_since) / capacity, 1),
        today=today,
        last_hour=window(log, now - HOUR, service_level_seconds),
        last_15_minutes=window(log, now - QUARTER, service_level_seconds),
    )
