"""Virtual agents: what a simulated agent does with an offer, driven by its behaviour profile.

An offer is accepted after the profile's ``accept_delay`` and the accepted item ended after its
``handle_time`` (``None``: never). An offer still ringing when the routing ``offer_timeout`` runs
out is requeued. Each item has at most one pending timer, cancelled when anything else moves it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from simulator.world.clock import Clock, Timer
from simulator.world.model import AgentProfile, Employee, OpenMediaItem

if TYPE_CHECKING:
    from simulator.world.core import World


class VirtualAgents:
    def __init__(self, world: World, clock: Clock, profiles: dict[str, AgentProfile],
                 offer_timeout: float) -> None:
        self._world = world
        self._clock = clock
        self.profiles = profiles
        self.offer_timeout = offer_timeout
        self._timers: dict[str, tuple[Timer, str, str]] = {}  # item id -> (timer, action, agent id)

    def profile_of(self, agent: Employee) -> AgentProfile:
        return self.profiles.get(agent.profile) or AgentProfile(agent.profile)

    def offered(self, item: OpenMediaItem, agent: Employee) -> None:
        delay = self.profile_of(agent).accept_delay
        if delay is not None and delay < self.offer_timeout:
            self._schedule(item.id, "accept", agent.id, self._clock.now() + timedelta(seconds=delay))
        else:
            self._schedule(item.id, "timeout", agent.id, self._clock.now() + timedelta(seconds=self.offer_timeout))

    def accepted(self, item: OpenMediaItem, agent: Employee) -> None:
        handle = self.profile_of(agent).handle_time
        if handle is None:
            self.forget(item)
        else:
            self._schedule(item.id, "end", agent.id, self._clock.now() + timedelta(seconds=handle))

    def forget(self, item: OpenMediaItem) -> None:
        entry = self._timers.pop(item.id, None)
        if entry:
            entry[0].cancel()

    def pending(self) -> list[tuple[str, str, str, datetime]]:
        """(item id, action, agent id, due) of every timer still to fire, in firing order, for snapshots."""
        live = [(timer, item_id, action, agent) for item_id, (timer, action, agent) in self._timers.items()
                if not timer.cancelled]
        return [(item_id, action, agent, timer.due) for timer, item_id, action, agent in sorted(live)]

    def restore(self, item_id: str, action: str, agent_id: str, due: datetime) -> None:
        self._schedule(item_id, action, agent_id, due)

    def _schedule(self, item_id: str, action: str, agent_id: str, due: datetime) -> None:
        entry = self._timers.pop(item_id, None)
        if entry:
            entry[0].cancel()
        world = self._world
        run = {
            "accept": lambda: world.accept_open_media(item_id, agent_id),
            "end": lambda: world.end_open_media(item_id),
            "timeout": lambda: world.offer_timed_out(item_id),
        }[action]

        def fire() -> None:
            self._timers.pop(item_id, None)
            run()

        self._timers[item_id] = (self._clock.call_at(due, fire), action, agent_id)
