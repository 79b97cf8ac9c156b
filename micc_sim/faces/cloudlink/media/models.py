"""Media: the users' phones (endpoints), calls between them, call records and recordings (CloudLink guides, Media API).

An endpoint is the phone of a directory user with an ``extension`` (its endpointId is the extension);
its line state follows its calls. A call has one callId and one *leg* per party: each endpoint sees its
leg under ``/endpoints/{endpointId}/calls/{callId}``. Legs move through the transition table of
:mod:`micc_sim.faces.cloudlink.media.lifecycle`. Rules the vendor leaves open, chosen here (inferred):

* a call to an extension of the caller's account rings that endpoint; anything else is an *external*
  party, which answers :data:`EXTERNAL_ANSWER_SECONDS` after it starts ringing and never hangs up;
* an endpoint in do-not-disturb refuses an incoming call (cause ``doNotDisturb``) and one that already
  has a live call refuses it too (cause ``busy``; no call waiting): a new call ends at once on the
  caller's leg, a redirect, transfer or consultation to it is a 409;
* ``originateTimeout`` seconds after a call is made, if nobody has answered, every leg ends with cause
  ``callNotAnswer``; without it a call rings until someone acts;
* when a party leaves and one party (or only external ones) remains, the call ends for them too, with
  cause ``normalClearing`` if it was answered, ``callCancelled`` if not;
* a call made with ``record: true`` leaves a recording when it ends, if it was ever answered; a conference
  is recorded between ``record`` and ``stop-record`` (or its meeting ending), paused time not counted;
* a call made with ``successUrl`` / ``failureUrl`` announces its outcome once (:class:`CallbackDue`): success
  when it is first answered, failure when the caller's leg ends before that (refused, not answered before
  ``originateTimeout``, cancelled, rejected); ``executeOnAnswer: bridge`` moves the answering party into the
  ``associatedCallId`` call and ends the caller's leg of the new call.

Every leg change emits :class:`LegChanged` (the publication), every endpoint change
:class:`EndpointChanged`, and both feed the user's ``phones`` presence source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.errors import refused
from micc_sim.faces.cloudlink.media.conferences import Conference, Conferences
from micc_sim.faces.cloudlink.media.lifecycle import Action, CallState, Cause, Direction, next_state
from micc_sim.faces.cloudlink.presence.feeds import phone_presence
from micc_sim.faces.cloudlink.presence.models import PHONES, Presence
from micc_sim.world.clock import Clock, Timer
from micc_sim.world.cloudlink_config import cl_id
from micc_sim.world.events import Event

if TYPE_CHECKING:
    from micc_sim.faces.cloudlink.platform import CloudLink

EXTERNAL_ANSWER_SECONDS = 5.0
RECORDS_KEPT = 10_000
DIAL_STRING = re.compile(r"^\+?[0-9*#]{1,32}$")
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,64}$")
FIRST_CALL_ID = 1_000_001
RECORDINGS_KEPT = 10_000


class Availability(StrEnum):
    available = "available"
    busy = "busy"
    dnd = "dnd"
    away = "away"


class RecordingState(StrEnum):
    """A recording's state (inferred names): a conference's is ``recording`` or ``paused`` until stopped."""

    recording = "recording"
    paused = "paused"
    completed = "completed"


class ConferenceRecordingAction(StrEnum):
    """The Swagger's ``POST /conferences/{id}`` recording actions."""

    record = "record"
    stop = "stop-record"
    pause = "pause-record"
    resume = "resume-record"


class EndpointAction(StrEnum):
    dnd = "dnd"
    messageWaiting = "messageWaiting"
    pstnRouting = "pstnRouting"


@dataclass
class Endpoint:
    """What a client sets on a phone; its line state comes from its calls (:meth:`Media.line_state`)."""

    endpoint_id: str
    account_id: str
    user_availability: Availability = Availability.available
    dnd: bool = False
    message_waiting: bool = False
    pstn_routing: bool = False

    @property
    def in_dnd(self) -> bool:
        return self.dnd or self.user_availability is Availability.dnd


