"""What the MiCC hubs share: turning world events into pushes, coalesced per event-loop turn.

A bus handler only notes what changed (item ids, employee ids) and schedules one flush on the loop; the
flush reads the world as it is then and pushes the current picture of what changed. A burst of events
(a load test, a dispatch that offers ten items) costs one push per monitored object, and a push never
shows a half-done change. While no one monitors anything, the hub tracks nothing and costs nothing: it is
not even subscribed to the bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from simulator.micc.signalr.connections import Connection, Connections
from simulator.micc.signalr.hubs import Hub
from simulator.world.events import EmployeeStateChanged, OpenMediaChanged


class WatchingHub(Hub):
    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self._world: Any = None  # the world the tracking state describes; None while nobody monitors
        self._dirty_items: set[str] = set()
        self._dirty_employees: set[str] = set()
        self._scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        connections.on_removed(self._connection_removed)

    # -- what subclasses write ---------------------------------------------------------------
    def resync(self, world: Any) -> None:
        """Start tracking ``world`` from what it is now (the first monitor arrived)."""

    def world_replaced(self, world: Any) -> None:
        """The world was reset or restored under the monitors: mark what the old one had as changed."""

    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        """Push what changed: ``items`` and ``employees`` are the ids the events named since the last flush."""

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
            self._world = self.sim.world
            self.resync(self._world)
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
