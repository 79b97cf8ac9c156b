"""Queue groups' real-time picture: a group's Queue Now is its member queues' at one instant, added up
(waiting, agents and counts summed; the longest wait the longest of any; averages weighted by their counts).
An agent in two member queues' groups counts once per queue, as the queues' own pictures count them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from micc_sim.world.queue_log import Window
from micc_sim.world.stats import QueueNow

if TYPE_CHECKING:
    from micc_sim.world.catalog import QueueGroup
    from micc_sim.world.core import World


def _windows(windows: list[Window]) -> Window:
    answered = sum(w.answered for w in windows)
    handled = sum(w.handled for w in windows)
    return Window(
        offered=sum(w.offered for w in windows), answered=answered,
        abandoned=sum(w.abandoned for w in windows), handled=handled,
        answered_within_service_level=sum(w.answered_within_service_level for w in windows),
        average_answer_seconds=sum(w.average_answer_seconds * w.answered for w in windows) / answered
        if answered else 0.0,
        average_handle_seconds=sum(w.average_handle_seconds * w.handled for w in windows) / handled
        if handled else 0.0)


def group_now(world: World, group: QueueGroup, at: datetime) -> QueueNow:
    nows = [world.queue_now(world.queues[q], at) for q in group.queue_ids if q in world.queues]
    oldest = min((n.longest_waiting_since for n in nows if n.longest_waiting_since), default=None)
    if not nows:
        empty = Window(0, 0, 0, 0, 0, 0.0, 0.0)
        return QueueNow(at, 0, None, 0.0, 0, 0, 0, 0, 0, 0, 0, 0.0, empty, empty, empty)
    first = nows[0]
    return replace(
        first, waiting=sum(n.waiting for n in nows), longest_waiting_since=oldest,
        longest_waiting_seconds=max(n.longest_waiting_seconds for n in nows),
        agents_available=sum(n.agents_available for n in nows), agents_idle=sum(n.agents_idle for n in nows),
        agents_unavailable=sum(n.agents_unavailable for n in nows),
        agents_on_acd=sum(n.agents_on_acd for n in nows), agents_logged_in=sum(n.agents_logged_in for n in nows),
        requeued_today=sum(n.requeued_today for n in nows),
        transfers_to_unavailable=sum(n.transfers_to_unavailable for n in nows),
        estimated_wait_seconds=max(n.estimated_wait_seconds for n in nows),
        today=_windows([n.today for n in nows]), last_hour=_windows([n.last_hour for n in nows]),
        last_15_minutes=_windows([n.last_15_minutes for n in nows]))
