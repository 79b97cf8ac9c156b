"""A call leg's lifecycle as an explicit transition table (the Media API's call states and actions).

Each endpoint in a call has its own leg. Every state change of a leg goes through :func:`next_state`; a
move the table does not list is a :class:`LegTransitionError` (a 409 on the wire), so no handler can
invent one: a ringing call can be redirected but not transferred, a held call retrieved but not answered.

::

    (made) --ring--> ringing --answer (inbound) / connect (far end answered)--> connected <--retrieve-- held
                        |                                                        |   \\--hold/consult-->  ^
                        +--redirect (inbound)--> completed                       |                        |
    ringing/connected/held --end / drop / timeout--> completed                  +--conference (held too)-+
    connected/held --blindTransfer / supervisedTransfer--> completed
    connected --dtmf--> connected
"""

from __future__ import annotations

from enum import StrEnum

from micc_sim.faces.cloudlink.errors import DirectoryError


class CallState(StrEnum):
    """The call (and line) states of the Media API (wire-notes); ``unknown``, ``idle`` and
    ``outOfService`` are line states no simulated leg takes."""

    unknown = "unknown"
    idle = "idle"
    ringing = "ringing"
    connected = "connected"
    held = "held"
    outOfService = "outOfService"
    completed = "completed"


class Cause(StrEnum):
    """Why a leg is in its state. The first block is the vendor's (wire-notes); the rest are the CSTA
    causes the simulator needs besides (inferred)."""

    newCall = "newCall"
    busy = "busy"
    callBack = "callBack"
    callCancelled = "callCancelled"
    callForward = "callForward"
    callNotAnswer = "callNotAnswer"
    destNotObtainable = "destNotObtainable"
    doNotDisturb = "doNotDisturb"
    redirected = "redirected"
    transfer = "transfer"
    normalClearing = "normalClearing"
    consultation = "consultation"
    conference = "conference"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class Action(StrEnum):
    """What ``PUT /endpoints/{id}/calls/{callId}`` asks (the client's actions), and what happens to a leg
    because of the other parties or the clock (the simulator's own)."""

    answer = "answer"
    end = "end"
    hold = "hold"
    retrieve = "retrieve"
    blindTransfer = "blindTransfer"
    supervisedTransfer = "supervisedTransfer"
    consult = "consult"
    dtmf = "dtmf"
    conference = "conference"
    redirect = "redirect"
    # not on the wire
    connect = "connect"  # the far end answered
    drop = "drop"  # the other parties left, or the destination refused the call
    timeout = "timeout"  # originateTimeout expired while ringing
    move = "move"  # the leg leaves this call for another one (transfer, conference): completed here
    join = "join"  # back to connected when a conference forms


CLIENT_ACTIONS = (Action.answer, Action.end, Action.hold, Action.retrieve, Action.blindTransfer,
                  Action.supervisedTransfer, Action.consult, Action.dtmf, Action.conference, Action.redirect)

S, A = CallState, Action
TRANSITIONS: dict[tuple[CallState, Action], CallState] = {
    (S.ringing, A.answer): S.connected,
    (S.ringing, A.connect): S.connected,
    (S.ringing, A.redirect): S.completed,
    (S.ringing, A.end): S.completed,
    (S.ringing, A.drop): S.completed,
    (S.ringing, A.timeout): S.completed,
    (S.ringing, A.move): S.completed,
    (S.connected, A.end): S.completed,
    (S.connected, A.drop): S.completed,
    (S.connected, A.move): S.completed,
    (S.connected, A.hold): S.held,
    (S.connected, A.consult): S.held,
    (S.connected, A.blindTransfer): S.completed,
    (S.connected, A.supervisedTransfer): S.completed,
    (S.connected, A.conference): S.connected,
    (S.connected, A.join): S.connected,
    (S.connected, A.dtmf): S.connected,
    (S.held, A.retrieve): S.connected,
    (S.held, A.end): S.completed,
    (S.held, A.drop): S.completed,
    (S.held, A.move): S.completed,
    (S.held, A.consult): S.held,
    (S.held, A.blindTransfer): S.completed,
    (S.held, A.supervisedTransfer): S.completed,
    (S.held, A.conference): S.connected,
    (S.held, A.join): S.connected,
}
del S, A

LIVE = frozenset({CallState.ringing, CallState.connected, CallState.held})


class LegTransitionError(DirectoryError):
    """An action the leg's state does not allow (a 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "ConflictError", message)


_WHY = {
    Action.blindTransfer: "a transfer needs the call answered first (redirect a ringing call instead)",
    Action.supervisedTransfer: "a transfer needs the call answered first (redirect a ringing call instead)",
    Action.redirect: "only a ringing call can be redirected (transfer an answered one instead)",
    Action.answer: "only a ringing call can be answered",
    Action.retrieve: "only a held call can be retrieved",
    Action.hold: "only a connected call can be held",
}


def next_state(state: CallState, action: Action) -> CallState:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        why = _WHY.get(action, f"{action.value} is not possible")
        raise LegTransitionError(f"the call is {state.value}: {why}") from None
