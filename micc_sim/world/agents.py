"""Virtual agents: what a simulated agent does with an offer, driven by its behaviour profile.

An offer is accepted after the profile's ``accept_delay`` and the accepted item ended after its
``handle_time`` (``None``: never); each is a fixed number of seconds or a distribution, drawn per offer from
the agent's own seeded stream (``draws.py``). An offer still ringing when the routing ``offer_timeout`` runs
out is requeued. Each item has at most one pending timer, cancelled when anything else moves it.

A profile with ``not_ready`` spells sends a logged-in agent into a not-ready presence every so often and back
to Available when the spell ends (unless someone changed the agent's presence meanwhile). Each agent has at
most one pending spell timer; a logged-out agent has none until it logs in again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from micc_sim.world.clock import Clock, Timer
from micc_sim.world.config import (
    AgentProfileConfig,
    ExponentialConfig,
    FixedConfig,
    LogNormalConfig,
    UniformConfig,
    profile_problems,
)
from micc_sim.world.draws import Distribution, Draws, Exponential, Fixed, LogNormal, Uniform
from micc_sim.world.model import AgentProfile, Employee, NotReadySpells, OpenMediaItem, PresenceAvailability

if TYPE_CHECKING:
    from micc_sim.world.core import World

MIN_SPELL_GAP = 1.0  # seconds between spells at least, so a spell cycle always moves the clock on
SPELL_START, SPELL_END = "not_ready", "ready"


def distribution(config: object) -> float | Distribution:
    """The domain form of a world file's duration: a number stays a number (nothing to draw)."""
    if isinstance(config, FixedConfig):
        return Fixed(config.value)
    if isinstance(config, UniformConfig):
        return Uniform(config.low, config.high)
    if isinstance(config, ExponentialConfig):
        return Exponential(config.mean)
    if isinstance(config, LogNormalConfig):
        return LogNormal(config.mean, config.sigma)
    return float(config)  # type: ignore[arg-type]


def profile_from_config(name: str, config: AgentProfileConfig) -> AgentProfile:
    spells = config.not_ready
    return AgentProfile(
        name,
        None if config.accept_delay is None else distribution(config.accept_delay),
        None if config.handle_time is None else distribution(config.handle_time),
        None if spells is None else NotReadySpells(distribution(spells.every), distribution(spells.lasts),
                                                   spells.presence, spells.reason),
    )


def agent_profiles(configs: dict[str, AgentProfileConfig]) -> dict[str, AgentProfile]:
    return {name: profile_from_config(name, config) for name, config in configs.items()}


