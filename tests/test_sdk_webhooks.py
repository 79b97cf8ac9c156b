"""MiCC SDK web hooks deliver: a registration's URL gets a POST (with its token) when its event happens in the
world, a failed POST is retried on the simulated clock, every attempt is in the journal, and a recorded call's
recording is listed under its case and downloaded."""

from __future__ import annotations

import base64
import time
import uuid

import pytest
from desktop_client import connect

from micc_sim.harness.clients.webhooks import WebhookReceiver

# the operations these tests exercise (the suite's guard looks for each id)
COVERS = [
    "WebHook_GetCallRecordings", "WebHook_GetRecordingDownload", "WebHook_GetRecordingPlay",
    "WebHook_GetRegisteredExtensions"
]

def attempts_journaled(live, count: int, timeout: float = 5.0) -> list[dict]:
    """The web-hook attempts in the journal, once there are ``count`` (the worker journals an attempt when it has
    its answer, a moment after the receiver saw it)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = live.http.get("/_sim/journal", params={"face": "miccsdk-webhooks"}).json()["entries"]
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.01)


def register(sdk, url: str, name: str | None = None, token: str = "s3cret") -> str:
    hook_id = str(uuid.uuid4())
    r = sdk.post("/webhooks", json={"id": hook_id, "name": name, "url": url, "token": token})
    assert r.status_code == 200, r.text
    return hook_id


def test_a_registered_hook_gets_the_conversation_events_with_its_token(live):
    admin = live.sdk(live.token())
    with WebhookReceiver() as receiver:
        hook_id = register(admin, receiver.url, "ConversationStateChanged")
        assert admin.get("/webhooks").json()["webhookList"] == [
            {"_links": None, "_embedded": None, "id": hook_id, "name": "ConversationStateChanged",
             "url": receiver.url, "token": "s3cret"}]
        item = live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat"}).json()
        got = receiver.wait_for(2)  # queued, then offered to an agent
        assert [d.json["data"]["conversationState"] for d in got[:2]] == ["InQueue", "Offered"]
        assert {d.json["data"]["conversationId"] for d in got} == {item["id"]}
        assert all(d.headers["authorization"] == "Bearer s3cret" and d.json["webhookId"] == hook_id for d in got)
    journal = attempts_journaled(live, 2)
    assert len(journal) >= 2 and {e["status"] for e in journal} == {200}


def test_a_failed_delivery_is_retried_on_the_simulated_clock(live):
    admin = live.sdk(live.token())
    with WebhookReceiver(statuses=[503]) as receiver:
        register(admin, receiver.url, "EmployeeStateChanged")
        agent = next(a for a in admin.get("/agents").json()["_embedded"]["items"] if a["reporting"] == "1005")
        assert admin.put(f"/employees/{agent['id']}/state", json={"availableReason": "Login"}).status_code == 200
        first = receiver.wait_for(1)[0]
        assert first.status == 503 and first.json["data"]["presence"] == "Available"
        assert len(attempts_journaled(live, 1)) == 1
        live.advance(2)  # the first retry is due
        again = receiver.wait_for(2)[1]
        assert again.status == 200 and again.body == first.body
    assert [e["status"] for e in attempts_journaled(live, 2)] == [503, 200]


def test_a_registration_is_replaced_by_its_id_and_removed_without_a_url(live):
    admin = live.sdk(live.token())
    hook_id = register(admin, "http://127.0.0.1:9/a")
    admin.post("/webhooks", json={"id": hook_id, "url": "http://127.0.0.1:9/b"})
    assert [h["url"] for h in admin.get("/webhooks").json()["webhookList"]] == ["http://127.0.0.1:9/b"]
    bad = admin.post("/webhooks", json={"id": hook_id, "url": "not a url"})
    assert bad.status_code == 400 and "model.Url" in bad.json()["modelState"]
    assert [h["url"] for h in admin.get("/webhooks").json()["webhookList"]] == ["http://127.0.0.1:9/b"]
    assert admin.post("/webhooks", json={"id": hook_id, "url": None}).status_code == 200
    assert admin.get("/webhooks").json()["webhookList"] == []
    agent = live.sdk(live.token(next(e["username"] for e in admin.get("/employees").json()["_embedded"]["items"]
                                     if e.get("reporting") == "1001"), "password"))
    assert agent.get("/webhooks").status_code == 403


def test_a_recorded_calls_recording_is_announced_listed_and_downloaded(live):
    admin = live.sdk(live.token())
    with WebhookReceiver() as receiver:
        register(admin, receiver.url, "RecordingAvailable")
        desk = connect(live, "lcummings")
        live.set_agent("3001", profile="manual")
        assert desk("StartRecording", 0, False) is True and desk("MakeCall", {"number": "5550100"})
        live.advance(6)  # dialled, answered: recording
        call = desk.wait("OnCallEvent", lambda c: c["RecordingState"] == 2)[0]
        live.advance(10)
        assert desk("HangupCall", call["ID"]) is True
        announced = receiver.wait_for(1)[0].json["data"]
        desk.close()
    listed = admin.get(f"/webhooks/cases/{announced['caseId']}/calls/{announced['callId']}/recordings").json()
    [recording] = listed["_embedded"]["items"]
    assert (recording["id"], recording["duration"], recording["isComplete"]) == (
        announced["recordingId"], "00:00:10", True)
    audio = base64.b64decode(admin.get(f"/webhooks/recordings/{recording['id']}/download").json())
    assert audio[:4] == b"RIFF" and len(audio) == 44 + 10 * 8000
    assert admin.get(f"/webhooks/recordings/{recording['id']}/play").json().endswith("/download")
    assert admin.get("/webhooks/recordings/nope/download").status_code == 404
    case = admin.get(f"/cases/{announced['caseId']}/112026").json()
    assert case["lastMediaType"] == "Voice"
    extensions = admin.get("/webhooks/extensions").json()
    assert {"extension": "7001", "name": case["lastAgentName"]}.items() <= next(
        e for e in extensions if e["extension"] == "7001").items()


@pytest.mark.parametrize("spelling", ["http://127.0.0.1:{port}/_sim/clock/advance?seconds=7200",
                                      "http://localhost:{port}/_sim/reset", "http://[::ffff:127.0.0.1]:{port}/_sim/reset",
                                      "http://2130706433:{port}/_sim/reset", "http://x.localhost:{port}/_sim/reset"])
def test_a_hook_on_the_simulators_own_control_api_is_refused_at_registration(live, spelling):
    port = live.base_url.rsplit(":", 1)[1]
    admin = live.sdk(live.token())
    r = admin.post("/webhooks", json={"id": str(uuid.uuid4()), "url": spelling.format(port=port)})
    assert r.status_code == 400 and "model.Url" in r.json()["modelState"], r.text
