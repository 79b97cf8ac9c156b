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
from micc_sim.faces.cloudlink.common import cloudlink, principal
from micc_sim.faces.cloudlink.common import string_collection as collection
from micc_sim.faces.cloudlink.media import audio, wire
from micc_sim.faces.cloudlink.media.conferences import (
    Conference,
    ConferenceType,
    LobbyPolicy,
    ParticipantState,
    ParticipantType,
)
from micc_sim.faces.cloudlink.media.lifecycle import Action
from micc_sim.faces.cloudlink.media.models import (
    Availability,
    ConferenceRecordingAction,
    EndpointAction,
    Media,
    Recording,
)
from micc_sim.outbound import own_url_refusal
from micc_sim.spec import odata
from micc_sim.spec.router import ApiError, Call, Handler, Reply
from micc_sim.world.cloudlink_config import cl_hex


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
    return collection((wire.leg_to_wire(leg, _media(call), _base(call)) for leg in legs), call,
                      f"/endpoints/{endpoint_id}/calls")


_ARGS_DESTINATION = (Action.blindTransfer, Action.consult, Action.redirect)


def _timeout(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _callback_url(call: Call, body: dict[str, Any], name: str) -> str | None:
    """``successUrl`` / ``failureUrl``: an http(s) URL that is not the simulator itself (a 400 otherwise)."""
    url = body.get(name)
    if url is None or url == "":
        return None
    url = str(url).strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2048:
        raise ApiError(400, f"{name} must be an http or https URL", code="ValidationError")
    refusal = own_url_refusal(url, call.sim.own_sockets)
    if refusal is not None:
        raise ApiError(400, f"{name}: {refusal}", code="ValidationError")
    return url


@signed
def make_call(call: Call) -> Reply:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    body = call.body or {}
    execute = body.get("executeOnAnswer")
    if execute not in (None, "", "bridge"):
        raise ApiError(400, f"executeOnAnswer {execute!r}: the only action is bridge", code="ValidationError")
    leg = _media(call).make_call(
        user.account_id, endpoint_id, str(body.get("to", "")), from_=body.get("from") or None,
        from_name=body.get("fromName"), record=bool(body.get("record", False)),
        originate_timeout=_timeout(body.get("originateTimeout")), associated_call_id=body.get("associatedCallId"),
        success_url=_callback_url(call, body, "successUrl"), failure_url=_callback_url(call, body, "failureUrl"),
        bridge=execute == "bridge")
    return Reply(wire.leg_to_wire(leg, _media(call), _base(call)), 200)  # the Swagger's 200, not 201


def get_endpoint_call(call: Call) -> dict[str, Any]:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    _, leg = _media(call).leg(user.account_id, endpoint_id, call.path["callId"])
    return wire.leg_to_wire(leg, _media(call), _base(call))


@signed
def update_endpoint_call(call: Call) -> dict[str, Any]:
    endpoint_id = call.path["endpointId"]
    user = _controlled_endpoint(call, endpoint_id)
    body = call.body or {}
    action = Action(body["action"])
    args = str(body.get("args") or "")  # the Swagger's string: a destination, digits or a call id by action
    destination = body.get("destination") or (args if action in _ARGS_DESTINATION else None)
    digits = args if action is Action.dtmf else None
    leg = _media(call).act(user.account_id, endpoint_id, call.path["callId"], action,
                           destination=str(destination) if destination else None, digits=digits or None)
    return wire.leg_to_wire(leg, _media(call), _base(call))


def get_calls(call: Call) -> dict[str, Any]:
    own = _own_extensions(call)
    legs = [leg for leg in _media(call).live_legs(set(visible_accounts(call)))
            if own is None or (leg.account_id, leg.party) in own]
    return collection((wire.leg_to_wire(leg, _media(call), _base(call)) for leg in legs), call, "/calls")


# -- call records ------------------------------------------------------------------------------
def _records(call: Call) -> list[Any]:
    own = _own_extensions(call)
    accounts = set(visible_accounts(call))
    return [r for r in _media(call).state.records if not r.hidden
            and r.account_id in accounts and (own is None or (r.account_id, r.endpoint_id) in own)]


def get_records(call: Call) -> dict[str, Any]:
    return collection((wire.record_to_wire(r, _media(call), _base(call)) for r in reversed(_records(call))), call,
                      "/calls/records")


def get_call_records(call: Call) -> dict[str, Any]:
    call_id = call.path["callId"]
    records = [r for r in _records(call) if r.call_id == call_id]
    if not records:
        raise _not_found(f"no records of call {call_id!r}")
    return collection((wire.record_to_wire(r, _media(call), _base(call)) for r in records), call,
                      f"/calls/{call_id}/records")


def _hide(call: Call, records: list[Any]) -> Reply:
    """``{"hide": true}`` takes the records (those the ``$filter`` matches) out of the call history."""
    base = _base(call)
    listed = [(r, wire.record_to_wire(r, _media(call), base)) for r in records]
    text = next((v for k, v in call.query.items() if k.lower() == "$filter"), "")
    if text.strip():
        try:
            kept = odata.apply([w for _, w in listed], {"$filter": text})[0]
        except odata.ODataError as exc:
            raise ApiError(400, str(exc), code="BadRequestError") from exc
        chosen = {w["recordId"] for w in kept}
        listed = [(r, w) for r, w in listed if w["recordId"] in chosen]
    hide = (call.body or {}).get("hide", True) in (True, "true")  # the media sample sends "true"
    for record, _ in listed:
        record.hidden = hide
    return Reply(None, 200)


def hide_records(call: Call) -> Reply:
    return _hide(call, _records(call))


def hide_call_records(call: Call) -> Reply:
    call_id = call.path["callId"]
    records = [r for r in _records(call) if r.call_id == call_id]
    if not records:
        raise _not_found(f"no records of call {call_id!r}")
    return _hide(call, records)


# -- recordings --------------------------------------------------------------------------------
def _visible_recordings(call: Call) -> list[Recording]:
    """A USER's: of calls they were in and of conferences they own or are in."""
    accounts = set(visible_accounts(call))
    recordings = [r for r in _media(call).state.recordings.values() if r.account_id in accounts]
    if _own_extensions(call) is None:
        return recordings
    mine = {r.call_id for r in _records(call)} | {c.conference_id for c in _visible_conferences(call)}
    return [r for r in recordings if (r.conference_id or r.call_id) in mine]


def _recording(call: Call) -> Recording:
    wanted = call.path["recordingId"]
    found = next((r for r in _visible_recordings(call) if r.recording_id == wanted), None)
    if found is None:
        raise _not_found(f"recording {wanted!r} not found")
    return found


def _recording_wire(call: Call, recording: Recording) -> dict[str, Any]:
    return wire.recording_to_wire(recording, _base(call), _media(call).now())


def get_recordings(call: Call) -> dict[str, Any]:
    return collection((_recording_wire(call, r) for r in _visible_recordings(call)), call,
                      "/recordings")


_WAV_FORMATS = ("", "wav", "audio/wav", "audio/x-wav", "audio/wave")


def get_recording(call: Call) -> dict[str, Any]:
    """The Swagger's ``media-format`` names the format of the embedded media link: only WAV is simulated."""
    wanted = next((v for k, v in call.query.items() if k.lower() == "media-format"), "")
    if wanted.strip().lower() not in _WAV_FORMATS:
        raise ApiError(400, f"media-format {wanted!r}: the simulator's recordings are audio/wav",
                       code="ValidationError")
    return _recording_wire(call, _recording(call))


def get_recording_media(call: Call) -> Reply:
    """The audio behind ``_embedded.media.url``: no token, the URL's signature and expiry are the credential."""
    media = _media(call)
    recording_id = call.path["recordingId"]
    refusal = audio.refusal(recording_id, call.query.get("expiry"), call.query.get("signature"), media.now())
    if refusal is not None:
        raise _forbidden(refusal)
    recording = media.state.recordings.get(recording_id)
    if recording is None:
        raise _not_found(f"recording {recording_id!r} not found")
    return Reply(audio.wav(recording.seconds(media.now())), 200,
                 {"content-type": "audio/wav", "cache-control": "private, no-store"})


def update_recording(call: Call) -> dict[str, Any]:
    recording = _recording(call)
    label = (call.body or {}).get("label")
    if label is not None:
        recording.label = str(label)
    return _recording_wire(call, recording)


def delete_recording(call: Call) -> Reply:
    recording = _recording(call)
    media = _media(call)
    del media.state.recordings[recording.recording_id]
    for record in media.state.records:
        if record.recording_id == recording.recording_id:
            record.recording_id = None
    return Reply(_recording_wire(call, recording), 200)  # the Swagger's 200 with what was deleted


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


def _visible_conferences(call: Call) -> list[Conference]:
    conferences = _media(call).conferences.in_accounts(set(visible_accounts(call)))
    who = principal(call)
    if who.role not in ("ACCOUNT_ADMIN", "PARTNER_ADMIN"):
        conferences = [c for c in conferences if c.owner_id == who.principal_id
                       or who.principal_id in c.participants]
    return conferences


def get_conferences(call: Call) -> dict[str, Any]:
    return collection((_conference_wire(call, c) for c in _visible_conferences(call)), call,
                      "/conferences")


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
        conference_id=body.get("id") or body.get("conferenceId") or None)  # `id` is the Swagger's name
    return Reply(_conference_wire(call, conference), 200)


