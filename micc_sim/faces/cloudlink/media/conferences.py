"""Conferences of the Media API: participants, instances (one per time people meet) and attendance.

A conference gets a stable id (unless the client names one), an access code of ``accessCodeLength``
digits (derived from the id, so the same on every run) and dial-in addresses of the account's region
(fictional North American numbers: the simulator's tenants live there). Participants move through
:data:`PARTICIPANT_TRANSITIONS`; the first one to become ``active`` opens an *instance* of the
conference and the last one to leave closes it, which is what ``/instances`` and the users'
``/attendance`` show. The lobby policy is kept and shown, not enforced (no simulated PSTN caller waits
in a lobby); joining after ``expiryDateTime`` is refused, as is joining an ``inviteOnly`` conference
uninvited. A meeting in progress can be recorded (``POST /conferences/{id}`` ``record`` ...,
:meth:`Media.record_conference`); the recording ends with ``stop-record`` or when the meeting does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from micc_sim.faces.cloudlink.errors import known, refused

if TYPE_CHECKING:
    from micc_sim.faces.cloudlink.media.models import Media

# "determined based on the region/cloud where the account exists ... will almost always include a US and Canadian
# dial-in number by default" (the CloudLink guides); numbers reserved for fiction: North America's 555-01xx,
# Ofcom's 020 7946 0xxx, ACMA's 02 5550 xxxx
DIAL_IN = (("US", "+12025550143"), ("CA", "+16135550172"))
REGION_DIAL_IN = {"na": (), "eu": (("GB", "+442079460143"),), "ap": (("AU", "+61255500143"),)}


def dial_in(region: str) -> tuple[tuple[str, str], ...]:
    """The dial-in numbers (country, number) of a conference of an account in ``region``."""
    return REGION_DIAL_IN.get(region, ()) + DIAL_IN


class ConferenceType(StrEnum):
    inviteOnly = "inviteOnly"
    everyoneAllowed = "everyoneAllowed"


class LobbyPolicy(StrEnum):
    pstnLobby = "pstnLobby"
    guestLobby = "guestLobby"
    nonOwnerLobby = "nonOwnerLobby"
    noLobby = "noLobby"


class ParticipantState(StrEnum):
    invited = "invited"
    accepted = "accepted"
    rejected = "rejected"
    active = "active"
    inactive = "inactive"


class ParticipantType(StrEnum):
    webapi = "webapi"
    pstn = "pstn"


P = ParticipantState
PARTICIPANT_TRANSITIONS: dict[ParticipantState, frozenset[ParticipantState]] = {
    P.invited: frozenset({P.accepted, P.rejected, P.active}),
    P.accepted: frozenset({P.rejected, P.active}),
    P.rejected: frozenset({P.accepted}),
    P.active: frozenset({P.inactive}),
    P.inactive: frozenset({P.active}),
}
del P


@dataclass
class Participant:
    participant_id: str
    state: ParticipantState
    type: ParticipantType = ParticipantType.webapi
    added_on: datetime | None = None
    joined_on: datetime | None = None
    left_on: datetime | None = None
    onetime_acceptance: bool = False  # the Swagger's flag, kept as sent
    muted: bool = False
    associated_participant_id: str | None = None


@dataclass
class Attendance:
    participant_id: str
    type: ParticipantType
    joined_on: datetime
    left_on: datetime | None = None


@dataclass
class Instance:
    instance_id: str
    conference_id: str
    start_time: datetime
    end_time: datetime | None = None
    attendees: list[Attendance] = field(default_factory=list)


@dataclass
class Conference:
    conference_id: str
    account_id: str
    owner_id: str
    name: str
    type: ConferenceType
    lobby_policy: LobbyPolicy
    access_code: str
    access_code_length: int
    created_on: datetime
    expiry: datetime | None = None
    modified_on: datetime | None = None  # None: never changed since created
    modified_by: str | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    recording_id: str | None = None  # the last recording started (POST {"action": "record"})
    region: str = "na"  # its account's, when it was made: which dial-in numbers it has

    @property
    def open_instance(self) -> Instance | None:
        return self.instances[-1] if self.instances and self.instances[-1].end_time is None else None


def access_code(conference_id: str, length: int, generation: int = 0) -> str:
    digits = ""
    block = 0
    while len(digits) < length:
        seed = f"{conference_id}/{generation}/{block}".encode()
        digits += str(int(hashlib.sha256(seed).hexdigest(), 16))[-60:]
        block += 1
    return digits[:length]


class Conferences:
    def __init__(self, media: Media) -> None:
        self.media = media

    @property
    def _all(self) -> dict[str, Conference]:
        return self.media.state.conferences

    def create(self, account_id: str, owner_id: str, owner_is_user: bool, *, name: str,
               type_: ConferenceType, lobby: LobbyPolicy, access_code_length: int, expiry: datetime | None,
               participant_ids: list[str], conference_id: str | None = None) -> Conference:
        conference_id = conference_id or self.media.serial("conference")
        if conference_id in self._all:
            raise refused(409, f"conference {conference_id!r} already exists")
        now = self.media.now()
        conference = Conference(conference_id, account_id, owner_id, name, type_, lobby,
                                access_code(conference_id, access_code_length), access_code_length, now, expiry,
                                region=self.media.platform.directory.account(account_id).region)
        if owner_is_user:
            conference.participants[owner_id] = Participant(owner_id, ParticipantState.accepted, added_on=now)
        for participant_id in participant_ids:
            conference.participants.setdefault(participant_id, Participant(participant_id, ParticipantState.invited,
                                                                           added_on=now))
        self._all[conference_id] = conference
        return conference

    def get(self, conference_id: str) -> Conference:
        return known(self._all.get(conference_id), f"conference {conference_id!r}")

    def in_accounts(self, account_ids: set[str]) -> list[Conference]:
        return [c for c in self._all.values() if c.account_id in account_ids]

    def of_user(self, user_id: str) -> list[Conference]:
        return [c for c in self._all.values() if c.owner_id == user_id or user_id in c.participants]

    def update(self, conference: Conference, *, name: str | None = None, type_: ConferenceType | None = None,
               lobby: LobbyPolicy | None = None, access_code_length: int | None = None,
               expiry: datetime | None = None, clear_expiry: bool = False) -> Conference:
        if name is not None:
            conference.name = name
        if type_ is not None:
            conference.type = type_
        if lobby is not None:
            conference.lobby_policy = lobby
        if access_code_length is not None and access_code_length != conference.access_code_length:
            conference.access_code_length = access_code_length = int(access_code_length)
            conference.access_code = access_code(conference.conference_id, access_code_length,
                                                 len(conference.access_code))
        if expiry is not None or clear_expiry:
            conference.expiry = expiry
        return conference

    def delete(self, conference: Conference) -> None:
        self.media.stop_conference_recording(conference)
        del self._all[conference.conference_id]

    # -- participants ----------------------------------------------------------------------------
    def participant(self, conference: Conference, participant_id: str) -> Participant:
        found = conference.participants.get(participant_id)
        if found is None:
            raise refused(404, f"participant {participant_id!r} not found in conference {conference.conference_id}")
        return found

    def add_participant(self, conference: Conference, participant_id: str, type_: ParticipantType,
                        state: ParticipantState | None) -> Participant:
        if participant_id in conference.participants:
            raise refused(409, f"{participant_id!r} is already a participant")
        wanted = state or ParticipantState.invited
        if wanted not in (ParticipantState.invited, ParticipantState.active):
            raise refused(400, "a new participant is invited, or active when joining at once")
        participant = Participant(participant_id, ParticipantState.invited, type_, added_on=self.media.now())
        if wanted is ParticipantState.active:
            if conference.type is ConferenceType.inviteOnly:
                raise refused(403, "the conference is invite only: invite the participant first")
            self._join(conference, participant)
        conference.participants[participant_id] = participant
        return participant

    def set_state(self, conference: Conference, participant: Participant, state: ParticipantState) -> Participant:
        if state is participant.state:
            return participant
        if state not in PARTICIPANT_TRANSITIONS[participant.state]:
            raise refused(409, f"a participant who is {participant.state.value} cannot become {state.value}")
        if state is ParticipantState.active:
            self._join(conference, participant)
        elif state is ParticipantState.inactive:
            self._leave(conference, participant)
        else:
            participant.state = state
        return participant

    def remove_participant(self, conference: Conference, participant: Participant) -> None:
        if participant.state is ParticipantState.active:
            self._leave(conference, participant)
        del conference.participants[participant.participant_id]

    def _join(self, conference: Conference, participant: Participant) -> None:
        now = self.media.now()
        if conference.expiry is not None and now >= conference.expiry:
            raise refused(409, "the conference's access code has expired")
        instance = conference.open_instance
        if instance is None:
            instance = Instance(self.media.serial("conference-instance"), conference.conference_id, now)
            conference.instances.append(instance)
        instance.attendees.append(Attendance(participant.participant_id, participant.type, now))
        participant.state, participant.joined_on, participant.left_on = ParticipantState.active, now, None

    def _leave(self, conference: Conference, participant: Participant) -> None:
        now = self.media.now()
        participant.state, participant.left_on = ParticipantState.inactive, now
        instance = conference.open_instance
        if instance is None:
            return
        for attendance in instance.attendees:
            if attendance.participant_id == participant.participant_id and attendance.left_on is None:
                attendance.left_on = now
        if not any(p.state is ParticipantState.active for p in conference.participants.values()):
            instance.end_time = now
            self.media.stop_conference_recording(conference)  # the meeting is over: so is its recording

    def end(self, conference: Conference, by: str) -> None:
        """``POST /conferences/{id} {"action": "end"}``: everyone in it leaves, so its instance closes."""
        active = [p for p in conference.participants.values() if p.state is ParticipantState.active]
        if not active:
            raise refused(409, f"conference {conference.conference_id} is not in progress: nobody is in it")
        for participant in active:
            self._leave(conference, participant)
        conference.modified_on, conference.modified_by = self.media.now(), by

    def attendance(self, user_id: str) -> list[tuple[Conference, Instance, Attendance]]:
        return [(c, i, a) for c in self._all.values() for i in c.instances for a in i.attendees
                if a.participant_id == user_id]
