"""An agent's day: how long they spent in each activity since the simulated midnight, and today's counts.

The world notes an agent's activity after every change that can move it (an offer, an accept, a hold, an
end, a presence or login change); the time since the last note goes to the activity it ends. Reading a
figure adds the running stretch, so durations follow the clock between changes. At the simulated midnight
(UTC, the site's time zone) every figure starts again from zero, the current activity going on from midnight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

DAY = timedelta(days=1)


class Activity(StrEnum):
    """What an agent is doing, finely: the names of the MiCC SDK's agent activity states."""

    LOGGED_OUT = "LoggedOut"
    IDLE = "Idle"
    RINGING = "Ringing"
    ACD = "Acd"
    NON_ACD = "NonAcd"
    OUTBOUND = "Outbound"
    HOLD_ACD = "HoldAcd"
    HOLD_NON_ACD = "HoldNonAcd"
    HOLD_OUTBOUND = "HoldOutbound"
    MAKE_BUSY = "MakeBusy"
    DND = "DoNotDisturb"
    WORK_TIMER = "WorkTimer"
    AWAY = "Away"
    NOT_PRESENT = "LoggedInNotPresent"  # logged in, present in none of their agent groups


OCCUPIED = frozenset({Activity.ACD, Activity.NON_ACD, Activity.OUTBOUND, Activity.HOLD_ACD,
                      Activity.HOLD_NON_ACD, Activity.HOLD_OUTBOUND, Activity.WORK_TIMER})
UNAVAILABLE = frozenset({Activity.MAKE_BUSY, Activity.DND, Activity.AWAY, Activity.NOT_PRESENT})


def midnight(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class AgentDay:
    """Today's figures of one agent. ``since`` is when the current activity began (or midnight)."""

    start: datetime | None = None  # the midnight the figures count from
    activity: Activity = Activity.LOGGED_OUT
    since: datetime | None = None
    seconds: dict[Activity, float] = field(default_factory=dict)  # closed stretches, per activity
    non_acd: int = 0  # direct (non-ACD) conversations connected today
    outbound: int = 0  # outgoing calls connected today
    external_inbound: int = 0  # of those: with a party outside the contact center
    external_outbound: int = 0
    unavailable_until: datetime | None = None  # when the agent last left an unavailable activity
    shown: str = ""  # the activity as real-time displays show it (``AgentActivity``): enteredStateOn moves with it

    def roll(self, now: datetime) -> bool:
        """Start a new day if ``now`` is past the day counted; True when it did."""
        today = midnight(now)
        if self.start is not None and self.start >= today:
            return False
        fresh = self.start is None
        if self.since is not None and self.since < today:
            self.since = today
        self.start = today
        self.seconds.clear()
        self.non_acd = self.outbound = self.external_inbound = self.external_outbound = 0
        return not fresh

    def note(self, activity: Activity, now: datetime) -> bool:
        """The agent's activity at ``now``; True when it changed."""
        self.roll(now)
        if activity is self.activity and self.since is not None:
            return False
        if self.since is not None:
            self.seconds[self.activity] = self.seconds.get(self.activity, 0.0) + (now - self.since).total_seconds()
        if self.activity in UNAVAILABLE and activity not in UNAVAILABLE:
            self.unavailable_until = now
        self.activity, self.since = activity, now
        return True

    def duration(self, activity: Activity, now: datetime) -> float:
        """Seconds in ``activity`` today, the running stretch included."""
        total = self.seconds.get(activity, 0.0)
        if activity is self.activity and self.since is not None:
            total += max(0.0, (now - self.since).total_seconds())
        return total

    def total(self, activities: frozenset[Activity] | set[Activity], now: datetime) -> float:
        return sum(self.duration(a, now) for a in activities)

    def logged_in(self, now: datetime) -> float:
        return self.total(set(Activity) - {Activity.LOGGED_OUT}, now)

    def in_state(self, now: datetime) -> float:
        """Seconds in the current activity."""
        return max(0.0, (now - self.since).total_seconds()) if self.since is not None else 0.0

    def unavailable_within(self, window: timedelta, now: datetime) -> bool:
        """Unavailable at some moment of the last ``window``."""
        return self.activity in UNAVAILABLE or (self.unavailable_until is not None
                                                and self.unavailable_until >= now - window)


@dataclass
class TodayCounts:
    """Counts that start again at the simulated midnight (a queue's answers by agent group, primary first)."""

    start: datetime | None = None
    counts: list[int] = field(default_factory=list)

    def add(self, index: int, now: datetime) -> None:
        self.roll(now)
        while len(self.counts) <= index:
            self.counts.append(0)
        self.counts[index] += 1

    def get(self, index: int, now: datetime) -> int:
        self.roll(now)
        return self.counts[index] if index < len(self.counts) else 0

    def roll(self, now: datetime) -> None:
        today = midnight(now)
        if self.start is None or self.start < today:
            self.start = today
            self.counts.clear()