def get_conference(call: Call) -> dict[str, Any]:
    return _conference_wire(call, _conference(call))


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
    conference.modified_on, conference.modified_by = _media(call).now(), principal(call).principal_id
    return _conference_wire(call, conference)


def delete_conference(call: Call) -> Reply:
    conference = _conference(call)
    _owner_or_admin(call, conference)
    gone = _conference_wire(call, conference)
    _media(call).conferences.delete(conference)
    return Reply(gone, 200)


def _conference_wire(call: Call, conference: Conference) -> dict[str, Any]:
    return wire.conference_to_wire(conference, _base(call), _media(call).conference_recording(conference))


def act_on_conference(call: Call) -> dict[str, Any]:
    """``{"action": "end"}`` ends the meeting (and its recording); ``record``, ``pause-record``,
    ``resume-record`` and ``stop-record`` drive the conference's recording (a 409 in the wrong state)."""
    conference = _conference(call)
    _owner_or_admin(call, conference)
    action = (call.body or {}).get("action")
    media = _media(call)
    if action == "end":
        media.conferences.end(conference, principal(call).principal_id)
    elif action in tuple(ConferenceRecordingAction):
        media.record_conference(conference, ConferenceRecordingAction(action))
    else:
        raise ApiError(400, f"action {action!r}: one of end, record, stop-record, pause-record, resume-record",
                       code="ValidationError")
    return _conference_wire(call, conference)