@dataclass
class Leg:
    """One party's side of a call. ``party`` is the endpoint id, or the number of an external party."""

    call_id: str
    party: str
    account_id: str
    direction: Direction
    state: CallState
    cause: Cause
    from_: str
    from_name: str
    to: str
    to_name: str
    created_on: datetime
    external: bool = False
    associated_call_id: str | None = None
    record: bool = False
    originate_timeout: int | None = None
    connected_on: datetime | None = None
    ended_on: datetime | None = None
    consult_call_id: str | None = None  # the consultation call this party made from this call
    consult_for: str | None = None  # on a consultation leg: the call it consults for
    dtmf: str = ""  # digits sent on this leg


@dataclass
class Call:
    call_id: str
    account_id: str
    created_on: datetime
    legs: dict[str, Leg] = field(default_factory=dict)  # party -> live leg, in joining order
    connected_on: datetime | None = None  # first answered
    record_by: str | None = None  # the endpoint that asked for a recording
    made_by: str | None = None  # the endpoint that made the call
    success_url: str | None = None  # POST /endpoints/{id}/calls successUrl: told when the call is answered
    failure_url: str | None = None  # ... failureUrl (or successUrl): told when it fails before an answer
    outcome_told: bool = False  # the outcome goes out once
    bridge_to: str | None = None  # executeOnAnswer bridge: the call the answering party joins


@dataclass
class CallRecord:
    """What an ended leg leaves in the call history."""

    record_id: str
    call_id: str
    endpoint_id: str
    account_id: str
    direction: Direction
    from_: str
    from_name: str
    to: str
    to_name: str
    cause: Cause
    created_on: datetime
    ended_on: datetime
    connected_on: datetime | None = None
    recording_id: str | None = None
    hidden: bool = False  # PUT /calls/records {"hide": true}: out of the call history, still kept


@dataclass
class Recording:
    """A call's (from answer to end) or a conference's (from ``record`` to ``stop-record``, pauses left out).
    A conference's ``call_id`` is the conference id, as the Swagger's ``$filter=callId eq '<conferenceId>'``."""

    recording_id: str
    call_id: str
    account_id: str
    endpoint_id: str | None  # the endpoint that asked; None for a conference's
    created_on: datetime
    duration: float  # seconds recorded (while recording: until the last pause or resume)
    label: str = ""
    content_type: str = "audio/wav"
    conference_id: str | None = None
    state: RecordingState = RecordingState.completed
    resumed_on: datetime | None = None  # while recording: since when the running stretch goes

    def seconds(self, now: datetime) -> float:
        """The length so far: what is recorded, plus the running stretch while recording."""
        running = (now - self.resumed_on).total_seconds() if self.state is RecordingState.recording \
            and self.resumed_on is not None else 0.0
        return self.duration + max(0.0, running)


@dataclass
class MediaTimer:
    kind: str  # "originateTimeout" | "externalAnswer"
    call_id: str
    party: str
    due: datetime


@dataclass
class MediaState:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # "accountId/endpointId"
    calls: dict[str, Call] = field(default_factory=dict)
    records: list[CallRecord] = field(default_factory=list)
    recordings: dict[str, Recording] = field(default_factory=dict)
    conferences: dict[str, Conference] = field(default_factory=dict)
    timers: dict[str, MediaTimer] = field(default_factory=dict)  # "kind/callId/party"
    next_call_id: int = FIRST_CALL_ID
    next_serial: int = 1  # for ids derived from a counter (records, conferences)


@dataclass(frozen=True)
class LegChanged(Event):
    leg: Leg


@dataclass(frozen=True)
class EndpointChanged(Event):
    account_id: str
    endpoint_id: str


@dataclass(frozen=True)
class CallbackDue(Event):
    """A call's outcome for its ``successUrl`` / ``failureUrl`` (``result`` success or failure); ``leg`` is the
    caller's leg at that moment (rendered by the face before it changes again)."""

    url: str
    result: str
    leg: Leg


