"""A queue's event log: what happened to items in it, kept for one day of simulated time."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_US_PER_DAY = 86_400_000_000


class QueueEventKind(StrEnum):
    OFFERED = "offered"  # entered the queue
    ANSWERED = "answered"  # accepted by an agent; seconds = time waited
    ABANDONED = "abandoned"  # completed before it was accepted; seconds = time waited
    HANDLED = "handled"  # ended after being accepted; seconds = handling time
    REQUEUED = "requeued"  # an offer rang out
    TRANSFERRED_OUT = "transferred_out"  # sent on to another queue or agent


KINDS = tuple(QueueEventKind)
_CODE = {kind: code for code, kind in enumerate(KINDS)}
_WITHIN = len(KINDS)  # added to an ANSWERED entry's code: answered within the service level
_ANSWERED = _CODE[QueueEventKind.ANSWERED]
_ABANDONED = _CODE[QueueEventKind.ABANDONED]


@dataclass
class Tally:
    count: int = 0
    seconds: float = 0.0  # summed
    within_service_level: int = 0  # of ANSWERED: answered within the queue's service level


@dataclass(frozen=True)
class Window:
    """What happened in a queue over a stretch of time: the "today", "last hour" and "last 15 minutes" of
    Queue Now."""

    offered: int
    answered: int
    abandoned: int
    handled: int
    answered_within_service_level: int
    average_answer_seconds: float
    average_handle_seconds: float
    average_abandon_seconds: float = 0.0  # how long abandoned items had waited

    def percentage(self, part: int) -> float:
        total = self.answered + self.abandoned
        return round(100.0 * part / total, 2) if total else 0.0

    @property
    def service_level(self) -> float:
        total = self.answered + self.abandoned
        return round(100.0 * self.answered_within_service_level / total, 2) if total else 100.0


class Tallies:
    """Counts and summed times per kind over a stretch of the log (integers: sums stay exact)."""

    __slots__ = ("counts", "micros", "within_service_level")

    def __init__(self) -> None:
        self.counts = [0] * len(KINDS)
        self.micros = [0] * len(KINDS)
        self.within_service_level = 0

    def add(self, code: int, micros: int, sign: int = 1) -> None:
        if code >= _WITHIN:
            code -= _WITHIN
            self.within_service_level += sign
        self.counts[code] += sign
        self.micros[code] += sign * micros

    def tally(self, kind: QueueEventKind) -> Tally:
        code = _CODE[kind]
        return Tally(self.counts[code], self.micros[code] / 1_000_000,
                     self.within_service_level if kind is QueueEventKind.ANSWERED else 0)

    def as_dict(self) -> dict[QueueEventKind, Tally]:
        return {kind: self.tally(kind) for kind, n in zip(KINDS, self.counts, strict=True) if n}

    def window(self) -> Window:
        counts, micros = self.counts, self.micros
        answered, handled = counts[_CODE[QueueEventKind.ANSWERED]], counts[_CODE[QueueEventKind.HANDLED]]
        return Window(
            offered=counts[_CODE[QueueEventKind.OFFERED]], answered=answered,
            abandoned=counts[_CODE[QueueEventKind.ABANDONED]], handled=handled,
            answered_within_service_level=self.within_service_level,
            average_answer_seconds=micros[_CODE[QueueEventKind.ANSWERED]] / 1_000_000 / answered if answered else 0.0,
            average_handle_seconds=micros[_CODE[QueueEventKind.HANDLED]] / 1_000_000 / handled if handled else 0.0,
            average_abandon_seconds=micros[_ABANDONED] / 1_000_000 / counts[_ABANDONED] if counts[_ABANDONED] else 0.0,
        )


class _Sliding:
    """The tallies of the entries from ``start`` to ``end`` (exclusive): a window moved on as time passes."""

    __slots__ = ("end", "span", "start", "tallies", "window")

    def __init__(self, span: int, start: int) -> None:
        self.span = span
        self.start = self.end = start
        self.tallies = Tallies()
        self.window: Window | None = None  # the tallies as a Window, until an entry enters or leaves


class QueueLog:
    """What happened in one queue, oldest first; entries older than a day are dropped.

    An entry is three numbers in parallel arrays (its time and its seconds in microseconds, its kind), so a
    queue that handles thousands of items an hour holds megabytes, not hundreds of them. Today's totals are
    running tallies (reset when the simulated day changes); each sliding window (the last hour, the last 15
    minutes) keeps the index of its oldest entry and the tallies from there to the newest, moved on when read:
    a read costs the entries that came or left since the last one, not the window's length.
    """

    def __init__(self, service_level_seconds: float = 20.0) -> None:
        self.service_level_seconds = service_level_seconds
        self._at = array("q")  # microseconds since the epoch
        self._code = array("b")  # the kind's index (+ _WITHIN for an answer within the service level)
        self._micros = array("q")  # the entry's seconds, in microseconds
        self._first = 0  # entries before this index are older than a day: dropped, physically in batches
        self._day = -1  # the day (since the epoch) today's tallies count
        self._today = Tallies()
        self._today_window: Window | None = None  # today's tallies as a Window, until the next entry
        self._windows: dict[timedelta, _Sliding] = {}

    # -- writing -----------------------------------------------------------------------------
    def record(self, at: datetime, kind: QueueEventKind, seconds: float = 0.0) -> None:
        at_us = (at - EPOCH) // MICROSECOND  # a new instant each time: _micros would cache it for nothing
        code = _CODE[kind]
        if code == _ANSWERED and seconds <= self.service_level_seconds:
            code += _WITHIN
        micros = round(seconds * 1_000_000)
        self._at.append(at_us)
        self._code.append(code)
        self._micros.append(micros)
        day = at_us // _US_PER_DAY  # _tally_today, written out: every item moving records two or three entries
        if day != self._day:
            self._day, self._today = day, Tallies()
        self._today.add(code, micros)
        self._today_window = None
        if self._at[self._first] < at_us - _US_PER_DAY:  # the oldest entry is more than a day old
            self._drop_older_than(at_us - _US_PER_DAY)

    def _tally_today(self, at_us: int, code: int, micros: int) -> None:
        day = at_us // _US_PER_DAY
        if day != self._day:
            self._day, self._today = day, Tallies()
        self._today.add(code, micros)
        self._today_window = None

    def _drop_older_than(self, limit_us: int) -> None:
        at, first = self._at, self._first
        while first < len(at) and at[first] < limit_us:
            first += 1
        self._first = first
        if first > 4096 and first * 2 > len(at):  # compact in batches: amortized O(1) per entry
            for window in self._windows.values():
                self._slide(window, at[-1] - window.span)  # past every dropped entry (they are older than it)
            del self._at[:first], self._code[:first], self._micros[:first]
            for window in self._windows.values():
                window.start -= first
                window.end -= first
            self._first = 0

    def replace(self, entries: Iterable[tuple[datetime, QueueEventKind, float]]) -> None:
        """Hold these entries (from a snapshot) instead; today's tallies are recounted."""
        self._at, self._code, self._micros, self._first, self._windows = array("q"), array("b"), array("q"), 0, {}
        for at, kind, seconds in entries:
            self.record(at, kind, seconds)
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute today's tallies from the entries: those of the newest entry's day."""
        self._day, self._today, self._today_window = -1, Tallies(), None
        if len(self._at) > self._first:
            last_day = self._at[-1] // _US_PER_DAY
            for i in range(self._first, len(self._at)):
                if self._at[i] // _US_PER_DAY == last_day:
                    self._tally_today(self._at[i], self._code[i], self._micros[i])

    # -- reading -----------------------------------------------------------------------------
    @property
    def entries(self) -> Iterator[tuple[datetime, QueueEventKind, float]]:
        """(time, kind, seconds) of each entry, oldest first."""
        for i in range(self._first, len(self._at)):
            code = self._code[i]
            yield (EPOCH + self._at[i] * MICROSECOND, KINDS[code % _WITHIN],
                   self._micros[i] / 1_000_000)

    def today(self, now: datetime) -> Window:
        """Today's window: the entries of ``now``'s day (kept as running tallies)."""
        if _micros(now) // _US_PER_DAY != self._day:
            return _NOTHING
        if self._today_window is None:
            self._today_window = self._today.window()
        return self._today_window

    def requeued_today(self, now: datetime) -> int:
        if _micros(now) // _US_PER_DAY != self._day:
            return 0
        return self._today.counts[_CODE[QueueEventKind.REQUEUED]]

    def last(self, span: timedelta, now: datetime) -> Window:
        """The window of the entries at or after ``now - span`` (``span`` at most a day: what the log keeps)."""
        sliding = self._windows.get(span)
        if sliding is None:
            if span > DAY:
                raise ValueError("the queue log keeps one day")
            sliding = self._windows[span] = _Sliding(span // MICROSECOND, self._first)
        self._slide(sliding, _micros(now) - sliding.span)
        if sliding.window is None:
            sliding.window = sliding.tallies.window()
        return sliding.window

    def since(self, instant: datetime) -> dict[QueueEventKind, Tally]:
        """Tallies of the entries at or after ``instant`` (read from the newest back)."""
        tallies = Tallies()
        limit = _micros(instant)
        for i in range(len(self._at) - 1, self._first - 1, -1):
            if self._at[i] < limit:
                break
            tallies.add(self._code[i], self._micros[i])
        return tallies.as_dict()

    def count_since(self, kind: QueueEventKind, instant: datetime) -> int:
        return self.since(instant).get(kind, Tally()).count

    def _slide(self, window: _Sliding, boundary: int) -> None:
        """Bring ``window`` to the entries at or after ``boundary``."""
        at, code, micros, tallies = self._at, self._code, self._micros, window.tallies
        start, end, newest = window.start, window.end, len(at)
        moved = end != newest or (start < end and at[start] < boundary) or (
            start > self._first and at[start - 1] >= boundary)
        if not moved:
            return
        for i in range(end, newest):  # entries recorded since the last read
            tallies.add(code[i], micros[i])
        while start < newest and at[start] < boundary:  # entries that left the window
            tallies.add(code[start], micros[start], -1)
            start += 1
        while start > self._first and at[start - 1] >= boundary:  # the clock went back (a restored snapshot)
            start -= 1
            tallies.add(code[start], micros[start])
        window.start, window.end = start, newest
        window.window = None


_NOTHING = Tallies().window()


@lru_cache(maxsize=64)
def _micros(at: datetime) -> int:
    """Microseconds since the epoch (cached: one instant is read for every queue of a list)."""
    return (at - EPOCH) // MICROSECOND
