"""Agents' greetings and profile pictures.

A greeting is recorded by calling the agent: the SDK places a call to their extension (a direct voice call
from the greeting recorder), and when the agent has answered it and it ends, the recording exists under the
name asked for (the default greeting, or one of their others). Per-queue greetings name one of the agent's
recordings for a queue they serve.
"""

from __future__ import annotations

import base64
import binascii
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from micc_sim.world.events import Event, InteractionChanged
from micc_sim.world.interactions import InteractionKind, InteractionState
from micc_sim.world.model import MediaType

if TYPE_CHECKING:
    from micc_sim.world.core import World
    from micc_sim.world.model import Employee

RECORDER = "Greeting recorder"
MAX_PICTURE_BYTES = 1_000_000


class GreetingError(ValueError):
    """A greeting request the world refuses (faces answer 400)."""


@dataclass
class AgentGreetings:
    default: str | None = None
    use_default: bool = True
    recordings: list[str] = field(default_factory=list)
    by_queue: dict[str, str] = field(default_factory=dict)  # queue id -> recording name


class Greetings:
    def __init__(self, world: World) -> None:
        self._world_ref = weakref.ref(world)  # not a proxy: a proxy passes isinstance(World) checks
        self.of: dict[str, AgentGreetings] = {}
        self.pictures: dict[str, bytes] = {}
        self.pending: dict[str, tuple[str, str, bool]] = {}  # call id -> (employee id, name, as default)
        me = weakref.ref(self)

        def heard(event: Event) -> None:
            alive = me()
            if alive is not None:
                alive._heard(event)
            elif stop:
                stop.pop()()

        stop = [world.bus.subscribe(InteractionChanged, heard)]

    @property
    def _world(self) -> World:
        world = self._world_ref()
        assert world is not None, "the world of these greetings is gone"
        return world

    def greetings(self, employee: Employee) -> AgentGreetings:
        return self.of.setdefault(employee.id, AgentGreetings())

    def record(self, employee: Employee, name: str, as_default: bool) -> str:
        """Call the agent to record ``name``; returns the call's id."""
        from micc_sim.world.sessions import InteractionRequest

        if not name.strip():
            raise GreetingError("a recording name is required")
        if not employee.is_agent or not employee.logged_in:
            raise GreetingError(f"{employee.username!r} must be logged in to record a greeting")
        call = self._world.sessions.deliver(InteractionRequest(
            media=MediaType.Voice, kind=InteractionKind.DIRECT, agent=employee.id, from_name=RECORDER,
            from_address=RECORDER, subject=name))
        self.pending[call.id] = (employee.id, name.strip(), as_default)
        return call.id

    def _heard(self, event: Event) -> None:
        assert isinstance(event, InteractionChanged)
        it = event.interaction
        pending = self.pending.get(it.id)
        if pending is None or it.live:
            return
        del self.pending[it.id]
        employee_id, name, as_default = pending
        if it.time_connected is None or it.state is not InteractionState.Ended:
            return  # never answered: nothing was recorded
        mine = self.of.setdefault(employee_id, AgentGreetings())
        if name not in mine.recordings:
            mine.recordings.append(name)
        if as_default:
            mine.default = name

    def update(self, employee: Employee, use_default: bool, default: str | None,
               by_queue: dict[str, str]) -> AgentGreetings:
        """Choose the default greeting and the per-queue ones among the agent's recordings (checked whole)."""
        mine = self.greetings(employee)
        unknown = [n for n in [default, *by_queue.values()] if n and n not in mine.recordings]
        if unknown:
            raise GreetingError(f"no recording named {unknown[0]!r}")
        mine.use_default, mine.default = use_default, default
        mine.by_queue = {q: n for q, n in by_queue.items() if n}
        return mine

    def delete(self, employee: Employee, name: str) -> None:
        mine = self.greetings(employee)
        if name not in mine.recordings:
            raise GreetingError(f"no recording named {name!r}")
        mine.recordings.remove(name)
        if mine.default == name:
            mine.default = None
        mine.by_queue = {q: n for q, n in mine.by_queue.items() if n != name}

    def set_picture(self, employee: Employee, text: str) -> int:
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise GreetingError("the picture is not valid Base64") from None
        if not data:
            raise GreetingError("the picture is empty")
        if len(data) > MAX_PICTURE_BYTES:
            raise GreetingError(f"the picture is larger than {MAX_PICTURE_BYTES} bytes")
        self.pictures[employee.id] = data
        return len(data)