class Media:
    """The Media service's backend for one CloudLink (state in :attr:`state`, snapshotted)."""

    def __init__(self, platform: CloudLink) -> None:
        self.platform = platform
        self.state = MediaState()
        self.conferences = Conferences(self)
        self._clock: Clock | None = None
        self._armed: dict[str, Timer] = {}

    def now(self) -> datetime:
        return self.platform.now()

    def serial(self, kind: str) -> str:
        """A stable id from the state's counter (the same on every run)."""
        n = self.state.next_serial
        self.state.next_serial += 1
        return cl_id(kind, str(n))

    # -- endpoints -------------------------------------------------------------------------------
    def users_with_phones(self, account_ids: set[str]) -> list[User]:
        return [u for u in self.platform.directory.users.values() if u.extension and u.account_id in account_ids]

    def endpoint_user(self, account_id: str, endpoint_id: str) -> User | None:
        return next((u for u in self.platform.directory.users.values()
                     if u.extension == endpoint_id and u.account_id == account_id), None)

    def principal_of(self, account_id: str, number: str | None) -> str | None:
        """The user whose phone ``number`` is in ``account_id`` (None: an external party), as the Swagger's
        ``fromPrincipalId`` / ``toPrincipalId`` name them."""
        user = self.endpoint_user(account_id, number) if number else None
        return user.user_id if user is not None else None

    def site_of(self, account_id: str) -> str | None:
        """The site the account's phones are at: its first site (the simulator has one PBX per account)."""
        return next((s.site_id for s in self.platform.directory.sites.values() if s.account_id == account_id), None)

    def endpoint(self, account_id: str, endpoint_id: str) -> Endpoint:
        key = f"{account_id}/{endpoint_id}"
        found = self.state.endpoints.get(key)
        if found is None:
            if self.endpoint_user(account_id, endpoint_id) is None:
                raise refused(404, f"endpoint {endpoint_id!r} not found")
            found = self.state.endpoints[key] = Endpoint(endpoint_id, account_id)
        return found

    def legs_of(self, account_id: str, endpoint_id: str) -> list[Leg]:
        return [call.legs[endpoint_id] for call in self.state.calls.values()
                if call.account_id == account_id and endpoint_id in call.legs
                and not call.legs[endpoint_id].external]

    def line_state(self, account_id: str, endpoint_id: str) -> CallState:
        """Connected if any call is, else ringing, else held, else idle."""
        states = {leg.state for leg in self.legs_of(account_id, endpoint_id)}
        return next((s for s in (CallState.connected, CallState.ringing, CallState.held) if s in states),
                    CallState.idle)

    def phone_presence(self, account_id: str, endpoint_id: str) -> Presence:
        endpoint = self.state.endpoints.get(f"{account_id}/{endpoint_id}") or Endpoint(endpoint_id, account_id)
        return phone_presence(endpoint_id, self.line_state(account_id, endpoint_id), endpoint.in_dnd,
                              endpoint.user_availability.value,
                              [leg.call_id for leg in self.legs_of(account_id, endpoint_id)])

    def update_endpoint(self, account_id: str, endpoint_id: str, action: EndpointAction | None,
                        enabled: bool | None, availability: Availability | None) -> Endpoint:
        """``action`` toggles its flag (or sets it to ``enabled``); ``userAvailability`` is set as given."""
        if action is None and availability is None:
            raise refused(400, "send an action (dnd, messageWaiting, pstnRouting) or a userAvailability")
        endpoint = self.endpoint(account_id, endpoint_id)
        if action is not None:
            attribute = {EndpointAction.dnd: "dnd", EndpointAction.messageWaiting: "message_waiting",
                         EndpointAction.pstnRouting: "pstn_routing"}[action]
            setattr(endpoint, attribute, (not getattr(endpoint, attribute)) if enabled is None else enabled)
        if availability is not None:
            endpoint.user_availability = availability
        self.platform.events.publish(EndpointChanged(self.now(), account_id, endpoint_id))
        self._feed_phone(account_id, endpoint_id)
        return endpoint

    def _feed_phone(self, account_id: str, endpoint_id: str) -> None:
        user = self.endpoint_user(account_id, endpoint_id)
        if user is not None:
            self.platform.presence.feed(user.user_id, PHONES, endpoint_id, self.phone_presence(account_id,
                                                                                               endpoint_id))

    def _refusal(self, account_id: str, endpoint_id: str) -> Cause | None:
        """Why this endpoint would refuse an incoming call now, if it would."""
        endpoint = self.endpoint(account_id, endpoint_id)
        if endpoint.in_dnd:
            return Cause.doNotDisturb
        if self.legs_of(account_id, endpoint_id):
            return Cause.busy
        return None

    # -- calls: reads ----------------------------------------------------------------------------
    def leg(self, account_id: str, endpoint_id: str, call_id: str) -> tuple[Call, Leg]:
        call = self.state.calls.get(call_id)
        leg = call.legs.get(endpoint_id) if call is not None and call.account_id == account_id else None
        if call is None or leg is None or leg.external:
            raise refused(404, f"call {call_id!r} not found on endpoint {endpoint_id!r}")
        return call, leg

    def live_legs(self, account_ids: set[str]) -> list[Leg]:
        return [leg for call in self.state.calls.values() if call.account_id in account_ids
                for leg in call.legs.values() if not leg.external]

    # -- calls: commands -------------------------------------------------------------------------
    def make_call(self, account_id: str, endpoint_id: str, to: str, *, from_: str | None = None,
                  from_name: str | None = None, record: bool = False, originate_timeout: int | None = None,
                  associated_call_id: str | None = None, cause: Cause = Cause.newCall,
                  consult_for: str | None = None, success_url: str | None = None, failure_url: str | None = None,
                  bridge: bool = False) -> Leg:
        caller = self.endpoint_user(account_id, endpoint_id)
        if caller is None:
            raise refused(404, f"endpoint {endpoint_id!r} not found")
        to = self._dialable(to)
        if to == endpoint_id:
            raise refused(400, "an endpoint cannot call itself")
        if bridge:
            target = self.state.calls.get(associated_call_id or "")
            if target is None or target.account_id != account_id:
                raise refused(400, "executeOnAnswer bridge needs associatedCallId naming a live call of the account")
            if to in target.legs:
                raise refused(400, f"{to} is already in call {associated_call_id}")
        callee = self.endpoint_user(account_id, to)
        now = self.now()
        call = Call(str(self.state.next_call_id), account_id, now, record_by=endpoint_id if record else None,
                    made_by=endpoint_id, success_url=success_url, failure_url=failure_url or success_url,
                    bridge_to=associated_call_id if bridge else None)
        self.state.next_call_id += 1
        self.state.calls[call.call_id] = call
        leg = Leg(call.call_id, endpoint_id, account_id, Direction.outbound, CallState.ringing, cause,
                  from_ or endpoint_id, caller.name if from_name is None else from_name, to,
                  callee.name if callee else "", now, associated_call_id=associated_call_id, record=record,
                  originate_timeout=originate_timeout, consult_for=consult_for)
        self._join(call, leg)
        refusal = self._refusal(account_id, to) if callee is not None else None
        if refusal is not None:
            self._move(call, leg, Action.drop, refusal)
            self._finish(call)
            return leg
        self._ring(call, to, leg.from_, leg.from_name, cause)
        if originate_timeout:
            self._schedule("originateTimeout", call.call_id, endpoint_id, originate_timeout)
        return leg

    def act(self, account_id: str, endpoint_id: str, call_id: str, action: Action, destination: str | None = None,
            digits: str | None = None) -> Leg:
        call, leg = self.leg(account_id, endpoint_id, call_id)
        if action is Action.answer:
            next_state(leg.state, action)
            if leg.direction is not Direction.inbound:
                raise refused(409, "an outgoing call is answered by the called party")
            self._answer(call, leg)
        elif action is Action.end:
            self._move(call, leg, Action.end, Cause.normalClearing)
            self._settle(call)
        elif action in (Action.hold, Action.retrieve):
            self._move(call, leg, action)
        elif action is Action.redirect:
            self._redirect(call, leg, destination)
        elif action is Action.blindTransfer:
            self._blind_transfer(call, leg, destination)
        elif action is Action.consult:
            self._consult(call, leg, destination)
        elif action is Action.supervisedTransfer:
            self._supervised_transfer(call, leg)
        elif action is Action.conference:
            return self._conference(call, leg)
        elif action is Action.dtmf:
            next_state(leg.state, action)
            if not digits or not DTMF_DIGITS.match(digits):
                raise refused(400, "dtmf needs digits (0-9, *, #, A-D) in args.digits")
            leg.dtmf += digits
        else:
            raise refused(400, f"unknown action {action!r}")
        return leg

    # -- the actions -----------------------------------------------------------------------------
    def _answer(self, call: Call, leg: Leg) -> None:
        first = call.connected_on is None
        self._move(call, leg, Action.answer)
        call.connected_on = call.connected_on or self.now()
        self._cancel_timers(call.call_id, kind="originateTimeout")
        for other in list(call.legs.values()):
            if other is not leg and other.state is CallState.ringing and other.direction is Direction.outbound:
                self._move(call, other, Action.connect)
        if first:
            maker = call.legs.get(call.made_by or "")
            if maker is not None and call.success_url:
                self._tell(call, maker, call.success_url, "success")
            if call.bridge_to is not None:
                self._bridge(call, leg)

    def _tell(self, call: Call, leg: Leg, url: str, result: str) -> None:
        if not call.outcome_told:
            call.outcome_told = True
            bus = self.platform.bus
            if bus is not None:
                bus.publish(CallbackDue(self.now(), url, result, leg))

    def _bridge(self, call: Call, answered: Leg) -> None:
        """``executeOnAnswer: bridge``: the answering party joins the associated call (cause ``transfer``) and
        the caller's leg of this call ends; when that call has ended meanwhile, this one goes on as it is."""
        target = self.state.calls.get(call.bridge_to or "")
        maker = call.legs.get(call.made_by or "")
        if target is None or maker is None or answered.party in target.legs or answered.party not in call.legs:
            return
        self._bring_over(call, answered, target, Cause.transfer, maker.party, self._name_of(call.account_id, maker))
        self._move(call, maker, Action.move, Cause.transfer)
        self._settle(call)

    def _redirect(self, call: Call, leg: Leg, destination: str | None) -> None:
        next_state(leg.state, Action.redirect)
        if leg.direction is not Direction.inbound:
            raise refused(409, "only an incoming ringing call can be redirected")
        destination = self._destination(call, destination)
        self._ring(call, destination, leg.from_, leg.from_name, Cause.redirected)
        self._move(call, leg, Action.redirect, Cause.redirected)
        for other in list(call.legs.values()):
            if other.party != destination:
                self._touch(other, Cause.redirected)

    def _blind_transfer(self, call: Call, leg: Leg, destination: str | None) -> None:
        next_state(leg.state, Action.blindTransfer)
        others = [other for other in call.legs.values() if other is not leg]
        if len(others) != 1:
            raise refused(409, "a conference cannot be transferred: end your leg instead")
        destination = self._destination(call, destination)
        other = others[0]
        self._ring(call, destination, other.party, self._name_of(call.account_id, other), Cause.transfer)
        self._move(call, leg, Action.blindTransfer, Cause.transfer)
        self._touch(other, Cause.transfer)

    def _consult(self, call: Call, leg: Leg, destination: str | None) -> None:
        next_state(leg.state, Action.consult)
        if leg.consult_call_id in self.state.calls:
            raise refused(409, f"already consulting on call {leg.consult_call_id}")
        destination = self._destination(call, destination)
        if leg.state is CallState.connected:
            self._move(call, leg, Action.consult)
        consultation = self.make_call(call.account_id, leg.party, destination, cause=Cause.consultation,
                                      consult_for=call.call_id)
        leg.consult_call_id = consultation.call_id

    def _consultation(self, call: Call, leg: Leg) -> tuple[Call, Leg, Call, Leg, Leg]:
        """(the call, its consulting leg, the consultation call, its consulting leg, the consulted leg)."""
        party = leg.party
        if leg.consult_call_id in self.state.calls and party in self.state.calls[leg.consult_call_id].legs:
            main, consultation = call, self.state.calls[leg.consult_call_id]
        elif leg.consult_for in self.state.calls and party in self.state.calls[leg.consult_for].legs:
            main, consultation = self.state.calls[leg.consult_for], call
        else:
            raise refused(409, "no consultation call: consult first")
        consulted = [other for other in consultation.legs.values() if other.party != party]
        if len(consulted) != 1:
            raise refused(409, "the consultation call has ended")
        return main, main.legs[party], consultation, consultation.legs[party], consulted[0]

    def _supervised_transfer(self, call: Call, leg: Leg) -> None:
        main, mine, consultation, my_consult, consulted = self._consultation(call, leg)
        next_state(mine.state, Action.supervisedTransfer)
        others = [other for other in main.legs.values() if other is not mine]
        if len(others) != 1:
            raise refused(409, "a conference cannot be transferred: end your leg instead")
        other = others[0]
        self._bring_over(consultation, consulted, main, Cause.transfer, other.party,
                         self._name_of(main.account_id, other))
        self._move(main, mine, Action.supervisedTransfer, Cause.transfer)
        self._move(consultation, my_consult, Action.move, Cause.transfer)
        self._settle(consultation)
        self._touch(other, Cause.transfer)

    def _conference(self, call: Call, leg: Leg) -> Leg:
        main, mine, consultation, my_consult, consulted = self._consultation(call, leg)
        next_state(mine.state, Action.conference)
        if consulted.state is not CallState.connected:
            raise refused(409, "the consulted party has not answered yet")
        self._bring_over(consultation, consulted, main, Cause.conference, mine.party,
                         self._name_of(main.account_id, mine))
        self._move(consultation, my_consult, Action.move, Cause.conference)
        self._settle(consultation)
        mine.consult_call_id = None
        self._move(main, mine, Action.conference, Cause.conference)
        for other in list(main.legs.values()):
            if other is not mine and other.cause is not Cause.conference:
                self._touch(other, Cause.conference)
        return mine

    def _bring_over(self, source: Call, leg: Leg, target: Call, cause: Cause, from_: str, from_name: str) -> None:
        """``leg``'s party leaves ``source`` and joins ``target`` in the same state (transfer, conference)."""
        now = self.now()
        joined = Leg(target.call_id, leg.party, target.account_id, Direction.inbound, leg.state, cause, from_,
                     from_name, leg.party, leg.to_name, now, leg.external, connected_on=leg.connected_on)
        self._join(target, joined)  # first, so the party's phone never looks idle in between
        if joined.external and joined.state is CallState.ringing:
            self._schedule("externalAnswer", target.call_id, joined.party, EXTERNAL_ANSWER_SECONDS)
        self._move(source, leg, Action.move, cause)

    # -- leg bookkeeping -------------------------------------------------------------------------
    def _ring(self, call: Call, party: str, from_: str, from_name: str, cause: Cause) -> Leg:
        callee = self.endpoint_user(call.account_id, party)
        leg = Leg(call.call_id, party, call.account_id, Direction.inbound, CallState.ringing, cause, from_,
                  from_name, party, callee.name if callee else "", self.now(), external=callee is None)
        self._join(call, leg)
        if leg.external:
            self._schedule("externalAnswer", call.call_id, party, EXTERNAL_ANSWER_SECONDS)
        return leg

    def _join(self, call: Call, leg: Leg) -> None:
        call.legs[leg.party] = leg
        self._emit(leg)

    def _move(self, call: Call, leg: Leg, action: Action, cause: Cause | None = None) -> None:
        leg.state = next_state(leg.state, action)
        if cause is not None:
            leg.cause = cause
        now = self.now()
        if leg.state is CallState.connected and leg.connected_on is None:
            leg.connected_on = now
        if leg.state is CallState.completed:
            leg.ended_on = now
            call.legs.pop(leg.party, None)
            self._cancel_timers(call.call_id, party=leg.party)
            if not leg.external:
                self._record(leg)
            if leg.party == call.made_by and call.connected_on is None and call.failure_url:
                self._tell(call, leg, call.failure_url, "failure")
        self._emit(leg)

    def _touch(self, leg: Leg, cause: Cause) -> None:
        leg.cause = cause
        self._emit(leg)

    def _emit(self, leg: Leg) -> None:
        if leg.external:
            return
        self.platform.events.publish(LegChanged(self.now(), leg))
        self._feed_phone(leg.account_id, leg.party)

    def _settle(self, call: Call) -> None:
        """After a party left: a call with one party (or only external ones) left ends for them too."""
        if len(call.legs) <= 1 or all(leg.external for leg in call.legs.values()):
            cause = Cause.normalClearing if call.connected_on else Cause.callCancelled
            for leg in list(call.legs.values()):
                self._move(call, leg, Action.drop, cause)
        if not call.legs:
            self._finish(call)

    def _end_all(self, call: Call, action: Action, cause: Cause) -> None:
        for leg in list(call.legs.values()):
            self._move(call, leg, action, cause)
        self._finish(call)

    def _finish(self, call: Call) -> None:
        self.state.calls.pop(call.call_id, None)
        self._cancel_timers(call.call_id)
        if call.record_by is not None and call.connected_on is not None:
            now = self.now()
            recording = Recording(cl_id("recording", call.call_id), call.call_id, call.account_id, call.record_by,
                                  call.connected_on, (now - call.connected_on).total_seconds())
            self._keep(recording)
            for record in self.state.records:
                if record.call_id == call.call_id:
                    record.recording_id = recording.recording_id

    def _keep(self, recording: Recording) -> None:
        recordings = self.state.recordings
        recordings[recording.recording_id] = recording
        for old in [key for key, r in recordings.items() if r.state is RecordingState.completed][:-RECORDINGS_KEPT]:
            del recordings[old]

    # -- conference recordings -------------------------------------------------------------------
    def conference_recording(self, conference: Conference) -> Recording | None:
        """The conference's recording in progress (recording or paused), if any."""
        found = self.state.recordings.get(conference.recording_id or "")
        return found if found is not None and found.state is not RecordingState.completed else None

    def record_conference(self, conference: Conference, action: ConferenceRecordingAction) -> Recording:
        """``record`` starts a recording of the meeting in progress; ``pause-record`` / ``resume-record`` pause
        and resume it; ``stop-record`` ends it. An action the recording's state does not allow is a 409."""
        now = self.now()
        current = self.conference_recording(conference)
        name = conference.conference_id
        if action is ConferenceRecordingAction.record:
            if current is not None:
                raise refused(409, f"conference {name} is already being recorded ({current.recording_id}, "
                                   f"{current.state.value}): stop-record first")
            if conference.open_instance is None:
                raise refused(409, f"conference {name} is not in progress: nobody is in it to record")
            recording = Recording(self.serial("recording"), name, conference.account_id, None, now, 0.0,
                                  conference_id=name, state=RecordingState.recording, resumed_on=now)
            self._keep(recording)
            conference.recording_id = recording.recording_id
            return recording
        if current is None:
            raise refused(409, f"conference {name} is not being recorded: record first")
        if action is ConferenceRecordingAction.pause:
            if current.state is RecordingState.paused:
                raise refused(409, f"the recording of conference {name} is already paused")
            current.duration, current.state, current.resumed_on = current.seconds(now), RecordingState.paused, None
        elif action is ConferenceRecordingAction.resume:
            if current.state is RecordingState.recording:
                raise refused(409, f"the recording of conference {name} is not paused")
            current.state, current.resumed_on = RecordingState.recording, now
        else:
            self.stop_conference_recording(conference)
        return current

    def stop_conference_recording(self, conference: Conference) -> None:
        """``stop-record``, or the meeting ending (its last participant leaving): the recording is complete."""
        current = self.conference_recording(conference)
        if current is not None:
            current.duration, current.state, current.resumed_on = current.seconds(self.now()), \
                RecordingState.completed, None

    def _record(self, leg: Leg) -> None:
        self.state.records.append(CallRecord(
            self.serial("call-record"), leg.call_id, leg.party, leg.account_id, leg.direction, leg.from_,
            leg.from_name, leg.to, leg.to_name, leg.cause, leg.created_on, leg.ended_on or self.now(),
            leg.connected_on))
        del self.state.records[:-RECORDS_KEPT]

    def _dialable(self, number: str | None) -> str:
        number = (number or "").strip()
        if not DIAL_STRING.match(number):
            raise refused(400, f"{number!r} is not a number to dial (digits, *, #, an optional leading +)")
        return number

    def _destination(self, call: Call, destination: str | None) -> str:
        """Where a redirect, transfer or consultation goes: dialable, not in the call, not refusing."""
        destination = self._dialable(destination)
        if destination in call.legs:
            raise refused(400, f"{destination} is already in the call")
        if self.endpoint_user(call.account_id, destination) is not None:
            refusal = self._refusal(call.account_id, destination)
            if refusal is Cause.doNotDisturb:
                raise refused(409, f"{destination} is in do-not-disturb")
            if refusal is Cause.busy:
                raise refused(409, f"{destination} is busy")
        return destination

    def _name_of(self, account_id: str, leg: Leg) -> str:
        user = None if leg.external else self.endpoint_user(account_id, leg.party)
        return user.name if user is not None else leg.party

    # -- timers (on the simulated clock; pending ones are in the state, so snapshots keep them) ----
    def run_timers(self, clock: Clock) -> None:
        """Schedule timers on ``clock`` from now on, and arm the pending ones (after a restore)."""
        self._clock = clock
        for key, timer in self.state.timers.items():
            self._arm(key, timer)

    def _schedule(self, kind: str, call_id: str, party: str, seconds: float) -> None:
        key = f"{kind}/{call_id}/{party}"
        timer = MediaTimer(kind, call_id, party, self.now() + timedelta(seconds=seconds))
        self._cancel(key)
        self.state.timers[key] = timer
        self._arm(key, timer)

    def _arm(self, key: str, timer: MediaTimer) -> None:
        if self._clock is not None:
            self._armed[key] = self._clock.call_at(timer.due, lambda: self._fire(key))

    def _cancel(self, key: str) -> None:
        self.state.timers.pop(key, None)
        armed = self._armed.pop(key, None)
        if armed is not None:
            armed.cancel()

    def _cancel_timers(self, call_id: str, *, party: str | None = None, kind: str | None = None) -> None:
        for key, timer in list(self.state.timers.items()):
            if timer.call_id == call_id and party in (None, timer.party) and kind in (None, timer.kind):
                self._cancel(key)

    def _fire(self, key: str) -> None:
        self._armed.pop(key, None)
        timer = self.state.timers.pop(key, None)
        call = self.state.calls.get(timer.call_id) if timer is not None else None
        if timer is None or call is None:
            return
        if timer.kind == "originateTimeout" and call.connected_on is None:
            self._end_all(call, Action.timeout, Cause.callNotAnswer)
        elif timer.kind == "externalAnswer":
            leg = call.legs.get(timer.party)
            if leg is not None and leg.state is CallState.ringing:
                self._answer(call, leg)

