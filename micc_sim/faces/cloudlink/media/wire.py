"""The Media API's resources as JSON (answers and publications alike).

``base`` is the service's base URL for links: the request's in answers, ``/media/2017-09-01`` (a
reference against the simulator's origin) in publications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.common import iso
from micc_sim.faces.cloudlink.media.audio import media_link
from micc_sim.faces.cloudlink.media.conferences import Attendance, Conference, Instance, Participant, dial_in
from micc_sim.faces.cloudlink.media.lifecycle import CallState
from micc_sim.faces.cloudlink.media.models import CallRecord, Endpoint, Leg, Media, Recording
from micc_sim.world.cloudlink_config import cl_hex

PUBLICATION_BASE = "/media/2017-09-01"
CALL_EVENT = "CallStateNotification"  # wire-notes
ENDPOINT_EVENT = "EndpointStateNotification"  # inferred
NOT_RECORDING = "notRecording"  # a conference's recordingState when nothing records it (inferred)


def endpoint_to_wire(endpoint: Endpoint, user: User, line_state: CallState, base: str) -> dict[str, Any]:
    href = f"{base}/endpoints/{endpoint.endpoint_id}"
    return {
        "endpointId": endpoint.endpoint_id,
        "accountId": endpoint.account_id,
        "userId": user.user_id,
        "name": user.name,
        "type": None,  # "internal use only" in the Swagger: nothing the simulator's phones need
        "state": line_state.value,
        "userAvailability": endpoint.user_availability.value,
        "dnd": endpoint.dnd,
        "messageWaiting": endpoint.message_waiting,
        "pstnRouting": endpoint.pstn_routing,
        "_links": {"self": href, "calls": f"{href}/calls"},  # strings, as the Swagger's resource has them
    }


def _e164(number: str) -> bool:
    """The Swagger's ``fromNumberE164``: a displayable E.164 number (``+`` and digits), not an extension."""
    return number.startswith("+") and number[1:].isascii() and number[1:].isdigit()


def _seconds(start: datetime | None, end: datetime | None) -> float:
    return round((end - start).total_seconds(), 3) if start is not None and end is not None else 0.0


def _call_fields(call_id: str, account_id: str, from_: str, from_name: str, to: str, to_name: str,
                 created_on: datetime, connected_on: datetime | None, ended_on: datetime | None,
                 media: Media, now: datetime) -> dict[str, Any]:
    """What the Swagger's ``call`` computes from a leg or record: parties' principals, ring and billing time."""
    ring_end = connected_on or ended_on or now
    return {
        "callId": call_id,
        "siteId": media.site_of(account_id),
        "from": from_,
        "fromNumberE164": _e164(from_),
        "fromName": from_name,
        "fromPrincipalId": media.principal_of(account_id, from_),
        "to": to,
        "toNumberE164": _e164(to),
        "toName": to_name,
        "toPrincipalId": media.principal_of(account_id, to),
        "extraPbxData": None,  # reserved by the vendor for its PBXs' data: a simulated PBX has none
        "createdOn": iso(created_on),
        "endTime": iso(ended_on),
        "completed": ended_on is not None and connected_on is not None,
        "ringTime": _seconds(created_on, ring_end),
        "billingTime": _seconds(connected_on, ended_on or now) if connected_on else 0.0,
    }


def leg_to_wire(leg: Leg, media: Media, base: str = PUBLICATION_BASE) -> dict[str, Any]:
    fields = _call_fields(leg.call_id, leg.account_id, leg.from_, leg.from_name, leg.to, leg.to_name,
                          leg.created_on, leg.connected_on, leg.ended_on, media, media.now())
    return {
        **fields,
        "endpointId": leg.party,
        "principalId": media.principal_of(leg.account_id, leg.party),
        "accountId": leg.account_id,
        "direction": leg.direction.value,
        "state": leg.state.value,
        "cause": leg.cause.value,
        "associatedCallId": leg.associated_call_id,
        "record": leg.record,
        "originateTimeout": leg.originate_timeout,
        "consultCallId": leg.consult_call_id,
        "consultFor": leg.consult_for,
        "dtmf": leg.dtmf,
        "connectedOn": iso(leg.connected_on),
        "endedOn": iso(leg.ended_on),
        "_links": {"self": f"{base}/endpoints/{leg.party}/calls/{leg.call_id}"},
    }