class VirtualAgents:
    def __init__(self, world: World, clock: Clock, profiles: dict[str, AgentProfile],
                 offer_timeout: float, seed: int = 0) -> None:
        self._world = world
        self._clock = clock
        self.profiles = profiles
        self.offer_timeout = offer_timeout
        self.draws = Draws(seed)
        self._timers: dict[str, tuple[Timer, str, str]] = {}  # item id -> (timer, action, agent id)
        self._spells: dict[str, tuple[Timer, str]] = {}  # agent id -> (timer, SPELL_START or SPELL_END)
        for employee in world.employees.values():
            self.state_changed(employee)

    def profile_of(self, agent: Employee) -> AgentProfile:
        return self.profiles.get(agent.profile) or AgentProfile(agent.profile)

    def define(self, name: str, config: AgentProfileConfig) -> None:
        """Add (or replace) a profile while the world runs; the world's configuration carries it, so a
        snapshot does too. The configuration the world was built from (what a reset goes back to) is kept."""
        world = self._world
        reasons = {(r.kind, n.lower()) for r in world.reason_codes.values() for n in (r.name, r.code)}
        problems = profile_problems(name, config, reasons)
        if problems:
            raise ValueError("; ".join(problems))
        world.config = world.config.model_copy(
            update={"agent_profiles": {**world.config.agent_profiles, name: config}})
        self.profiles[name] = profile_from_config(name, config)

    def _seconds(self, value: float | Distribution, agent: Employee, stream: str) -> float:
        if isinstance(value, int | float):
            return float(value)
        return self.draws.draw(value, agent.id, agent.draws, stream)

    # -- offers and items ------------------------------------------------------------------------
    def timeout_for(self, queue_id: str | None) -> float:
        """How long an offer rings before it is re-queued: the queue's response time, else routing's timeout."""
        queue = self._world.queues.get(queue_id or "")
        return queue.response_time_seconds if queue and queue.response_time_seconds else self.offer_timeout

    def offered(self, item: OpenMediaItem, agent: Employee) -> None:
        accept = self.profile_of(agent).accept_delay
        delay = None if accept is None else self._seconds(accept, agent, "accept_delay")
        timeout = self.timeout_for(item.queue_id)
        if delay is not None and delay < timeout:
            self._schedule(item.id, "accept", agent.id, self._in(delay))
        else:
            self._schedule(item.id, "timeout", agent.id, self._clock.now() + timedelta(seconds=timeout))

    def accepted(self, item: OpenMediaItem, agent: Employee) -> None:
        handle = self.profile_of(agent).handle_time
        if handle is None:
            self.forget(item)
        else:
            seconds = self._seconds(handle, agent, "handle_time")
            self._schedule(item.id, "end", agent.id, self._in(seconds))

    def _in(self, seconds: float) -> datetime:
        """The instant ``seconds`` from now (agents that accept or finish at once skip building a timedelta)."""
        now = self._clock.now()
        return now + timedelta(seconds=seconds) if seconds else now

    def forget(self, item: OpenMediaItem) -> None:
        entry = self._timers.pop(item.id, None)
        if entry:
            entry[0].cancel()

    # -- not-ready spells ------------------------------------------------------------------------
    def state_changed(self, agent: Employee) -> None:
        """After any change to an agent: start its spell cycle if its profile has one and it is logged in,
        stop a cycle its profile no longer has (the agent stays in whatever presence it is in)."""
        spells = self.profile_of(agent).not_ready
        pending = self._spells.get(agent.id)
        if spells is None or not agent.is_agent:
            if pending:
                self._cancel_spell(agent.id)
        elif pending is None and agent.logged_in:
            self._next_spell(agent, spells)

    def _next_spell(self, agent: Employee, spells: NotReadySpells) -> None:
        gap = max(MIN_SPELL_GAP, self._seconds(spells.every, agent, "not_ready_every"))
        self._schedule_spell(agent.id, SPELL_START, self._clock.now() + timedelta(seconds=gap))

    def _spell_starts(self, agent_id: str) -> None:
        agent = self._world.employees.get(agent_id)
        spells = self.profile_of(agent).not_ready if agent else None
        if agent is None or spells is None or not agent.logged_in:
            return  # the cycle starts again at the next login (state_changed)
        if agent.presence is not PresenceAvailability.Available:  # already away: skip this spell
            self._next_spell(agent, spells)
            return
        lasts = self._seconds(spells.lasts, agent, "not_ready_lasts")
        self._schedule_spell(agent_id, SPELL_END, self._clock.now() + timedelta(seconds=lasts))
        self._world.set_employee_state(agent, presence=spells.presence, reason=self._reason(spells))

    def _spell_ends(self, agent_id: str) -> None:
        agent = self._world.employees.get(agent_id)
        spells = self.profile_of(agent).not_ready if agent else None
        if agent is None or spells is None or not agent.logged_in:
            return
        self._next_spell(agent, spells)
        if agent.presence is spells.presence and agent.presence_reason == self._reason(spells):
            self._world.set_employee_state(agent, presence=PresenceAvailability.Available)

    def _reason(self, spells: NotReadySpells) -> str | None:
        """The reason code's name, as the MiCC SDK stores a reason given by name or by code."""
        if spells.reason is None or spells.presence is PresenceAvailability.Away:
            return None
        return self._world.reason_code(spells.reason).name

    def _schedule_spell(self, agent_id: str, action: str, due: datetime) -> None:
        self._cancel_spell(agent_id)
        run = self._spell_starts if action == SPELL_START else self._spell_ends

        def fire() -> None:
            self._spells.pop(agent_id, None)
            run(agent_id)

        self._spells[agent_id] = (self._clock.call_at(due, fire), action)

    def _cancel_spell(self, agent_id: str) -> None:
        entry = self._spells.pop(agent_id, None)
        if entry:
            entry[0].cancel()

    # -- snapshots -------------------------------------------------------------------------------
    def pending(self) -> list[tuple[str | None, str, str, datetime]]:
        """(item id, action, agent id, due) of every timer still to fire, in firing order, for snapshots.
        Spell timers have no item (``None``)."""
        live: list[tuple[Timer, str | None, str, str]] = [
            (timer, item_id, action, agent) for item_id, (timer, action, agent) in self._timers.items()]
        live += [(timer, None, action, agent) for agent, (timer, action) in self._spells.items()]
        return [(item_id, action, agent, timer.due) for timer, item_id, action, agent in sorted(
            entry for entry in live if not entry[0].cancelled)]

    def cancel_all(self) -> None:
        """Drop every pending timer (a snapshot being restored brings its own)."""
        for timer, *_ in [*self._timers.values(), *self._spells.values()]:
            timer.cancel()
        self._timers.clear()
        self._spells.clear()

    def restore(self, item_id: str | None, action: str, agent_id: str, due: datetime) -> None:
        if item_id is None:
            self._schedule_spell(agent_id, action, due)
        else:
            self._schedule(item_id, action, agent_id, due)

    def _schedule(self, item_id: str, action: str, agent_id: str, due: datetime) -> None:
        entry = self._timers.pop(item_id, None)
        if entry:
            entry[0].cancel()
        world, run = self._world, _ITEM_ACTIONS[action]

        def fire() -> None:
            self._timers.pop(item_id, None)
            run(world, item_id, agent_id)

        self._timers[item_id] = (self._clock.call_at(due, fire), action, agent_id)


_ITEM_ACTIONS: dict[str, Callable[[World, str, str], object]] = {  # what an item's timer does when it fires
    "accept": lambda world, item_id, agent_id: world.accept_open_media(item_id, agent_id),
    "end": lambda world, item_id, agent_id: world.end_open_media(item_id),
    "timeout": lambda world, item_id, agent_id: world.offer_timed_out(item_id),
}
