"""The simulated clock: one source of time and one timer queue for the whole world.

Three modes (DESIGN.md, principle 3):

* ``real``   -- simulated time follows the wall clock;
* ``scaled`` -- simulated time runs ``scale`` times faster than the wall clock;
* ``manual`` -- time only moves when someone calls :meth:`Clock.advance`.

In every mode :meth:`Clock.advance` jumps forward, firing the timers that fall due on the way, each
at its own due time, so a callback always sees ``clock.now()`` equal to the moment it was scheduled
for. Nothing here sleeps: a driver (the app's lifespan task) calls :meth:`Clock.run_due` in the
``real`` and ``scaled`` modes.

What one timer or one request's handler does happens at one instant (:meth:`Clock.hold`), as on the manual
clock: an item posted is queued and offered at the moment it arrived, and reading the clock once instead of
a dozen times is a good part of what a posted item costs.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

_MICROSECOND = timedelta(microseconds=1)


class ClockMode(StrEnum):
    REAL = "real"
    SCALED = "scaled"
    MANUAL = "manual"


@dataclass(order=True)
class Timer:
    """A callback due at a simulated instant; ``cancel()`` makes it a no-op."""

    due: datetime
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    def __init__(
        self,
        mode: ClockMode | str = ClockMode.REAL,
        scale: float = 1.0,
        start: datetime | None = None,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode = ClockMode(mode)
        if self.mode is ClockMode.REAL:
            scale = 1.0
        if scale <= 0:
            raise ValueError("clock scale must be positive")
        self.scale = scale
        self._wall = wall
        self._wall_origin = wall()
        self._manual = self.mode is ClockMode.MANUAL
        self._us_per_wall_second = scale * 1_000_000  # simulated microseconds a wall second
        # simulated time at the wall clock's origin, advances included (the manual clock's time)
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._timers: list[tuple[datetime, int, Timer]] = []  # a heap: (due, seq) order without calling Timer.__lt__
        self._seq = itertools.count()
        self._firing = False
        self._held: datetime | None = None  # the instant now() answers while held

    # -- reading -----------------------------------------------------------------------------
    def now(self) -> datetime:
        if self._held is not None:
            return self._held
        if self._manual:
            return self._start
        return self._read()

    def _read(self) -> datetime:
        # a timedelta times an integer costs half of building one from float seconds
        return self._start + _MICROSECOND * round((self._wall() - self._wall_origin) * self._us_per_wall_second)

    def hold(self, instant: datetime | None = None) -> bool:
        """Make :meth:`now` answer one instant (``instant``, or now) until :meth:`release`, for code that runs
        without awaiting anything: one world command, one timer. Returns whether this call holds it (False when
        the clock is held already, or manual: its time stands still anyway)."""
        if self._held is not None or self._manual:
            return False
        self._held = self._read() if instant is None else instant
        return True

    def release(self, held: bool) -> None:
        """End what :meth:`hold` started, when it answered True."""
        if held:
            self._held = None

    def next_due(self) -> datetime | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def pending(self) -> int:
        return sum(1 for _, _, t in self._timers if not t.cancelled)

    # -- scheduling --------------------------------------------------------------------------
    def call_at(self, due: datetime, callback: Callable[[], None]) -> Timer:
        timer = Timer(due, next(self._seq), callback)
        heapq.heappush(self._timers, (due, timer.seq, timer))
        return timer

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.now() + timedelta(seconds=seconds), callback)

    def cancel_all(self) -> None:
        for _, _, timer in self._timers:
            timer.cancel()
        self._timers.clear()

    # -- moving ------------------------------------------------------------------------------
    def run_due(self) -> int:
        """Fire every timer due at or before now, in due order; return how many fired."""
        return self._fire_until(self.now())

    def advance(self, seconds: float) -> int:
        """Jump ``seconds`` of simulated time ahead, firing due timers at their own instants."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._held = None  # moving the clock lets go of a held instant (a timer's callback may move it)
        target = self.now() + timedelta(seconds=seconds)
        fired = 0
        while (due := self.next_due()) is not None and due <= target:
            self._move_to(due)
            fired += self._fire_until(due)
        self._move_to(target)
        return fired

    def set(self, instant: datetime) -> None:
        """Put simulated time at ``instant`` (even backwards): restoring a snapshot needs it."""
        self._held = None
        self._start += instant.astimezone(UTC) - self.now()

    def _move_to(self, instant: datetime) -> None:
        self._held = None
        gap = instant - self.now()
        if gap > timedelta(0):
            self._start += gap

    def _fire_until(self, instant: datetime) -> int:
        if self._firing:  # a callback advancing the clock must not re-enter the loop
            return 0
        self._firing = True
        fired = 0
        held = self.hold(instant)  # the callbacks run at the instant they fire at
        try:
            while self._timers and self._timers[0][0] <= instant:
                timer = heapq.heappop(self._timers)[2]
                if not timer.cancelled:
                    fired += 1
                    timer.callback()
        finally:
            self.release(held)
            self._firing = False
        return fired