def call_publication(leg: Leg, media: Media, event_id: str) -> dict[str, Any]:
    return {**leg_to_wire(leg, media), "eventType": CALL_EVENT, "eventId": event_id}


def record_to_wire(record: CallRecord, media: Media, base: str) -> dict[str, Any]:
    """A call history record: the Swagger's ``call`` (``callCollection``), plus the simulator's own fields."""
    owner = media.principal_of(record.account_id, record.endpoint_id)
    fields = _call_fields(record.call_id, record.account_id, record.from_, record.from_name, record.to,
                          record.to_name, record.created_on, record.connected_on, record.ended_on, media,
                          record.ended_on)
    return {
        **fields,
        "state": "completed",
        "cause": record.cause.value,
        "direction": record.direction.value,
        "principal": owner,  # whose history this is: what the Swagger's `contains(principal, '<id>')` filters
        "principalId": owner,
        "recordId": record.record_id,
        "endpointId": record.endpoint_id,
        "accountId": record.account_id,
        "answered": record.connected_on is not None,
        "startTime": iso(record.created_on),
        "connectedOn": iso(record.connected_on),
        "duration": fields["billingTime"],
        "recordingId": record.recording_id,
        "_links": {"self": f"{base}/calls/{record.call_id}/records"},
    }


def recording_to_wire(recording: Recording, base: str, now: datetime) -> dict[str, Any]:
    """The Swagger's ``recording``, with ``_embedded.media``: a time-limited URL of its audio (``audio.py``)."""
    seconds = round(recording.seconds(now), 3)
    url, expiry = media_link(base, recording.recording_id, now)
    return {
        "recordingId": recording.recording_id,
        "callId": recording.call_id,  # a conference's recording: the conference id, as the Swagger's $filter says
        "accountId": recording.account_id,
        "endpointId": recording.endpoint_id,
        "conferenceId": recording.conference_id,
        "state": recording.state.value,
        "contentType": recording.content_type,
        "label": recording.label,
        "durationInSeconds": seconds,
        "duration": seconds,
        "createdOn": iso(recording.created_on),
        "_links": {"self": f"{base}/recordings/{recording.recording_id}"},
        "_embedded": {"media": {"url": url, "expiry": iso(expiry)}},
    }


def participant_to_wire(conference: Conference, participant: Participant, base: str = PUBLICATION_BASE
                        ) -> dict[str, Any]:
    return {
        "participantId": participant.participant_id,
        "conferenceId": conference.conference_id,
        "state": participant.state.value,
        "type": participant.type.value,
        "addedOn": iso(participant.added_on),
        "joinedOn": iso(participant.joined_on),
        "leftOn": iso(participant.left_on),
        "externalId": None,
        "onetimeAcceptance": participant.onetime_acceptance,
        "muted": participant.muted,
        "associatedParticipantId": participant.associated_participant_id,
        "_links": {"self": f"{base}/conferences/{conference.conference_id}/participants/{participant.participant_id}"},
    }


def external_conference_id(conference: Conference) -> str:
    """The id of the conference's bridge (one simulated bridge per conference)."""
    return cl_hex("conference-external", conference.conference_id)


def _page(items: list[dict[str, Any]], href: str) -> dict[str, Any]:
    return {"count": len(items), "_links": {"self": href}, "_embedded": {"items": items}}


RecordingOf = Callable[[Conference], Recording | None]


