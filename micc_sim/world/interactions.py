"""Interactions other than open media: voice calls, chats, e-mails and SMS, with their lifecycles.

One :class:`Interaction` is one agent's side of a session (a *leg*): a call between two agents is two
interactions linked by ``peer_id``. Every state change goes through :func:`next_state` and the media's
transition table, so no command can invent a path (or end an interaction twice).

Voice::

    (new) --queue--> Queued --offer--> Ringing --answer--> Connected --hangup/leave--> Ended | Clerical --> Ended
    (new) --ring---> Ringing   Ringing --reject/timeout--> Queued      Connected <--hold/retrieve--> Held
    (new) --dial---> Dialing --far_ring--> Calling --far_answer--> Connected     Dialing/Calling --fail--> Failed
    Connected/Held --conference--> Conference --leave_conference--> Connected   Failed --intrude--> Conference
    Queued/Ringing --leave--> Abandoned     Ringing/Connected/Held --deflect--> Ended | --requeue--> Queued
    Queued --pick--> Connected (dispatch retrieve)     Queued --dial--> Dialing (a campaign customer retrieved)

Chats follow the same table without dialing, holding and conferencing; e-mails and SMS are offered and then
handled (``Connected``), and end without wrap-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from micc_sim.world.model import ConversationState, MediaType


class InteractionState(IntEnum):
    """Where an interaction is (names of the simulator's own; faces map them to their enums)."""

    Queued = 1  # waiting in a queue (service group) or on common hold
    Ringing = 2  # offered to an agent
    Dialing = 3  # an outgoing call before the far end rings
    Calling = 4  # the far end rings
    Connected = 5  # talking, chatting, handling a message
    Held = 6
    Conference = 7
    Clerical = 8  # wrap-up after an ACD interaction
    Ended = 9
    Abandoned = 10  # the customer left before an agent answered
    Failed = 11  # an outgoing call that could not be completed (busy, not obtainable)


LIVE = frozenset({InteractionState.Queued, InteractionState.Ringing, InteractionState.Dialing,
                  InteractionState.Calling, InteractionState.Connected, InteractionState.Held,
                  InteractionState.Conference, InteractionState.Clerical, InteractionState.Failed})
TALKING = frozenset({InteractionState.Connected, InteractionState.Conference})


class InteractionKind(StrEnum):
    ACD = "acd"  # routed through a queue to the next free agent
    DIRECT = "direct"  # to one agent's extension or address, no queue
    OUTGOING = "outgoing"  # made by the agent
    PERSONAL = "personal"  # waiting for its preferred agent (dispatch personal call)
    COMMON_HOLD = "common_hold"  # parked where any agent may retrieve it (dispatch common hold call)
    CAMPAIGN = "campaign"  # a campaign customer to call (dispatch campaign call)


class CallType(IntEnum):
    """Agent Integration, ICall.Type."""

    Unknown = 0
    Incoming = 1
    Outgoing = 2
    Consultation = 3
    Callback = 4
    AttendantRecall = 5


class CampaignStatus(IntEnum):
    """Agent Integration: the standard campaign call statuses (a customer value may be any number above 64)."""

    NotYetCalled = 1
    Busy = 2
    NoAnswer = 4
    CallbackLater = 8
    Completed = 16
    WrongNumber = 32
    DoNotCallAgain = 64


@dataclass
class CampaignCall:
    campaign_id: int
    campaign_name: str
    customer_id: int
    customer_name: str = ""
    comment: str = ""
    status: int = CampaignStatus.NotYetCalled.value
    fields: dict[str, str] = field(default_factory=dict)  # campaign customer fields, label -> data
    callback_at: datetime | None = None
    form_open: bool = True


class Move(StrEnum):
    QUEUE = "queue"
    OFFER = "offer"
    RING = "ring"  # straight to an agent, no queue
    ANSWER = "answer"
    REJECT = "reject"  # the agent gives a ringing ACD interaction back to its queue
    TIMEOUT = "timeout"  # rang out: back to its queue
    DIAL = "dial"
    FAR_RING = "far_ring"
    FAR_ANSWER = "far_answer"
    FAIL = "fail"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    CONFERENCE = "conference"
    LEAVE_CONFERENCE = "leave_conference"  # the other legs left: a two-party call again
    HANGUP = "hangup"  # the agent (or the far end) ends it
    WRAP_UP = "wrap_up"  # ends into clerical time
    END_CLERICAL = "end_clerical"
    LEAVE = "leave"  # the customer leaves before an agent answered
    DEFLECT = "deflect"  # sent on elsewhere: over for this agent
    REQUEUE = "requeue"  # sent back to a queue (deflected to a service group)
    PICK = "pick"  # an agent retrieves a waiting interaction (dispatch)
    INTRUDE = "intrude"


S = InteractionState
_TALK = (S.Connected, S.Held, S.Conference)

_COMMON: dict[tuple[S | None, Move], S] = {
    (None, Move.QUEUE): S.Queued,
    (None, Move.RING): S.Ringing,
    (S.Queued, Move.OFFER): S.Ringing,
    (S.Queued, Move.LEAVE): S.Abandoned,
    (S.Queued, Move.PICK): S.Connected,
    (S.Ringing, Move.ANSWER): S.Connected,
    (S.Ringing, Move.REJECT): S.Queued,
    (S.Ringing, Move.TIMEOUT): S.Queued,
    (S.Ringing, Move.LEAVE): S.Abandoned,
    (S.Ringing, Move.REQUEUE): S.Queued,
    (S.Ringing, Move.HANGUP): S.Ended,  # a direct one declined
    (S.Connected, Move.HANGUP): S.Ended,
    (S.Connected, Move.REQUEUE): S.Queued,
}

VOICE: dict[tuple[S | None, Move], S] = {
    **_COMMON,
    (None, Move.DIAL): S.Dialing,
    (S.Queued, Move.DIAL): S.Dialing,
    (S.Dialing, Move.FAR_RING): S.Calling,
    (S.Dialing, Move.FAR_ANSWER): S.Connected,
    (S.Calling, Move.FAR_ANSWER): S.Connected,
    (S.Dialing, Move.FAIL): S.Failed,
    (S.Calling, Move.FAIL): S.Failed,
    (S.Dialing, Move.HANGUP): S.Ended,
    (S.Calling, Move.HANGUP): S.Ended,
    (S.Failed, Move.HANGUP): S.Ended,
    (S.Failed, Move.INTRUDE): S.Conference,
    (S.Connected, Move.HOLD): S.Held,
    (S.Held, Move.RETRIEVE): S.Connected,
    (S.Connected, Move.CONFERENCE): S.Conference,
    (S.Held, Move.CONFERENCE): S.Conference,
    (S.Conference, Move.LEAVE_CONFERENCE): S.Connected,
    (S.Ringing, Move.DEFLECT): S.Ended,
    (S.Held, Move.REQUEUE): S.Queued,
    **{(state, Move.HANGUP): S.Ended for state in _TALK},
    **{(state, Move.WRAP_UP): S.Clerical for state in _TALK},
    **{(state, Move.DEFLECT): S.Ended for state in _TALK},
    (S.Clerical, Move.END_CLERICAL): S.Ended,
}

CHAT: dict[tuple[S | None, Move], S] = {
    **_COMMON,
    (S.Connected, Move.WRAP_UP): S.Clerical,
    (S.Clerical, Move.END_CLERICAL): S.Ended,
}

MESSAGE: dict[tuple[S | None, Move], S] = dict(_COMMON)  # e-mail and SMS

TABLES = {MediaType.Voice: VOICE, MediaType.Chat: CHAT, MediaType.Email: MESSAGE, MediaType.Sms: MESSAGE}


class InteractionTransitionError(Exception):
    def __init__(self, media: MediaType, state: S | None, move: Move) -> None:
        shown = state.name if state is not None else "new"
        super().__init__(f"a {media.name} interaction in state {shown} cannot {move.value}")
        self.state = state
        self.move = move


def next_state(media: MediaType, state: S | None, move: Move) -> S:
    try:
        return TABLES[media][(state, move)]
    except KeyError:
        raise InteractionTransitionError(media, state, move) from None


def can(media: MediaType, state: S | None, move: Move) -> bool:
    return (state, move) in TABLES[media]


@dataclass
class Interaction:
    id: str  # a GUID: the conversation id the MiCC SDK shows
    number: int  # the integer ID the agent desktop shows
    media: MediaType
    kind: InteractionKind
    state: InteractionState
    created: datetime
    call_type: CallType = CallType.Incoming
    queue_id: str | None = None
    agent_id: str | None = None
    preferred_agent_id: str | None = None  # a personal call's agent
    general_from: datetime | None = None  # when a personal call becomes general (any agent)
    reserved_by: str | None = None  # dispatch: the agent who reserved it
    from_address: str = ""  # the caller's number, the sender's e-mail address or SMS number
    from_name: str = ""
    to_address: str = ""  # the number called or dialed
    subject: str = ""
    body: str = ""
    customer_id: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    ivr_labels: list[str] = field(default_factory=list)
    ivr_data: list[str] = field(default_factory=list)
    cdr: list[str] = field(default_factory=list)  # IVR data written with a call detail record
    private_data: str = ""
    dtmf: str = ""  # digits the agent sent
    recording: bool = False
    cq_codes: list[int] = field(default_factory=list)
    campaign: CampaignCall | None = None
    peer_id: str | None = None  # the other agent's leg of an internal call
    conference_id: str | None = None
    consulting_id: str | None = None  # the interaction whose data a transferred call carries
    declined_by: set[str] = field(default_factory=set)
    time_queued: datetime | None = None
    time_offered: datetime | None = None
    time_connected: datetime | None = None
    time_ended: datetime | None = None

    @property
    def live(self) -> bool:
        return self.state in LIVE

    @property
    def acd(self) -> bool:
        return self.queue_id is not None

    def conversation_state(self) -> ConversationState:
        """The MiCC SDK's view of the state (InQueue, Offered, Acd/NonAcd, Held, Ended, Abandoned, Failed)."""
        state = self.state
        if state is S.Queued:
            return ConversationState.InQueue
        if state is S.Ringing:
            return ConversationState.Offered
        if state is S.Held:
            return ConversationState.Held
        if state in (S.Dialing, S.Calling, S.Connected, S.Conference, S.Clerical):
            return ConversationState.Acd if self.acd else ConversationState.NonAcd
        if state is S.Abandoned:
            return ConversationState.Abandoned
        if state is S.Failed:
            return ConversationState.Failed
        return ConversationState.Ended
