"""A queue's event log: what happened to items in it, kept for one day of simulated time."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
class QueueLog:
    """What happened in one queue, newest last; entries older than a day are dropped."""

    entries: deque[tuple[datetime, QueueEventKind, float]] = field(default_factory=deque)

    def record(self, at: datetime, kind: QueueEventKind, seconds: float = 0.0) -> None:
        self.entries.append((at, kind, seconds))
        while self.entries and self.entries[0][0] < at - DAY:
            self.entries.popleft()

    def window(self, kind: QueueEventKind, since: datetime) -> list[float]:
        return [s for at, k, s in self.entries if k is kind and at >= since]
