"""Virtual agents: what a simulated agent does with an offer, driven by its behaviour profile.

An offer is accepted after the profile's ``accept_delay`` and the accepted item ended after its
``handle_time`` (``None``: never). An offer still ringing when the routing ``offer_timeout`` runs
out is requeued. Each item has at most one pending timer, cancelled when anything else moves it.
"""

from __future__ import annotations

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
        self._timers: dict[str, Timer] = {}

    def profile_of(self, agent: Employee) -> AgentProfile:
        return self.profiles.get(agent.profile) or AgentProfile(agent.profile)

    def offered(self, item: OpenMediaItem, agent: Employee) -> None:
        delay = self.profile_of(agent).accept_delay
        if delay is not None and delay < self.offer_timeout:
            self._schedule(item, delay, lambda: self._world.accept_open_media(item.id, agent.id))
        else:
            self._schedule(item, self.offer_timeout, lambda: self._world.offer_timed_out(item.id))

    def accepted(self, item: OpenMediaItem, agent: Employee) -> None:
        handle = self.profile_of(agent).handle_time
        if handle is None:
            self.forget(item)
        else:
            self._schedule(item, handle, lambda: self._world.end_open_media(item.id))

    def forget(self, item: OpenMediaItem) -> None:
        timer = self._timers.pop(item.id, None)
        if timer:
            timer.cancel()

    def _schedule(self, item: OpenMediaItem, seconds: float, action) -> None:
        self.forget(item)

        def fire() -> None:
            self._timers.pop(item.id, None)
            action()

        self._timers[item.id] = self._clock.call_later(seconds, fire)
