"""``queueHub``: a queue's "Queue Now" state and its waiting conversations, pushed as they change (the MiCC
SDK reference: the Queue tag's real-time updates go through the SignalR hub "queueHub").

Client methods, as Mitel's MiCC SDK samples invoke them, each with an **array** of queue ids (a name or
reporting number, or a single one, is taken too): ``addStateMonitor([ids])`` / ``removeStateMonitor([ids])``
follow a queue's state, ``addConversationMonitor([ids])`` / ``removeConversationMonitor([ids])`` its
waiting conversations. ``addMonitor`` / ``removeMonitor`` (this simulator's earlier names, kept for its own
clients and scenarios) do both. Anyone who may read ``GET /queues/{id}/state`` may monitor the queue.

Server calls, with the REST surface's own objects: ``queueStateChanged(state)`` (``GET /queues/{id}/state``)
to state monitors, at most once per queue per event-loop turn and only when something but the clock changed
it; to conversation monitors ``queueConversationChanged([conversation, ...])`` for conversations that
started waiting or changed while waiting (items of ``GET /queues/{id}/conversations``) and
``queueConversationRemoved([conversationId, ...])`` for the ones that stopped waiting (offered, picked,
transferred, abandoned). The positions of the others shift then without a push of their own.
"""

from __future__ import annotations

import json
from typing import Any

from micc_sim.faces.micc.conversations.responses import conversation_to_wire
from micc_sim.faces.micc.hubs.watch import WatchingHub
from micc_sim.faces.micc.queues.responses import queue_state_to_wire
from micc_sim.faces.micc.signalr.connections import Connections
from micc_sim.faces.micc.signalr.hubs import HubCall, HubError
from micc_sim.faces.micc.wire import BaseUrl
from micc_sim.world.model import ConversationState, OpenMediaItem, Queue

CLOCK_FIELDS = ("timeOfLastReceivedUpdate", "longestWaitingConversationDuration")  # move with time alone
STATE, CONVERSATIONS = "state:", "conversations:"  # the two kinds of monitor, as group name prefixes


class QueueHub(WatchingHub):
    name = "queueHub"

    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self.methods = {
            "addstatemonitor": self.add_state_monitor,
            "removestatemonitor": self.remove_state_monitor,
            "addconversationmonitor": self.add_conversation_monitor,
            "removeconversationmonitor": self.remove_conversation_monitor,
            "addmonitor": self.add_monitor,
            "removemonitor": self.remove_monitor,
        }

    # -- client methods ----------------------------------------------------------------------
    def add_state_monitor(self, call: HubCall, queue_ids: Any) -> None:
        self._add(call, queue_ids, (STATE,))

    def remove_state_monitor(self, call: HubCall, queue_ids: Any) -> None:
        self._remove(call, queue_ids, (STATE,))

    def add_conversation_monitor(self, call: HubCall, queue_ids: Any) -> None:
        self._add(call, queue_ids, (CONVERSATIONS,))

    def remove_conversation_monitor(self, call: HubCall, queue_ids: Any) -> None:
        self._remove(call, queue_ids, (CONVERSATIONS,))

    def add_monitor(self, call: HubCall, queues: Any) -> None:
        self._add(call, queues, (STATE, CONVERSATIONS), allow_none=False)

    def remove_monitor(self, call: HubCall, queues: Any) -> None:
        self._remove(call, queues, (STATE, CONVERSATIONS), allow_none=False)

    def _add(self, call: HubCall, refs: Any, kinds: tuple[str, ...], allow_none: bool = True) -> None:
        for queue in self._queues(call, refs, allow_none):  # all resolved first: one unknown id joins nothing
            for kind in kinds:
                self.join(call, kind + queue.id)

    def _remove(self, call: HubCall, refs: Any, kinds: tuple[str, ...], allow_none: bool = True) -> None:
        for queue in self._queues(call, refs, allow_none):
            for kind in kinds:
                call.leave(kind + queue.id)
        self.forget_if_idle()

    @staticmethod
    def _queues(call: HubCall, refs: Any, allow_none: bool) -> list[Queue]:
        refs = refs if isinstance(refs, list) else [refs]
        if (not refs and not allow_none) or not all(isinstance(r, str | int) and not isinstance(r, bool)
                                                    for r in refs):
            raise HubError("Name the queues: an array of queue ids (a name or reporting number also works).")
        return [call.world.queue(str(r)) for r in refs]

    # -- tracking ----------------------------------------------------------------------------
    def place(self, item: OpenMediaItem) -> str | None:
        """The queue the item waits in (a swallowed item waits nowhere a client sees)."""
        if item.state is not ConversationState.InQueue or item.swallowed:
            return None
        return item.queue_id

    def world_replaced(self, world: Any) -> None:
        super().world_replaced(world)
        self._last_state.clear()

    def flush(self, world: Any, items: set[str], employees: set[str]) -> None:
        changed, removed = self.regroup(world, items)
        monitored = set(self.monitored())
        queue_ids = {g.partition(":")[2] for g in monitored}
        for queue_id in sorted(queue_ids):  # any change may move a queue's numbers (agents serve several)
            if CONVERSATIONS + queue_id in monitored:
                if removed.get(queue_id):
                    self.push(CONVERSATIONS + queue_id, "queueConversationRemoved",
                              lambda base, c=removed[queue_id]: [c])
                if changed.get(queue_id):
                    self.push(CONVERSATIONS + queue_id, "queueConversationChanged", lambda base, c=changed[queue_id]: [
                        [conversation_to_wire(world, i, BaseUrl(base)) for i in c]])
            queue = world.queues.get(queue_id)
            if queue is not None and STATE + queue_id in monitored:
                self._push_state(world, queue)

    def _push_state(self, world: Any, queue: Queue) -> None:
        state = queue_state_to_wire(world, queue, BaseUrl(""))
        fingerprint = json.dumps({k: v for k, v in state.items() if k not in CLOCK_FIELDS}, sort_keys=True)
        self.push_state(STATE + queue.id, "queueStateChanged", fingerprint,
                        lambda base: [queue_state_to_wire(world, queue, BaseUrl(base))])
