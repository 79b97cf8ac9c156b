"""The Media API's resources as JSON (answers and publications alike).

``base`` is the service's base URL for links: the request's in answers, ``/media/2017-09-01`` (a
reference against the simulator's origin) in publications.
"""

from __future__ import annotations

from typing import Any

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.common import iso
from micc_sim.faces.cloudlink.media.conferences import DIAL_IN, Attendance, Conference, Instance, Participant
from micc_sim.faces.cloudlink.media.lifecycle import CallState
from micc_sim.faces.cloudlink.media.models import CallRecord, Endpoint, Leg, Recording

PUBLICATION_BASE = "/media/2017-09-01"
CALL_EVENT = "CallStateNotification"  # wire-notes
ENDPOINT_EVENT = "EndpointStateNotification"  # inferred


def endpoint_to_wire(endpoint: Endpoint, user: User, line_state: CallState, base: str) -> dict[str, Any]:
    href = f"{base}/endpoints/{endpoint.endpoint_id}"
    return {
        "endpointId": endpoint.endpoint_id,
        "accountId": endpoint.account_id,
        "userId": user.user_id,
        "name": user.name,
        "state": line_state.value,
        "userAvailability": endpoint.user_availability.value,
        "dnd": endpoint.dnd,
        "messageWaiting": endpoint.message_waiting,
        "pstnRouting": endpoint.pstn_routing,
        "_links": {"self": {"href": href}, "calls": {"href": f"{href}/calls"}},
    }


def leg_to_wire(leg: Leg) -> dict[str, Any]:
    return {
        "callId": leg.call_id,
        "endpointId": leg.party,
        "accountId": leg.account_id,
        "direction": leg.direction.value,
        "state": leg.state.value,
        "cause": leg.cause.value,
        "from": leg.from_,
        "fromName": leg.from_name,
        "to": leg.to,
        "toName": leg.to_name,
        "associatedCallId": leg.associated_call_id,
        "record": leg.record,
        "originateTimeout": leg.originate_timeout,
        "consultCallId": leg.consult_call_id,
        "consultFor": leg.consult_for,
        "dtmf": leg.dtmf,
        "createdOn": iso(leg.created_on),
        "connectedOn": iso(leg.connected_on),
        "endedOn": iso(leg.ended_on),
    }


def call_publication(leg: Leg) -> dict[str, Any]:
    return {**leg_to_wire(leg), "eventType": CALL_EVENT}


def record_to_wire(record: CallRecord) -> dict[str, Any]:
    duration = (record.ended_on - record.connected_on).total_seconds() if record.connected_on else 0.0
    return {
        "recordId": record.record_id,
        "callId": record.call_id,
        "endpointId": record.endpoint_id,
        "accountId": record.account_id,
        "direction": record.direction.value,
        "from": record.from_,
        "fromName": record.from_name,
        "to": record.to,
        "toName": record.to_name,
        "answered": record.connected_on is not None,
        "cause": record.cause.value,
        "startTime": iso(record.created_on),
        "connectedOn": iso(record.connected_on),
        "endTime": iso(record.ended_on),
        "duration": round(duration, 3),
        "recordingId": record.recording_id,
    }


def recording_to_wire(recording: Recording, base: str) -> dict[str, Any]:
    return {
        "recordingId": recording.recording_id,
        "callId": recording.call_id,
        "accountId": recording.account_id,
        "endpointId": recording.endpoint_id,
        "contentType": recording.content_type,
        "label": recording.label,
        "duration": round(recording.duration, 3),
        "createdOn": iso(recording.created_on),
        "_links": {"self": {"href": f"{base}/recordings/{recording.recording_id}"}},
    }


def participant_to_wire(conference: Conference, participant: Participant) -> dict[str, Any]:
    return {
        "participantId": participant.participant_id,
        "conferenceId": conference.conference_id,
        "state": participant.state.value,
        "type": participant.type.value,
        "addedOn": iso(participant.added_on),
        "joinedOn": iso(participant.joined_on),
        "leftOn": iso(participant.left_on),
    }


def conference_to_wire(conference: Conference, base: str) -> dict[str, Any]:
    return {
        "conferenceId": conference.conference_id,
        "accountId": conference.account_id,
        "ownerId": conference.owner_id,
        "name": conference.name,
        "type": conference.type.value,
        "lobbyPolicy": conference.lobby_policy.value,
        "accessCode": conference.access_code,
        "accessCodeLength": conference.access_code_length,
        "expiryDateTime": iso(conference.expiry),
        "createdOn": iso(conference.created_on),
        "addresses": [{"type": "pstn", "country": country, "number": number} for country, number in DIAL_IN],
        "participants": [participant_to_wire(conference, p) for p in conference.participants.values()],
        "_links": {"self": {"href": f"{base}/conferences/{conference.conference_id}"}},
    }


def attendance_to_wire(attendance: Attendance) -> dict[str, Any]:
    return {"participantId": attendance.participant_id, "type": attendance.type.value,
            "joinedOn": iso(attendance.joined_on), "leftOn": iso(attendance.left_on)}


def instance_to_wire(instance: Instance) -> dict[str, Any]:
    return {"instanceId": instance.instance_id, "conferenceId": instance.conference_id,
            "startTime": iso(instance.start_time), "endTime": iso(instance.end_time),
            "attendees": [attendance_to_wire(a) for a in instance.attendees]}


def user_attendance_to_wire(conference: Conference, instance: Instance, attendance: Attendance) -> dict[str, Any]:
    """One conference instance a user attended (conferences are never recorded here: ``recordings`` is empty)."""
    return {"conferenceId": conference.conference_id, "instanceId": instance.instance_id,
            "name": conference.name, "joinedOn": iso(attendance.joined_on), "leftOn": iso(attendance.left_on),
            "startTime": iso(instance.start_time), "endTime": iso(instance.end_time),
            "attendees": sorted({a.participant_id for a in instance.attendees}), "recordings": []}
