"""The open-media lifecycle as an explicit transition table.

Every state change of an item goes through :func:`next_state`; a move the table does not list is a
:class:`TransitionError`, so no handler can invent a path (and no item can end twice).

::

    (posted) --queue--> InQueue --offer--> Offered --accept--> Acd --end/complete--> Handled
                          |  ^                |  |              | ^
                          |  +--requeue/------+  |            hold retrieve
                          |     decline          |              v |
                          +--complete-->  Abandoned <--complete-+ Held --end/complete--> Handled
    InQueue --pick--> Acd (an agent takes it from the queue)
    InQueue/Offered/Acd/Held --transfer--> InQueue (another queue) or Offered (another agent)
    InQueue/Offered/Acd/Held --drop--> Failed     (posted) --fail--> Failed --reroute--> InQueue
"""

from __future__ import annotations

from enum import StrEnum

from micc_sim.world.model import ConversationState as S


class Action(StrEnum):
    QUEUE = "queue"  # enter a queue (also the swallowing of an unvalidated workflow)
    OFFER = "offer"  # offered to an agent
    ACCEPT = "accept"  # the agent accepts
    REQUEUE = "requeue"  # the offer timed out or was declined
    END = "end"  # the agent ends an accepted item
    COMPLETE = "complete"  # the integration completes it (PUT /openmedia/{id})
    FAIL = "fail"  # no route
    DROP = "drop"  # the server went away under it (IIS restart)
    REROUTE = "reroute"  # an employee reroutes a failed item
    DECLINE = "decline"  # the agent declines an offer
    HOLD = "hold"
    RETRIEVE = "retrieve"  # RemoveHold
    TRANSFER = "transfer"  # to another queue (back to InQueue) ...
    TRANSFER_TO_AGENT = "transfer_to_agent"  # ... or offered straight to an employee
    PICK = "pick"  # an agent takes a waiting item


TRANSITIONS: dict[tuple[S | None, Action], S] = {
    (None, Action.QUEUE): S.InQueue,
    (None, Action.FAIL): S.Failed,
    (None, Action.OFFER): S.Offered,  # an agent starts an item: it is theirs, no queue
    (S.InQueue, Action.OFFER): S.Offered,
    (S.InQueue, Action.COMPLETE): S.Abandoned,
    (S.InQueue, Action.DROP): S.Failed,
    (S.Offered, Action.ACCEPT): S.Acd,
    (S.Offered, Action.REQUEUE): S.InQueue,
    (S.Offered, Action.COMPLETE): S.Abandoned,
    (S.Offered, Action.DROP): S.Failed,
    (S.Acd, Action.END): S.Handled,
    (S.Acd, Action.COMPLETE): S.Handled,
    (S.Acd, Action.DROP): S.Failed,
    (S.Failed, Action.REROUTE): S.InQueue,
    (S.Failed, Action.FAIL): S.Failed,
    (S.Offered, Action.DECLINE): S.InQueue,
    (S.Acd, Action.HOLD): S.Held,
    (S.Held, Action.RETRIEVE): S.Acd,
    (S.Held, Action.END): S.Handled,
    (S.Held, Action.COMPLETE): S.Handled,
    (S.Held, Action.DROP): S.Failed,
    (S.InQueue, Action.PICK): S.Acd,
    **{(state, Action.TRANSFER): S.InQueue for state in (S.InQueue, S.Offered, S.Acd, S.Held)},
    **{(state, Action.TRANSFER_TO_AGENT): S.Offered for state in (S.InQueue, S.Offered, S.Acd, S.Held)},
}


class TransitionError(Exception):
    def __init__(self, state: S | None, action: Action) -> None:
        shown = state.name if state is not None else "new"
        super().__init__(f"an open media item in state {shown} cannot {action.value}")
        self.state = state
        self.action = action


def next_state(state: S | None, action: Action) -> S:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionError(state, action) from None
