"""``queueHub``: a queue's "Queue Now" state and its waiting conversations, pushed as they change (MiCC SDK reference:
the Queue tag's real-time updates go through the SignalR hub "queueHub").

The vendor documents name the hub only; the names here are ours. Client methods: ``addMonitor(queue)`` and
``removeMonitor(queue)``, with a queue id, name or reporting number (or a list of them). Anyone who may read
``GET /queues/{id}/state`` may monitor the queue.

Server calls, with the REST surface's own objects: ``queueStateChanged(state)`` (``GET /queues/{id}/state``),
at most once per queue per event-loop turn and only when something but the clock changed it;
``queueConversationChanged([conversation, ...])`` for conversations that started waiting or changed while
waiting (items of ``GET /queues/{id}/conversations``); ``queueConversationRemoved(conversationId, queueId)``
when one stops waiting (offered, picked, transferred, abandoned). The positions of the others shift then
without a push of their own.
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


class QueueHub(WatchingHub):
    name = "queueHub"

    def __init__(self, sim: Any, connections: Connections) -> None:
        super().__init__(sim, connections)
        self.methods = {"addmonitor": self.add_monitor, "removemonitor": self.remove_monitor}

    # -- client methods ----------------------------------------------------------------------
    def add_monitor(self, call: HubCall, queues: Any) -> None:
        for queue in self._queues(call, queues):
            self.join(call, queue.id)

    def remove_monitor(self, call: HubCall, queues: Any) -> None:
        for queue in self._queues(call, queues):
            call.leave(queue.id)
        self.forget_if_idle()

    @staticmethod
    def _queues(call: HubCall, refs: Any) -> list[Queue]:
        refs = refs if isinstance(refs, list) else [refs]
        if not refs or not all(isinstance(r, str | int) and not isinstance(r, bool) for r in refs):
            raise HubError("Name a queue (id, name or reporting number) or a list of them.")
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
        for queue_id in self.monitored():  # any change may move a queue's numbers (agents serve several)
            queue = world.queues.get(queue_id)
            for conversation_id in removed.get(queue_id, ()):
                self.push(queue_id, "queueConversationRemoved", lambda base, c=conversation_id, q=queue_id: [c, q])
            if changed.get(queue_id):
                waiting = changed[queue_id]
                self.push(queue_id, "queueConversationChanged", lambda base, c=waiting: [
                    [conversation_to_wire(world, i, BaseUrl(base)) for i in c]])
            if queue is not None:
                self._push_state(world, queue)

    def _push_state(self, world: Any, queue: Queue) -> None:
        state = queue_state_to_wire(world, queue, BaseUrl(""))
        fingerprint = json.dumps({k: v for k, v in state.items() if k not in CLOCK_FIELDS}, sort_keys=True)
        self.push_state(queue.id, "queueStateChanged", fingerprint,
                        lambda base: [queue_state_to_wire(world, queue, BaseUrl(base))])