def search_conferences(call: Call) -> dict[str, Any]:
    """``$search``: conferences whose name, and participants whose id, contain every word (case-insensitive)."""
    words = [w.lower() for w in next((v for k, v in call.query.items() if k.lower() == "$search"), "").split()]
    if not words:
        raise ApiError(400, "$search is required: one or more words", code="BadRequestError")
    base, found = _base(call), []
    for conference in _visible_conferences(call):
        href = f"{base}/conferences/{conference.conference_id}"
        if all(w in conference.name.lower() for w in words):
            found.append({"content": conference.name, "location": href, "type": "conference",
                          "_links": {"conference": href},
                          "_embedded": {"location": _conference_wire(call, conference)}})
        for participant in conference.participants.values():
            if all(w in participant.participant_id.lower() for w in words):
                found.append({"content": participant.participant_id, "type": "participant",
                              "location": f"{href}/participants/{participant.participant_id}",
                              "_links": {"conference": href},
                              "_embedded": {"location": wire.participant_to_wire(conference, participant, base)}})
    return collection(found, call, "/conferences/content")


def connect_participant(call: Call) -> dict[str, Any]:
    """Connection details for a participant's client (the Swagger's ``participantConnection``). The simulator
    carries no audio or video: the URLs name its own host and answer nothing (inferred)."""
    conference = _conference(call)
    participant = _media(call).conferences.participant(conference, call.path["participantId"])
    _participant_guard(call, conference, participant.participant_id)
    external = cl_hex("conference-connection", f"{conference.conference_id}/{participant.participant_id}")
    host = _base(call).split("://", 1)[-1].split("/", 1)[0]
    return {"token": cl_hex("conference-token", f"{external}/{_media(call).now().isoformat()}"),
            "mediaUrl": f"wss://{host}/media/{conference.conference_id}", "signalingUrl": f"wss://{host}/signaling",
            "turnUrl": f"turn:{host}:3478", "screenDataUrl": f"wss://{host}/screen/{conference.conference_id}/data",
            "screenSharingUrl": f"wss://{host}/screen/{conference.conference_id}/share",
            "screenViewingUrl": f"wss://{host}/screen/{conference.conference_id}/view", "externalId": external,
            "externalConferenceId": wire.external_conference_id(conference)}


