"""What the MiCC hubs share: turning world events into pushes, coalesced per event-loop turn.

A bus handler only notes what changed (item ids, employee ids) and schedules one flush on the loop; the
flush reads the world as it is then and pushes the current picture of what changed. A burst of events
(a load test, a dispatch that offers ten items) costs one push per monitored object, and a push never
shows a half-done change. While no one monitors anything, the hub tracks nothing and costs nothing: it is
not even subscribed to the bus.

Each hub places items in its groups (an employee's active inbox, a queue's waiting list: :meth:`place`);
the base keeps where each item was, so a flush knows which groups gained, changed or lost one, and the
state each group was last pushed, so an unchanged state is not pushed again.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from micc_sim.faces.micc.employees.responses import INBOX_STATES
from micc_sim.faces.micc.signalr.connections import Connection, Connections
from micc_sim.faces.micc.signalr.hubs import Hub, HubCall
from micc_sim.world.events import EmployeeStateChanged, InteractionChanged, OpenMediaChanged
from micc_sim.world.model import OpenMediaItem


class WatchingHub(Hub):
    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self._world: Any = None  # the world the tracking state describes; None while nobody monitors
        self._dirty_items: set[str] = set()
        self._dirty_employees: set[str] = set()
        self._scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._placed: dict[str, str] = {}  # item id -> the group it was in at the last flush
        self._last_state: dict[str, str] = {}  # group -> the state last pushed to it (to skip repeats)
        connections.on_removed(self._connection_removed)

    # -- what subclasses write ---------------------------------------------------------------
    def place(self, item: OpenMediaItem) -> str | None:
        """The group ``item`` shows in now, if any."""
        return None

    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        """Push what changed: ``items`` and ``employees`` are the ids the events named since the last flush."""

    def world_replaced(self, world: Any) -> None:
        """The world was reset or restored under the monitors: what the old one placed, and what the new one
        places, changed."""
        self._dirty_items.update(self._placed)
        self._dirty_items.update(i.id for i in world.items.values() if self.place(i))

    # -- what subclasses use -----------------------------------------------------------------
    def join(self, call: HubCall, group: str) -> None:
        """Add the caller to ``group``; the next state pushed reaches it, even one that looks like the last."""
        self.join_connection(call.connection, group)

    def join_connection(self, connection: Connection, group: str) -> None:
        """:meth:`join` for a connection that called another hub (a monitor there that feeds this hub too)."""
        self.watch()
        self._last_state.pop(group, None)
        self.connections.join(connection, self.group(group))

    def regroup(self, world: Any, items: set[str]) -> tuple[dict[str, list[OpenMediaItem]], dict[str, list[str]]]:
        """Place the changed ``items`` again: the items each group shows that changed, and the ids of the ones
        each group lost."""
        changed: dict[str, list[OpenMediaItem]] = defaultdict(list)
        removed: dict[str, list[str]] = defaultdict(list)
        for item_id in items:
            item = world.items.get(item_id)
            group = self.place(item) if item is not None else None
            before = self._placed.pop(item_id, None)
            if group:
                self._placed[item_id] = group
                changed[group].append(item)
            if before and before != group:
                removed[before].append(item_id)
        return changed, removed

    def push_state(self, group: str, method: str, fingerprint: str, build_args: Callable[[str], list[Any]]) -> None:
        """Push a group's state, unless ``fingerprint`` says it is the one pushed last."""
        if self._last_state.get(group) == fingerprint:
            return
        self._last_state[group] = fingerprint
        self.push(group, method, build_args)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._world is not None:
            self._listen()

    def stop(self) -> None:
        self._quiet()

    def _listen(self) -> None:
        """Hear the world's changes (while something is monitored and the server runs)."""
        if not self._unsubscribe:
            self._unsubscribe = [
                self.sim.bus.subscribe(OpenMediaChanged, lambda e: self._note(items=(e.item.id,))),
                self.sim.bus.subscribe(EmployeeStateChanged, lambda e: self._note(employees=(e.employee.id,))),
                self.sim.bus.subscribe(InteractionChanged, lambda e: self._note(  # a call, chat, ... moves its
                    employees=(e.interaction.agent_id,) if e.interaction.agent_id else ())),  # agent and queue
            ]

    def _quiet(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def tick(self) -> None:
        if self._world is not None and self.sim.world is not self._world:  # reset or restore: no event says so
            self._schedule()

    # -- monitors ----------------------------------------------------------------------------
    def watch(self) -> None:
        """A monitor is being added: make sure the hub tracks the world."""
        if self._world is None:
            self._world = world = self.sim.world
            self._placed = {i.id: group for i in world.items.values() if (group := self.place(i))}
            self._last_state.clear()
        if self._loop is not None:
            self._listen()

    def monitored(self) -> list[str]:
        """The names of this hub's groups that have members (what is monitored)."""
        prefix = self.group("")
        return [g[len(prefix):] for g in self.connections.groups_with_prefix(prefix)]

    def forget_if_idle(self) -> None:
        if self._world is not None and not self.monitored():
            self._world = None
            self._dirty_items.clear()
            self._dirty_employees.clear()
            self._placed.clear()
            self._last_state.clear()
            self._quiet()

    def _connection_removed(self, connection: Connection) -> None:
        self.forget_if_idle()

    # -- events to flushes -------------------------------------------------------------------
    def _note(self, items: tuple[str, ...] = (), employees: tuple[str, ...] = ()) -> None:
        if self._world is None or self._loop is None:
            return

        def mark() -> None:
            self._dirty_items.update(items)
            self._dirty_employees.update(employees)
            self._schedule()

        try:
            on_our_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_our_loop = False
        if on_our_loop:
            mark()
        else:  # a change made from another thread (a test calling the simulator directly)
            self._loop.call_soon_threadsafe(mark)

    def _schedule(self) -> None:
        if not self._scheduled and self._loop is not None:
            self._scheduled = True
            self._loop.call_soon(self._run_flush)

    def _run_flush(self) -> None:
        self._scheduled = False
        if self._world is None:
            return
        world = self.sim.world
        if world is not self._world:
            self._world = world
            self.world_replaced(world)
        items, employees = self._dirty_items, self._dirty_employees
        self._dirty_items, self._dirty_employees = set(), set()
        self.flush(world, items, employees)


ACTIVE = frozenset(INBOX_STATES["active"])  # an agent's active inbox: offered, in progress, held


class EmployeeWatchingHub(WatchingHub):
    """A hub whose groups are employees (employeeHub, agentHub): an item shows with the agent holding it while
    it is active, and a world replaced under the monitors changes every monitored employee."""

    def place(self, item: OpenMediaItem) -> str | None:
        return item.agent_id if item.state in ACTIVE else None

    def world_replaced(self, world: Any) -> None:
        super().world_replaced(world)
        self._dirty_employees.update(self.monitored())

