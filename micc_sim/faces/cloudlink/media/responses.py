"""CloudLink Media API: endpoints and their calls, call records, recordings, conferences (one handler each).

Access: a USER reads the endpoints of their account and controls their own endpoint, its calls and
records; an ACCOUNT_ADMIN (or a client) any of their account's, a PARTNER_ADMIN those of their customers'
accounts too. An endpoint id names the extension in the caller's account first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.callers import manages, require_self_or_admin, signed, visible_accounts
from micc_sim.faces.cloudlink.common import cloudlink, collection, principal
from micc_sim.faces.cloudlink.media import wire
from micc_sim.faces.cloudlink.media.conferences import (
    Conference,
    ConferenceType,
    LobbyPolicy,
    ParticipantState,
    ParticipantType,
)
from micc_sim.faces.cloudlink.media.lifecycle import Action
from micc_sim.faces.cloudlink.media.models import Availability, EndpointAction, Media, Recording
from micc_sim.spec.router import ApiError, Call, Handler, Reply


def _media(call: Call) -> Media:
    return cloudlink(call).media


def _base(call: Call) -> str:
    return call.url_for("")


def _forbidden(message: str) -> ApiError:
    return ApiError(403, message, code="ForbiddenError")


def _not_found(message: str) -> ApiError:
    return ApiError(404, message, code="NotFoundError")


def _endpoint_owner(call: Call, endpoint_id: str) -> User:
    """The user whose phone ``endpoint_id`` is, in the accounts the caller sees (404 otherwise)."""
    media = _media(call)
    for account_id in visible_accounts(call):
        user = media.endpoint_user(account_id, endpoint_id)
        if user is not None:
            return user
    raise _not_found(f"endpoint {endpoint_id!r} not found")


def _controlled_endpoint(call: Call, endpoint_id: str) -> User:
    user = _endpoint_owner(call, endpoint_id)
    require_self_or_admin(call, user.account_id, user.user_id, f"endpoint {endpoint_id}")
    return user


def _own_extensions(call: Call) -> set[tuple[str, str]] | None:
    """(account, endpoint) pairs a USER may see the calls of; None for admins (the whole account)."""
    who = principal(call)
    if who.role in ("ACCOUNT_ADMIN", "PARTNER_ADMIN"):
        return None
    user = cloudlink(call).directory.users.get(who.principal_id)
    return {(user.account_id, user.extension)} if user is not None and user.extension else set()


# -- endpoints ---------------------------------------------------------------------------------
def _endpoint_wire(call: Call, user: User) -> dict[str, Any]:
    media = _media(call)
    endpoint = media.endpoint(user.account_id, user.extension or "")
    return wire.endpoint_to_wire(endpoint, user, media.line_state(user.account_id, endpoint.endpoint_id),
                                 _base(call))


def get_endpoints(call: Call) -> dict[str, Any]:
    users = _media(call).users_with_phones(set(visible_accounts(call)))
    return collection((_endpoint_wire(call, u) for u in users), call, "/endpoints")


def get_endpoint(call: Call) -> dict[str, Any]:
    return _endpoint_wire(call, _endpoint_owner(call, call.path["endpointId"]))


@signed
def update_endpoint(call: Call) -> dict[str, Any]:
    user = _controlled_endpoint(call, call.path["endpointId"])
    body = call.body or {}
    action = EndpointAction(body["action"]) if body.get("action") else None
    availability = Availability(body["userAvailability"]) if body.get("userAvailability") else None
    _media(call).update_endpoint(user.account_id, call.path["endpointId"], action, body.get("enabled"), availability)
    return _endpoint_wire(call, user)


# -- calls -------------------------------------------------------------------------------------
def get_endpoint_calls(call: Call) -> dict[str, Any]:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    legs = _media(call).legs_of(user.account_id, endpoint_id)
    return collection((wire.leg_to_wire(leg) for leg in legs), call, f"/endpoints/{endpoint_id}/calls")


def _timeout(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


@signed
def make_call(call: Call) -> Reply:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    body = call.body or {}
    leg = _media(call).make_call(
        user.account_id, endpoint_id, str(body.get("to", "")), from_=body.get("from") or None,
        from_name=body.get("fromName"), record=bool(body.get("record", False)),
        originate_timeout=_timeout(body.get("originateTimeout")), associated_call_id=body.get("associatedCallId"))
    return Reply(wire.leg_to_wire(leg), 201)


def get_endpoint_call(call: Call) -> dict[str, Any]:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    _, leg = _media(call).leg(user.account_id, endpoint_id, call.path["callId"])
    return wire.leg_to_wire(leg)


@signed
def update_endpoint_call(call: Call) -> dict[str, Any]:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    body = call.body or {}
    args = body.get("args") or {}
    destination = body.get("destination") or args.get("destination") or args.get("to")
    digits = args.get("digits") or body.get("digits")
    leg = _media(call).act(user.account_id, endpoint_id, call.path["callId"], Action(body["action"]),
                           destination=str(destination) if destination is not None else None,
                           digits=str(digits) if digits is not None else None)
    return wire.leg_to_wire(leg)


def get_calls(call: Call) -> dict[str, Any]:
    own = _own_extensions(call)
    legs = [leg for leg in _media(call).live_legs(set(visible_accounts(call)))
            if own is None or (leg.account_id, leg.party) in own]
    return collection((wire.leg_to_wire(leg) for leg in legs), call, "/calls")


# -- call records ------------------------------------------------------------------------------
def _records(call: Call) -> list[Any]:
    own = _own_extensions(call)
    accounts = set(visible_accounts(call))
    return [r for r in _media(call).state.records
            if r.account_id in accounts and (own is None or (r.account_id, r.endpoint_id) in own)]


def get_records(call: Call) -> dict[str, Any]:
    return collection((wire.record_to_wire(r) for r in reversed(_records(call))), call, "/calls/records")


def get_call_records(call: Call) -> dict[str, Any]:
    call_id = call.path["callId"]
    records = [r for r in _records(call) if r.call_id == call_id]
    if not records:
        raise _not_found(f"no records of call {call_id!r}")
    return collection((wire.record_to_wire(r) for r in records), call, f"/calls/{call_id}/records")


# -- recordings --------------------------------------------------------------------------------
def _visible_recordings(call: Call) -> list[Recording]:
    accounts = set(visible_accounts(call))
    recordings = [r for r in _media(call).state.recordings.values() if r.account_id in accounts]
    if _own_extensions(call) is None:
        return recordings
    mine = {r.call_id for r in _records(call)}
    return [r for r in recordings if r.call_id in mine]


def _recording(call: Call) -> Recording:
    wanted = call.path["recordingId"]
    found = next((r for r in _visible_recordings(call) if r.recording_id == wanted), None)
    if found is None:
        raise _not_found(f"recording {wanted!r} not found")
    return found


def get_recordings(call: Call) -> dict[str, Any]:
    return collection((wire.recording_to_wire(r, _base(call)) for r in _visible_recordings(call)), call,
                      "/recordings")


def get_recording(call: Call) -> dict[str, Any]:
    return wire.recording_to_wire(_recording(call), _base(call))


def update_recording(call: Call) -> dict[str, Any]:
    recording = _recording(call)
    label = (call.body or {}).get("label")
    if label is not None:
        recording.label = str(label)
    return wire.recording_to_wire(recording, _base(call))


def delete_recording(call: Call) -> Reply:
    recording = _recording(call)
    media = _media(call)
    del media.state.recordings[recording.recording_id]
    for record in media.state.records:
        if record.recording_id == recording.recording_id:
            record.recording_id = None
    return Reply(None, 204)


# -- conferences -------------------------------------------------------------------------------
def _when(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ApiError(400, f"{field} is not a date-time: {value!r}", code="BadRequestError") from exc
    if parsed.tzinfo is None:
        raise ApiError(400, f"{field} needs a time zone (e.g. Z)", code="BadRequestError")
    return parsed


def _conference(call: Call) -> Conference:
    conference = _media(call).conferences.get(call.path["conferenceId"])
    if conference.account_id not in visible_accounts(call):
        raise _not_found(f"conference {conference.conference_id!r} not found")
    return conference


def _owner_or_admin(call: Call, conference: Conference) -> None:
    require_self_or_admin(call, conference.account_id, conference.owner_id,
                          f"conference {conference.conference_id}")


def get_conferences(call: Call) -> dict[str, Any]:
    conferences = _media(call).conferences.in_accounts(set(visible_accounts(call)))
    who = principal(call)
    if who.role not in ("ACCOUNT_ADMIN", "PARTNER_ADMIN"):
        conferences = [c for c in conferences if c.owner_id == who.principal_id
                       or who.principal_id in c.participants]
    return collection((wire.conference_to_wire(c, _base(call)) for c in conferences), call, "/conferences")


def create_conference(call: Call) -> Reply:
    body = call.body or {}
    who = principal(call)
    conference = _media(call).conferences.create(
        who.account_id, who.principal_id, who.kind == "user", name=str(body.get("name", "")),
        type_=ConferenceType(body.get("type", "everyoneAllowed")),
        lobby=LobbyPolicy(body.get("lobbyPolicy", "guestLobby")),
        access_code_length=int(body.get("accessCodeLength", 9)),
        expiry=_when(body.get("expiryDateTime"), "expiryDateTime"),
        participant_ids=[str(p["participantId"]) for p in body.get("participants") or []],
        conference_id=body.get("conferenceId") or None)
    return Reply(wire.conference_to_wire(conference, _base(call)), 201)


def get_conference(call: Call) -> dict[str, Any]:
    return wire.conference_to_wire(_conference(call), _base(call))


def update_conference(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    _owner_or_admin(call, conference)
    body = call.body or {}
    _media(call).conferences.update(
        conference, name=body.get("name"), type_=ConferenceType(body["type"]) if body.get("type") else None,
        lobby=LobbyPolicy(body["lobbyPolicy"]) if body.get("lobbyPolicy") else None,
        access_code_length=body.get("accessCodeLength"),
        expiry=_when(body.get("expiryDateTime"), "expiryDateTime"),
        clear_expiry="expiryDateTime" in body and body["expiryDateTime"] is None)
    return wire.conference_to_wire(conference, _base(call))


def delete_conference(call: Call) -> Reply:
    conference = _conference(call)
    _owner_or_admin(call, conference)
    _media(call).conferences.delete(conference)
    return Reply(None, 204)


def get_participants(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    return collection((wire.participant_to_wire(conference, p) for p in conference.participants.values()), call,
                      f"/conferences/{conference.conference_id}/participants")


def _participant_guard(call: Call, conference: Conference, participant_id: str) -> None:
    """A participant acts for themself; the owner and admins for anyone."""
    who = principal(call)
    if who.principal_id == participant_id and who.account_id == conference.account_id:
        return
    _owner_or_admin(call, conference)


def add_participant(call: Call) -> Reply:
    conference = _conference(call)
    body = call.body or {}
    participant_id = str(body["participantId"])
    _participant_guard(call, conference, participant_id)
    participant = _media(call).conferences.add_participant(
        conference, participant_id, ParticipantType(body.get("type", "webapi")),
        ParticipantState(body["state"]) if body.get("state") else None)
    return Reply(wire.participant_to_wire(conference, participant), 201)


def get_participant(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    participant = _media(call).conferences.participant(conference, call.path["participantId"])
    return wire.participant_to_wire(conference, participant)


def update_participant(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    conferences = _media(call).conferences
    participant = conferences.participant(conference, call.path["participantId"])
    _participant_guard(call, conference, participant.participant_id)
    body = call.body or {}
    if body.get("type"):
        participant.type = ParticipantType(body["type"])
    if body.get("state"):
        conferences.set_state(conference, participant, ParticipantState(body["state"]))
    return wire.participant_to_wire(conference, participant)


def remove_participant(call: Call) -> Reply:
    conference = _conference(call)
    conferences = _media(call).conferences
    participant = conferences.participant(conference, call.path["participantId"])
    _participant_guard(call, conference, participant.participant_id)
    conferences.remove_participant(conference, participant)
    return Reply(None, 204)


def get_instances(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    return collection((wire.instance_to_wire(i) for i in conference.instances), call,
                      f"/conferences/{conference.conference_id}/instances")


def get_instance(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    wanted = call.path["instanceId"]
    found = next((i for i in conference.instances if i.instance_id == wanted), None)
    if found is None:
        raise _not_found(f"instance {wanted!r} of conference {conference.conference_id} not found")
    return wire.instance_to_wire(found)


def _user(call: Call) -> User:
    user = cloudlink(call).directory.users.get(call.path["userId"])
    if user is None or user.account_id not in visible_accounts(call):
        raise _not_found(f"user {call.path['userId']!r} not found")
    who = principal(call)
    if who.principal_id != user.user_id and not manages(call, user.account_id):
        raise _forbidden("a USER reads only their own conferences and attendance")
    return user


def get_user_conferences(call: Call) -> dict[str, Any]:
    user = _user(call)
    conferences = _media(call).conferences.of_user(user.user_id)
    return collection((wire.conference_to_wire(c, _base(call)) for c in conferences), call,
                      f"/users/{user.user_id}/conferences")


def get_user_attendance(call: Call) -> dict[str, Any]:
    user = _user(call)
    rows = _media(call).conferences.attendance(user.user_id)
    return collection((wire.user_attendance_to_wire(c, i, a) for c, i, a in rows), call,
                      f"/users/{user.user_id}/attendance")


HANDLERS: dict[str, Handler] = {
    "Endpoints_GetEndpoints": get_endpoints,
    "Endpoints_GetEndpoint": get_endpoint,
    "Endpoints_UpdateEndpoint": update_endpoint,
    "Calls_GetEndpointCalls": get_endpoint_calls,
    "Calls_MakeCall": make_call,
    "Calls_GetEndpointCall": get_endpoint_call,
    "Calls_UpdateEndpointCall": update_endpoint_call,
    "Calls_GetCalls": get_calls,
    "CallRecords_GetRecords": get_records,
    "CallRecords_GetCallRecords": get_call_records,
    "Recordings_GetRecordings": get_recordings,
    "Recordings_GetRecording": get_recording,
    "Recordings_UpdateRecording": update_recording,
    "Recordings_DeleteRecording": delete_recording,
    "Conferences_GetConferences": get_conferences,
    "Conferences_CreateConference": create_conference,
    "Conferences_GetConference": get_conference,
    "Conferences_UpdateConference": update_conference,
    "Conferences_DeleteConference": delete_conference,
    "Participants_GetParticipants": get_participants,
    "Participants_AddParticipant": add_participant,
    "Participants_GetParticipant": get_participant,
    "Participants_UpdateParticipant": update_participant,
    "Participants_RemoveParticipant": remove_participant,
    "Instances_GetInstances": get_instances,
    "Instances_GetInstance": get_instance,
    "Users_GetConferences": get_user_conferences,
    "Users_GetAttendance": get_user_attendance,
}
