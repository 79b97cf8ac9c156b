"""The full journal through the real server: bodies and headers with secrets redacted, the operation, the answer's
X-Request-Id, queries, the live stream, HAR export, messages on connections, and the CLI that follows it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft7Validator, FormatChecker

from micc_sim.cli import main

HAR_SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "har-1.2.schema.json").read_text(encoding="utf-8"))


def test_a_clients_exchanges_are_journaled_in_full_with_secrets_redacted(live):
    token = live.token()
    sdk = live.sdk(token)
    posted = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "Printer on fire"})
    entry = live.http.get(f"/_sim/journal/{posted.headers['x-request-id']}").json()
    assert entry["operation"] == "OpenMedia_PostOpenMedia" and entry["face"] == "miccsdk"
    assert entry["status"] == 201 and entry["at"] == "2026-11-22T09:00:00Z" and entry["kind"] == "http"
    assert json.loads(entry["request"]["body"]) == {"queue": "Web Chat", "subject": "Printer on fire"}
    assert json.loads(entry["response"]["body"])["id"] == posted.json()["id"]
    assert entry["request"]["headers"]["authorization"] == "Bearer [redacted]"
    assert entry["response"]["headers"]["x-request-id"] == entry["id"]

    (grant,) = live.http.get("/_sim/journal", params={"operation": "token_posttoken"}).json()["entries"]
    assert "password=%5Bredacted%5D" in grant["request"]["body"] and "_password" not in grant["request"]["body"]
    assert json.loads(grant["response"]["body"])["access_token"] == "[redacted]"
    assert token not in json.dumps(live.http.get("/_sim/journal").json())

    found = live.http.get("/_sim/journal", params={"text": "printer ON FIRE", "bodies": "false"}).json()
    assert [e["id"] for e in found["entries"]] == [entry["id"]] and "request" not in found["entries"][0]
    assert live.http.get("/_sim/journal/count", params={"face": "authorizationserver", "status": "2xx"}).json() == {
        "count": 1}
    assert live.http.get("/_sim/journal", params={"kind": "nonsense"}).status_code == 400
    assert live.http.get("/_sim/journal/nope-1").status_code == 404


def test_a_fault_rules_answer_is_marked_with_the_rule(live):
    rule = live.http.post("/_sim/faults", json={"kind": "busy", "path": "openmedia"}).json()
    answer = live.sdk(live.token()).get("/openmedia")
    assert answer.status_code == 503
    entry = live.http.get(f"/_sim/journal/{answer.headers['x-request-id']}").json()
    assert entry["fault"] == rule["id"] and entry["operation"] == "OpenMedia_GetOpenMediaItems"


def test_the_journal_is_bounded_by_bytes_and_cuts_long_bodies(live_with):
    sim = live_with(journal_body_limit=16, journal_bytes=3000)
    sdk = sim.sdk(sim.token())
    sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "x" * 100})
    entry = sim.http.get("/_sim/journal", params={"method": "POST", "face": "miccsdk"}).json()["entries"][0]
    assert entry["truncated"] is True and entry["request"]["body"] == '{"queue":"Web Ch'
    for _ in range(10):
        sdk.get("/queues")
    journal = sim.http.get("/_sim/journal").json()
    assert journal["dropped"] > 0 and journal["count"] == 12 - journal["dropped"]


def test_the_journal_streams_live_as_server_sent_events(live):
    seen: list[dict] = []
    opened = threading.Event()

    def follow() -> None:
        with httpx.stream("GET", f"{live.base_url}/_sim/journal/stream", params={"face": "miccsdk"},
                          timeout=20) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                opened.set()
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                    return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert opened.wait(10)
    token = live.token()  # the authorizationserver face: filtered out
    live.sdk(token).get("/openmedia/unknown")
    reader.join(10)
    assert [(e["method"], e["path"], e["status"], e["operation"]) for e in seen] == [
        ("GET", "/miccsdk/api/v1/openmedia/unknown", 404, "OpenMedia_GetOpenMediaItem")]


def test_the_har_export_is_valid_har_1_2(live, tmp_path):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    sdk.get("/openmedia", params={"$top": "1"})
    live.http.post("/authentication/2017-09-01/token", json={"grant_type": "password", "username": "nobody",
                                                             "password": "secret-pw"})
    har = live.http.get("/_sim/journal.har").json()
    Draft7Validator(HAR_SCHEMA, format_checker=FormatChecker()).validate(har)
    entries = har["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["POST", "POST", "GET", "POST"]
    assert entries[2]["request"]["queryString"] == [{"name": "$top", "value": "1"}]
    assert entries[1]["_operation"] == "OpenMedia_PostOpenMedia" and entries[1]["response"]["status"] == 201
    assert "secret-pw" not in json.dumps(har)

    out = tmp_path / "run.har"
    assert main(["journal", "--base-url", live.base_url, "--har", str(out), "--face", "miccsdk"]) == 0
    saved = json.loads(out.read_text(encoding="utf-8"))
    Draft7Validator(HAR_SCHEMA, format_checker=FormatChecker()).validate(saved)
    assert len(saved["log"]["entries"]) == 2


def test_journal_lists_one_readable_line_per_exchange(live, capsys):
    live.sdk(live.token()).get("/openmedia/unknown")
    assert main(["journal", "--base-url", live.base_url, "--face", "miccsdk"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "miccsdk" in line and "404 GET    /miccsdk/api/v1/openmedia/unknown OpenMedia_GetOpenMediaItem" in line


def test_journal_follow_prints_exchanges_as_they_happen(live):
    live.sdk(live.token()).get("/openmedia/before")
    follower = subprocess.Popen([sys.executable, "-m", "micc_sim", "journal", "--base-url", live.base_url,
                                 "--follow", "--json", "--face", "miccsdk", "--last", "1"], stdout=subprocess.PIPE,
                                text=True)
    try:
        first = json.loads(follower.stdout.readline())  # type: ignore[union-attr]
        assert first["path"] == "/miccsdk/api/v1/openmedia/before"  # the backlog: what happened before
        live.sdk(live.token()).get("/openmedia/after")
        then = json.loads(follower.stdout.readline())  # type: ignore[union-attr]
        assert then["path"] == "/miccsdk/api/v1/openmedia/after" and then["status"] == 404
        assert then["request"]["headers"]["authorization"] == "Bearer [redacted]"
    finally:
        follower.terminate()
        follower.wait(10)


def test_hub_invocations_and_what_the_hubs_send_are_journaled(live):
    from requests import Session

    signalr = pytest.importorskip("signalr", reason="signalr-unified-client is a test dependency")

    token = live.token("tcervantes", "password")
    session = Session()
    session.headers.pop("Connection", None)
    connection = signalr.Connection(f"{live.base_url}/miccsdk/signalr", session)
    connection.qs = {"sessionid": f"Bearer {token}"}
    hub = connection.register_hub("employeeHub")
    connection.start()
    try:
        hub.server.invoke("addSelfMonitor")
        live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat", "subject": "Hub news"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            messages = live.http.get("/_sim/journal", params={"kind": "message", "face": "signalr"}).json()
            events = {(e["method"], e["event"]) for e in messages["entries"]}
            if ("SEND", "employeeHub.employeeConversationChanged") in events:
                break
            time.sleep(0.05)
        assert ("RECEIVE", "employeeHub.addSelfMonitor") in events
        assert ("SEND", "employeeHub.employeeConversationChanged") in events
        news = live.http.get("/_sim/journal", params={"kind": "message", "text": "hub news"}).json()["entries"]
        assert news and news[0]["face"] == "signalr"
    finally:
        threading.Thread(target=connection.close, daemon=True).start()


def test_the_agent_desktops_socketio_events_are_journaled(live):
    from desktop_client import connect

    desk = connect(live, "tcervantes")
    try:
        answer = desk("GetAgentState")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            entries = live.http.get("/_sim/journal", params={"kind": "message", "face": "desktop"}).json()["entries"]
            received = [e for e in entries if e["method"] == "RECEIVE" and e["event"] == "GetAgentState"]
            if received:
                break
            time.sleep(0.05)
        (request,) = received
        assert request["path"] == "/agent" and json.loads(request["response"]["body"]) == answer
        assert any(e["method"] == "RECEIVE" and e["event"] == "connect" for e in entries)
    finally:
        desk.close()


def test_webhook_deliveries_the_simulator_sends_are_journaled(live):
    from cloudlink_notify import api, delivery_states, receiver, subscribe, wait_until

    client = api(live)
    with receiver() as hook:
        sub = subscribe(client, applicationId="journal-app", deviceId=hook.url, transport="webhook",
                        topic="platform-api-media")
        r = client.post("/publications", json={"topic": "platform-api-media", "method": "put",
                                               "subject": "/2017-09-01/endpoints/5001/calls/77",
                                               "content": {"callId": "77", "state": "ringing"}})
        assert r.status_code == 201, r.text
        hook.wait_for(1)
        wait_until(lambda: delivery_states(live, sub["subscriptionId"]) == ["delivered"], what="the delivery")
    (entry,) = live.http.get("/_sim/journal", params={"face": "cloudlink-webhooks"}).json()["entries"]
    assert (entry["kind"], entry["method"], entry["path"], entry["status"]) == ("outgoing", "POST", hook.url, 200)
    assert json.loads(entry["request"]["body"])["content"] == {"callId": "77", "state": "ringing"}
    assert entry["note"] == "HTTP 200"


def test_mqtt_publishes_of_notifications_are_journaled(live):
    from cloudlink_notify import DEVICE, Device, api, connection_url, delivery_states, publish, subscribe, wait_until

    client = api(live)
    device = Device(connection_url(client))
    try:
        sid = subscribe(client, deviceId=DEVICE, transport="websocket", topic="platform-api-media")["subscriptionId"]
        assert device.subscribe(sid) == 1
        publish(client, "platform-api-media", "PUT", "/2017-09-01/endpoints/5001/calls/9",
                {"callId": "9", "state": "ringing"})
        device.next_message()
        wait_until(lambda: delivery_states(live, sid) == ["delivered"], what="the delivery")
    finally:
        device.close()
    (entry,) = live.http.get("/_sim/journal", params={"face": "cloudlink-mqtt"}).json()["entries"]
    assert (entry["kind"], entry["method"], entry["path"], entry["event"]) == ("message", "SEND", sid, "PUBLISH")
    assert json.loads(entry["request"]["body"])["content"] == {"callId": "9", "state": "ringing"}
    assert "PUBACK received" in entry["note"] and entry["client"] == DEVICE
