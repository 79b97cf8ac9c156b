"""WebHook tag: web-hook registrations (delivered by ``delivery.py``), the extensions an OSCMS may watch, and the
recordings of recorded calls, by case and call."""

from __future__ import annotations

import base64
import struct
from typing import Any
from urllib.parse import urlsplit

from micc_sim.faces.micc.wire import dotnet_datetime, dotnet_timespan, listing, path_segment
from micc_sim.outbound import own_url_refusal
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import NotFound, World
from micc_sim.world.records import Recording
from micc_sim.world.webhooks import WebHook

SAMPLE_RATE = 8000  # a recording is 8 kHz, 8-bit mono PCM silence as long as the call was recorded
MAX_SECONDS = 600  # bounded: longer recordings are cut


def hook_to_wire(hook: WebHook) -> dict[str, Any]:
    return {"_links": None, "_embedded": None, "id": hook.id, "name": hook.name, "url": hook.url,
            "token": hook.token}


def get_webhooks(call: Call) -> dict[str, Any]:
    return {"webhookList": [hook_to_wire(h) for h in call.world.webhooks.registrations.values()]}


def post_webhook(call: Call) -> str:
    """Register (or, with a known id, replace) a web hook; a registration without a URL removes it."""
    body = {k.lower(): v for k, v in (call.body or {}).items()} if isinstance(call.body, dict) else {}
    hook_id = str(body.get("id") or "")
    url = body.get("url")
    problems: dict[str, list[str]] = {}
    if not hook_id:
        problems["model.Id"] = ["The Id field is required."]
    if url:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems["model.Url"] = [f"The Url '{url}' is not an absolute http or https URL."]
        elif (refusal := own_url_refusal(str(url), call.sim.own_sockets)) is not None:
            problems["model.Url"] = [refusal]  # a hook must never make the simulator call its own control API
    if problems:
        raise ApiError(400, "The request is invalid.", problems)
    world: World = call.world
    if not url:
        if not world.webhooks.unregister(hook_id):
            raise ApiError(400, "The request is invalid.", {"model.Url": ["The Url field is required."]})
        return hook_id
    world.webhooks.register(WebHook(hook_id, body.get("name"), str(url), body.get("token")))
    return hook_id


def get_registered_extensions(call: Call) -> list[dict[str, Any]]:
    """The employees' extensions, the devices an OSCMS may record (ACD queue numbers are not devices)."""
    world: World = call.world
    return [{"id": e.id, "extension": e.reporting, "name": e.name, "employeeId": e.owner_id}
            for e in world.catalog.extensions() if not e.acd]


def recording_to_wire(world: World, rec: Recording, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(f"/webhooks/recordings/{path_segment(rec.id)}/download")},
                   "play": {"href": call.url_for(f"/webhooks/recordings/{path_segment(rec.id)}/play")}},
        "id": rec.id, "caseId": rec.case_id, "callId": rec.call_id, "agentId": rec.agent_id,
        "startTime": dotnet_datetime(rec.started), "endTime": dotnet_datetime(rec.ended),
        "duration": dotnet_timespan(rec.seconds(world.clock.now())), "isComplete": rec.ended is not None,
    }


def get_call_recordings(call: Call) -> dict[str, Any]:
    world: World = call.world
    case = world.records.case(call.path["caseId"])
    call_id = call.path["callId"].lower()
    if call_id not in (c.lower() for c in case.conversation_ids):
        raise NotFound(f"call {call.path['callId']!r} is not in case {case.id!r}")
    found = [r for r in world.records.recordings.values() if r.case_id == case.id and r.call_id.lower() == call_id]
    return listing(call, f"/webhooks/cases/{case.id}/calls/{call.path['callId']}/recordings", recording_to_wire,
                   found)


def wav(seconds: float) -> bytes:
    samples = int(min(max(seconds, 0.0), MAX_SECONDS) * SAMPLE_RATE)
    header = b"RIFF" + struct.pack("<I", 36 + samples) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8) + b"data" + struct.pack("<I", samples)
    return header + b"\x80" * samples


def get_recording_download(call: Call) -> str:
    """The recording file (WAV), base64: as long as the call was recorded (silence, bounded)."""
    world: World = call.world
    rec = world.records.recording(call.path["recordingId"])
    if rec.ended is None:
        raise ApiError(409, f"The recording '{rec.id}' is still in progress.")
    return base64.b64encode(wav(rec.seconds(world.clock.now()))).decode("ascii")


def get_recording_play(call: Call) -> str:
    """Where a player streams the recording from: its download URL."""
    rec = call.world.records.recording(call.path["recordingId"])
    return call.url_for(f"/webhooks/recordings/{path_segment(rec.id)}/download")


HANDLERS = {
    "WebHook_GetWebHooks": get_webhooks,
    "WebHook_PostWebHook": post_webhook,
    "WebHook_GetRegisteredExtensions": get_registered_extensions,
    "WebHook_GetCallRecordings": get_call_recordings,
    "WebHook_GetRecordingDownload": get_recording_download,
    "WebHook_GetRecordingPlay": get_recording_play,
}
