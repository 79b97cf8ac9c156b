"""A queue's event log: what happened to items in it, kept for one day of simulated time."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

DAY = timedelta(days=1)


class QueueEventKind(StrEnum):
    OFFERED = "offered"  # entered the queue
    ANSWERED = "answered"  # accepted by an agent; seconds = time waited
    ABANDONED = "abandoned"  # completed before it was accepted; seconds = time waited
    HANDLED = "handled"  # ended after being accepted; seconds = handling time
    REQUEUED = "requeued"  # an offer rang out
    TRANSFERRED_OUT = "transferred_out"  # sent on to another queue or agent


@dataclass
class Tally:
    count: int = 0
    seconds: float = 0.0  # summed
    within_service_level: int = 0  # of ANSWERED: answered within the queue's service level


@dataclass
class QueueLog:
    """What happened in one queue, newest last; entries older than a day are dropped.

    Today's totals are kept as running tallies (reset when the simulated day changes), so "Queue Now"
    costs no scan of the day; the last hour and last 15 minutes are read backwards from the newest entry.
    """

    entries: deque[tuple[datetime, QueueEventKind, float]] = field(default_factory=deque)
    service_level_seconds: float = 20.0
    _day: date | None = field(default=None, repr=False)
    _today: dict[QueueEventKind, Tally] = field(default_factory=dict, repr=False)

    def record(self, at: datetime, kind: QueueEventKind, seconds: float = 0.0) -> None:
        self.entries.append((at, kind, seconds))
        while self.entries and self.entries[0][0] < at - DAY:
            self.entries.popleft()
        self._tally(at, kind, seconds)

    def _tally(self, at: datetime, kind: QueueEventKind, seconds: float) -> None:
        if at.date() != self._day:
            self._day, self._today = at.date(), {}
        tally = self._today.setdefault(kind, Tally())
        tally.count += 1
        tally.seconds += seconds
        if kind is QueueEventKind.ANSWERED and seconds <= self.service_level_seconds:
            tally.within_service_level += 1

    def rebuild(self) -> None:
        """Recompute today's tallies from the entries (after a restore)."""
        self._day, self._today = None, {}
        last_day = self.entries[-1][0].date() if self.entries else None
        for at, kind, seconds in self.entries:
            if at.date() == last_day:
                self._tally(at, kind, seconds)

    def today(self, now: datetime) -> dict[QueueEventKind, Tally]:
        return self._today if now.date() == self._day else {}

    def since(self, instant: datetime) -> dict[QueueEventKind, Tally]:
        """Tallies of the entries at or after ``instant`` (read from the newest back)."""
        tallies: dict[QueueEventKind, Tally] = {}
        for at, kind, seconds in reversed(self.entries):
            if at < instant:
                break
            tally = tallies.setdefault(kind, Tally())
            tally.count += 1
            tally.seconds += seconds
            if kind is QueueEventKind.ANSWERED and seconds <= self.service_level_seconds:
                tally.within_service_level += 1
        return tallies

    def count_since(self, kind: QueueEventKind, instant: datetime) -> int:
        return self.since(instant).get(kind, Tally()).count