def conference_to_wire(conference: Conference, base: str, recording: Recording | None = None) -> dict[str, Any]:
    """``recording``: the conference's recording in progress, shown in ``recordingState`` / ``recordingId``."""
    href = f"{base}/conferences/{conference.conference_id}"
    participants = [participant_to_wire(conference, p, base) for p in conference.participants.values()]
    numbers = dial_in(conference.region)
    addresses = [{"type": "pstn", "description": country, "url": f"tel:{number}", "country": country,
                  "tollFree": False} for country, number in numbers]
    return {
        "id": conference.conference_id,
        "externalId": external_conference_id(conference),
        "conferenceId": conference.conference_id,
        "accountId": conference.account_id,
        "name": conference.name,
        "visibility": "public" if conference.type.value == "everyoneAllowed" else "private",
        "accessCode": conference.access_code,
        "createdBy": conference.owner_id,
        "createdOn": iso(conference.created_on),
        "modifiedBy": conference.modified_by or conference.owner_id,
        "modifiedOn": iso(conference.modified_on or conference.created_on),
        "state": "active" if conference.open_instance is not None else "inactive",
        "type": conference.type.value,
        "lobbyPolicy": conference.lobby_policy.value,
        "ownerId": conference.owner_id,
        "accessCodeLength": conference.access_code_length,
        "expiryDateTime": iso(conference.expiry),
        "addresses": [{"type": "pstn", "country": country, "number": number} for country, number in numbers],
        "participants": participants,
        "recordingState": recording.state.value if recording is not None else NOT_RECORDING,
        "recordingId": recording.recording_id if recording is not None else None,
        "_links": {"self": href, "participants": f"{href}/participants",
                   "recordings": f"{base}/recordings?$filter=callId eq '{conference.conference_id}'"},
        "_embedded": {"participants": _page(participants, f"{href}/participants"),
                      "addresses": _page(addresses, f"{href}/addresses")},
    }


def attendance_to_wire(attendance: Attendance) -> dict[str, Any]:
    return {"participantId": attendance.participant_id, "type": attendance.type.value,
            "joinedOn": iso(attendance.joined_on), "leftOn": iso(attendance.left_on)}


def instance_to_wire(instance: Instance) -> dict[str, Any]:
    return {"instanceId": instance.instance_id, "conferenceId": instance.conference_id,
            "startTime": iso(instance.start_time), "endTime": iso(instance.end_time),
            "attendees": [attendance_to_wire(a) for a in instance.attendees]}


def user_attendance_to_wire(conference: Conference, instance: Instance, attendance: Attendance,
                            recordings: list[str] | None = None) -> dict[str, Any]:
    """One conference instance a user attended; ``recordings``: the ids of the recordings made in it."""
    return {"conferenceId": conference.conference_id, "instanceId": instance.instance_id,
            "name": conference.name, "joinedOn": iso(attendance.joined_on), "leftOn": iso(attendance.left_on),
            "startTime": iso(instance.start_time), "endTime": iso(instance.end_time),
            "attendees": sorted({a.participant_id for a in instance.attendees}), "recordings": recordings or []}


def swagger_attendance_to_wire(conference: Conference, instance: Instance, attendance: Attendance, base: str,
                               recording_of: RecordingOf | None = None) -> dict[str, Any]:
    """The Swagger's ``userAttendance`` (``GET /users/{userId}/attendances``)."""
    return {"id": f"{instance.instance_id}:{attendance.participant_id}:{iso(attendance.joined_on)}",
            "participantId": attendance.participant_id, "conferenceId": conference.conference_id,
            "conferenceInstanceId": instance.instance_id, "accountId": conference.account_id,
            "joinTimeStamp": iso(attendance.joined_on), "leaveTimeStamp": iso(attendance.left_on),
            "_links": {"conference": f"{base}/conferences/{conference.conference_id}"},
            "_embedded": {"conference": conference_to_wire(conference, base,
                                                           recording_of(conference) if recording_of else None)}}
