"""World events -> the events of Agent Integration, for every registered desk they concern.

Runs on the bus (synchronously, where the world changed), so each payload is rendered at once, from the
world as it is at that moment, and queued on the desk's outbox; the desk's sender task emits them in order.

* ``OnCallEvent`` / ``OnChatEvent`` / ``OnEmailEvent`` / ``OnSMSEvent`` / ``OnOpenMediaEvent``: to the desks of
  the agent the interaction is with, and a last one (State Idle) to a desk that showed it when it leaves the
  agent (requeued, deflected, transferred away).
* ``OnDispatch...Event`` (payload, UpdateType 0 Add / 1 Update / 2 Delete): to desks with dispatch events
  enabled and a subscription for the list and service group (or campaign) of a waiting interaction.
* ``OnUserStatusUpdate`` when the agent's IUserInformation changes; ``OnUserLogin`` when they log on.
* ``OnRealTimeInformationUpdate`` when CallsInQueue of a subscribed service group changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from micc_sim.faces.desktop import wire
from micc_sim.faces.desktop.models import Desk, Desks
from micc_sim.world.events import EmployeeStateChanged, Event, InteractionChanged, OpenMediaChanged
from micc_sim.world.interactions import Interaction, InteractionState
from micc_sim.world.model import OpenMediaItem


class DesktopEvents:
    def __init__(self, sim: Any, desks: Desks) -> None:
        self.sim = sim
        self.desks = desks
        sim.bus.subscribe(Event, self.on_event)

    def on_event(self, event: Event) -> None:
        if not self.desks.by_sid:  # no desktop connected (every change of the world asks)
            return
        desks = self.desks.registered()
        if not desks:
            return
        for desk in desks:
            if isinstance(event, OpenMediaChanged):
                self._open_media(desk, event)
            elif isinstance(event, InteractionChanged):
                self._interaction(desk, event)
                self._dispatch(desk, event)
            elif isinstance(event, EmployeeStateChanged) and event.employee.id == desk.agent_id:
                self.user_status(desk)
            if desk.realtime:
                self.real_time(desk)

    # -- sessions ---------------------------------------------------------------------------------
    def _open_media(self, desk: Desk, event: OpenMediaChanged) -> None:
        item = event.item
        mine = desk.agent_id is not None and item.agent_id == desk.agent_id and item.state.name != "InQueue"
        self._show(desk, item, mine, "OnOpenMediaEvent", wire.open_media)

    def _interaction(self, desk: Desk, event: InteractionChanged) -> None:
        it = event.interaction
        name, view = wire.SESSION_VIEWS[it.media]
        mine = desk.agent_id is not None and it.agent_id == desk.agent_id and it.state is not InteractionState.Queued
        self._show(desk, it, mine, name, view)

    def _show(self, desk: Desk, session: OpenMediaItem | Interaction, mine: bool, name: str,
              view: Callable[..., Any]) -> None:
        """Send the agent's session to their desk; a desk that showed it gets a last one (gone) when it leaves
        the agent."""
        if mine:
            desk.send(name, view(self.sim.world, session))
            if session.live:
                desk.shown.add(session.id)
            else:
                desk.shown.discard(session.id)
        elif session.id in desk.shown:
            desk.shown.discard(session.id)
            desk.send(name, view(self.sim.world, session, gone=True))

    # -- dispatch ---------------------------------------------------------------------------------
    def _dispatch(self, desk: Desk, event: InteractionChanged) -> None:
        if not desk.dispatch_enabled:
            return
        it = event.interaction
        kind = wire.dispatch_kind(it)
        if kind is None:
            return
        waiting = it.state is InteractionState.Queued
        if waiting and subscribed(desk, kind, wire.dispatch_filter_id(self.sim.world, it)):
            update = wire.UpdateType.Update if it.id in desk.dispatch_seen else wire.UpdateType.Add
            desk.dispatch_seen.add(it.id)
            desk.send(wire.DISPATCH_EVENTS[kind], wire.dispatch_object(self.sim.world, it), int(update))
        elif it.id in desk.dispatch_seen:
            desk.dispatch_seen.discard(it.id)
            desk.send(wire.DISPATCH_EVENTS[kind], wire.dispatch_object(self.sim.world, it), int(wire.UpdateType.Delete))

    def announce_waiting(self, desk: Desk, kind: str | None = None) -> None:
        """Dispatch events were enabled or a list subscribed: an Add for each interaction already waiting."""
        if not desk.dispatch_enabled:
            return
        world = self.sim.world
        for it in world.sessions.live():
            it_kind = wire.dispatch_kind(it)
            if (it.state is InteractionState.Queued and it_kind is not None and (kind is None or it_kind == kind)
                    and it.id not in desk.dispatch_seen
                    and subscribed(desk, it_kind, wire.dispatch_filter_id(world, it))):
                desk.dispatch_seen.add(it.id)
                desk.send(wire.DISPATCH_EVENTS[it_kind], wire.dispatch_object(world, it), int(wire.UpdateType.Add))

    # -- the agent --------------------------------------------------------------------------------
    def user_status(self, desk: Desk) -> None:
        world = self.sim.world
        agent = world.employees.get(desk.agent_id or "")
        info = wire.user_information(world, agent)
        if info["LoggedOn"] and not desk.logged_on:
            desk.send("OnUserLogin")
        desk.logged_on = bool(info["LoggedOn"])
        if info != desk.last_user_info:
            desk.last_user_info = info
            desk.send("OnUserStatusUpdate", info)

    def real_time(self, desk: Desk, force: bool = False) -> None:
        world = self.sim.world
        for queue_id, last in list(desk.realtime.items()):
            queue = world.queues.get(queue_id)
            if queue is None:
                continue
            info = wire.real_time_information(world, queue)
            if force or info["CallsInQueue"] != last:
                desk.realtime[queue_id] = info["CallsInQueue"]
                desk.send("OnRealTimeInformationUpdate", info)


def subscribed(desk: Desk, kind: str, filter_id: int) -> bool:
    wanted = desk.dispatch.get(kind)
    if wanted is None:
        return False
    return kind == "common_hold" or 0 in wanted or filter_id in wanted
