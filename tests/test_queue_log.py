"""A queue's event log on its own: the windows it keeps up to date answer what reading the log would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from micc_sim.world.queue_log import QueueEventKind, QueueLog, Tally, Window

START = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # an hour before midnight: "today" starts over on the way
KINDS = list(QueueEventKind)


def read(log: QueueLog, since: datetime) -> dict:
    """The window from ``since`` computed the plain way, newest entry back: what the kept windows must equal."""
    tallies = log.since(since)

    def tally(kind: QueueEventKind) -> Tally:
        return tallies.get(kind) or Tally()

    answered, handled = tally(QueueEventKind.ANSWERED), tally(QueueEventKind.HANDLED)
    abandoned = tally(QueueEventKind.ABANDONED)
    return {"offered": tally(QueueEventKind.OFFERED).count, "answered": answered.count,
            "abandoned": tally(QueueEventKind.ABANDONED).count, "handled": handled.count,
            "answered_within_service_level": answered.within_service_level,
            "average_answer_seconds": pytest.approx(answered.seconds / answered.count if answered.count else 0.0),
            "average_handle_seconds": pytest.approx(handled.seconds / handled.count if handled.count else 0.0),
            "average_abandon_seconds": pytest.approx(abandoned.seconds / abandoned.count if abandoned.count else 0.0)}


def fields(window: Window) -> dict:
    return {name: getattr(window, name) for name in Window.__dataclass_fields__}


def test_the_kept_windows_answer_what_reading_the_log_answers_over_a_busy_day():
    log, rng, now = QueueLog(service_level_seconds=20), Random(7), START
    for step in range(12_000):  # a day and more: older entries are dropped (and compacted away, in batches)
        now += timedelta(seconds=rng.choice((0, 0, 1, 30, 60, 120)) + rng.random())
        log.record(now, rng.choice(KINDS), rng.choice((0.0, 5.5, 19.999999, 20.0, 20.000001, 300.25)))
        if step % 97 == 0 or step > 11_950:
            for span in (timedelta(hours=1), timedelta(minutes=15)):
                assert fields(log.last(span, now)) == read(log, now - span)
            assert fields(log.today(now)) == read(log, now.replace(hour=0, minute=0, second=0, microsecond=0))
    oldest = next(iter(log.entries))[0]
    assert timedelta(hours=23) < now - oldest <= timedelta(days=1)  # a day is kept, what is older is dropped


def test_a_restored_log_has_the_same_entries_windows_and_today():
    log = QueueLog()
    for n in range(90):
        log.record(START + timedelta(minutes=n), QueueEventKind.ANSWERED, 12.5)
    later = START + timedelta(minutes=89)
    copy = QueueLog()
    copy.replace(log.entries)
    assert list(copy.entries) == list(log.entries)
    assert copy.today(later) == log.today(later) and copy.today(later).answered == 30  # since midnight
    assert copy.last(timedelta(hours=1), later) == log.last(timedelta(hours=1), later)
