"""An agent's day: how long they spent in each activity since the simulated midnight, and today's counts.

The world notes an agent's activity after every change that can move it (an offer, an accept, a hold, an
end, a presence or login change); the time since the last note goes to the activity it ends. Reading a
figure adds the running stretch, so durations follow the clock between changes. At the simulated midnight
(UTC, the site's time zone) every figure starts again from zero, the current activity going on from midnight.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
    ends: datetime | None = None  # the next midnight
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
        start, ends = self.start, self.ends
        if ends is not None and start <= now < ends:  # the common case, without building a midnight
            return False
        today = midnight(now)
        if start is not None and start >= today:
            return False
        fresh = start is None
        if self.since is not None and self.since < today:
            self.since = today
        self.start, self.ends = today, today + DAY
        self.seconds.clear()
        self.non_acd = self.outbound = self.external_inbound = self.external_outbound = 0
        return not fresh

    def note(self, activity: Activity, now: datetime) -> bool:
        """The agent's activity at ``now`` (of the day counted: ``roll`` first); True when it changed."""
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

    def today(self, day_start: datetime) -> tuple[int, ...]:
        """The counts of the day that starts at ``day_start`` (the counts so far, or none on a new day)."""
        return tuple(self.counts) if self.start == day_start else ()

    def roll(self, now: datetime) -> None:
        if self.start is not None and self.start <= now < self.start + DAY:
            return
        today = midnight(now)
        if self.start is None or self.start < today:
            self.start = today
            self.counts.clear()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
TEAM_MEASURES = (frozenset(Activity) - {Activity.LOGGED_OUT}, frozenset({Activity.MAKE_BUSY}),
                 frozenset({Activity.WORK_TIMER}))  # logged in, make busy, work timer: what Queue Now sums


_HOUR_US, _QUARTER_US = 3_600_000_000, 900_000_000  # Queue Now's "last hour" and "last 15 minutes"


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class TeamFigures:
    logged_in: float
    make_busy: float
    work_timer: float
    unavailable_last_hour: int
    unavailable_last_15_minutes: int


@dataclass(frozen=True)
class TeamDay:
    """Several agents' days summed (a queue's members), readable at any later instant of the same day for as
    long as none of them changes: closed stretches are summed once, running ones kept as how many agents are
    in them and since when (in total), so a read costs the same for 2 agents as for 2,000."""

    closed: tuple[float, ...]  # per TEAM_MEASURES: seconds of closed stretches
    running: tuple[tuple[int, int], ...]  # per TEAM_MEASURES: (agents in it now, sum of their ``since`` in µs)
    unavailable_now: int
    left_unavailable: tuple[int, ...]  # sorted µs instants the others last left an unavailable activity
    on_non_acd: int  # agents on a direct conversation (talking or holding)
    on_outbound: int  # agents on an outgoing call
    _last: list[object] = field(default_factory=lambda: [None, None], compare=False, repr=False)  # (now, figures)

    @classmethod
    def of(cls, days: list[AgentDay]) -> TeamDay:
        closed, running = [], []
        for measure in TEAM_MEASURES:
            closed.append(sum(s for d in days for a, s in d.seconds.items() if a in measure))
            inside = [_micros(d.since) for d in days if d.since is not None and d.activity in measure]
            running.append((len(inside), sum(inside)))
        return cls(tuple(closed), tuple(running),
                   unavailable_now=sum(d.activity in UNAVAILABLE for d in days),
                   left_unavailable=tuple(sorted(_micros(d.unavailable_until) for d in days
                                                 if d.activity not in UNAVAILABLE and d.unavailable_until)),
                   on_non_acd=sum(d.activity in (Activity.NON_ACD, Activity.HOLD_NON_ACD) for d in days),
                   on_outbound=sum(d.activity in (Activity.OUTBOUND, Activity.HOLD_OUTBOUND) for d in days))

    def at(self, now: datetime) -> TeamFigures:
        """The summed figures at ``now`` (the last answer kept: every queue of a list reads the same instant)."""
        last = self._last
        if last[0] == now:
            return last[1]  # type: ignore[return-value]
        us = _micros(now)
        seconds = [closed + max(0, n * us - since) / 1_000_000
                   for closed, (n, since) in zip(self.closed, self.running, strict=True)]
        left, unavailable = self.left_unavailable, self.unavailable_now + len(self.left_unavailable)
        figures = TeamFigures(*seconds, unavailable - bisect_left(left, us - _HOUR_US),
                              unavailable - bisect_left(left, us - _QUARTER_US))
        last[0], last[1] = now, figures
        return figures
