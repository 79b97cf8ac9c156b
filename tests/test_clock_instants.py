"""What one request's handler or one timer does happens at one instant of simulated time, on every clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import run_live

from micc_sim.settings import Settings
from micc_sim.world.clock import Clock

START = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def test_an_item_posted_on_the_real_clock_is_queued_and_offered_at_the_moment_it_arrived():
    for live in run_live(Settings(clock="real")):
        sdk = live.sdk(live.token())
        item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "one instant"}).json()
        assert item["conversationState"] == "Offered"
        assert item["timeOfferedToSystem"] == item["timeOfferedToQueue"] == item["timeOfferedToAgent"]
        later = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
        assert later["timeOfferedToSystem"] != item["timeOfferedToSystem"]  # the clock moved on between requests


def test_timers_due_together_fire_at_the_instant_the_clock_read_and_time_moves_on_after():
    wall = Wall()
    clock = Clock("real", start=START, wall=wall)
    seen: list[datetime] = []

    def slow_callback() -> None:
        seen.append(clock.now())
        wall.seconds += 0.5  # the callback takes wall time: simulated time stands still within it
        seen.append(clock.now())

    clock.call_at(START, slow_callback)
    clock.call_at(START, slow_callback)
    wall.seconds += 1
    assert clock.run_due() == 2
    assert seen == [START + timedelta(seconds=1)] * 4
    assert clock.now() == START + timedelta(seconds=2)


def test_a_timer_that_moves_the_clock_sees_the_move():
    wall = Wall()
    clock = Clock("real", start=START, wall=wall)
    seen: list[datetime] = []

    def advancing() -> None:
        seen.append(clock.now())
        clock.advance(60)
        seen.append(clock.now())

    clock.call_at(START, advancing)
    clock.run_due()
    assert seen == [START, START + timedelta(seconds=60)]
    assert clock.now() == START + timedelta(seconds=60)