def get_participants(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    rows = (wire.participant_to_wire(conference, p, _base(call)) for p in conference.participants.values())
    return collection(rows, call, f"/conferences/{conference.conference_id}/participants")


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
    participant.onetime_acceptance = bool(body.get("onetimeAcceptance", participant.onetime_acceptance))
    return Reply(wire.participant_to_wire(conference, participant, _base(call)), 200)


def get_participant(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    participant = _media(call).conferences.participant(conference, call.path["participantId"])
    return wire.participant_to_wire(conference, participant, _base(call))


def update_participant(call: Call) -> dict[str, Any]:
    conference = _conference(call)
    conferences = _media(call).conferences
    participant = conferences.participant(conference, call.path["participantId"])
    _participant_guard(call, conference, participant.participant_id)
    body = call.body or {}
    if body.get("type"):
        participant.type = ParticipantType(body["type"])
    state = body.get("state")
    if body.get("action") == "leave":  # the Swagger's way out: an active participant leaves; others are not in it
        state = ParticipantState.inactive if participant.state is ParticipantState.active else None
    if state:
        conferences.set_state(conference, participant, ParticipantState(state))
    if "muted" in body:
        participant.muted = bool(body["muted"])
    if "onetimeAcceptance" in body:
        participant.onetime_acceptance = bool(body["onetimeAcceptance"])
    if body.get("associatedParticipantId"):
        participant.associated_participant_id = str(body["associatedParticipantId"])
    return wire.participant_to_wire(conference, participant, _base(call))


def remove_participant(call: Call) -> Reply:
    conference = _conference(call)
    conferences = _media(call).conferences
    participant = conferences.participant(conference, call.path["participantId"])
    _participant_guard(call, conference, participant.participant_id)
    gone = wire.participant_to_wire(conference, participant, _base(call))
    conferences.remove_participant(conference, participant)
    return Reply(gone, 200)


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
    return collection((_conference_wire(call, c) for c in conferences), call,
                      f"/users/{user.user_id}/conferences")


def get_user_attendance(call: Call) -> dict[str, Any]:
    user = _user(call)
    media = _media(call)
    rows = media.conferences.attendance(user.user_id)
    now = media.now()

    def recorded(conference: Conference, start: datetime, end: datetime | None) -> list[str]:
        """The recordings of the conference started while this instance of it was open."""
        return [r.recording_id for r in media.state.recordings.values() if r.conference_id == conference.conference_id
                and start <= r.created_on <= (end or now)]

    return collection((wire.user_attendance_to_wire(c, i, a, recorded(c, i.start_time, i.end_time))
                       for c, i, a in rows), call, f"/users/{user.user_id}/attendance")


def get_user_attendances(call: Call) -> dict[str, Any]:
    """The Swagger's ``/users/{userId}/attendances``: newest first."""
    user = _user(call)
    rows = sorted(_media(call).conferences.attendance(user.user_id), key=lambda row: row[2].joined_on, reverse=True)
    recording_of = _media(call).conference_recording
    return collection((wire.swagger_attendance_to_wire(c, i, a, _base(call), recording_of) for c, i, a in rows),
                      call, f"/users/{user.user_id}/attendances")


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
    "Recordings_GetRecordingMedia": get_recording_media,
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
    "Users_GetAttendances": get_user_attendances,
    "CallRecords_HideRecords": signed(hide_records),
    "CallRecords_HideCallRecords": signed(hide_call_records),
    "Conferences_Act": act_on_conference,
    "Conferences_Search": search_conferences,
    "Participants_Connect": connect_participant,
}
