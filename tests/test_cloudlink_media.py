"""CloudLink Media: the guide's call-control examples end to end, line state, records, recordings, conferences.

The world adds phones with the guide's extensions (1000-1005, 2001, 2002, 3001, 4001) to the default tenant.
"""

from __future__ import annotations

import re

import httpx
import pytest

from micc_sim.world.cloudlink_config import UserConfig
from micc_sim.world.seed import ACCOUNT_NUMBER, default_world

MEDIA = "/media/2017-09-01"
GUIDE_EXTENSIONS = ("1000", "1001", "1005", "2001", "2002", "3001", "4001")


def guide_world():
    config = default_world()
    for ext in GUIDE_EXTENSIONS:
        config.cloudlink.users.append(UserConfig(email=f"phone{ext}@wagner.example.com", name=f"Phone {ext}",
                                                 account=ACCOUNT_NUMBER, extension=ext))
    return config


@pytest.fixture
def guide(live_with):
    live = live_with(world=guide_world())
    with live.cloudlink("admin@wagner.example.com", MEDIA) as admin:
        yield live, admin


def leg(media: httpx.Client, endpoint: str, call_id: str) -> dict:
    r = media.get(f"/endpoints/{endpoint}/calls/{call_id}")
    assert r.status_code == 200, r.text
    return r.json()


def act(media: httpx.Client, endpoint: str, call_id: str, **body) -> httpx.Response:
    return media.put(f"/endpoints/{endpoint}/calls/{call_id}", json=body)


def call(media: httpx.Client, origin: str, to: str, **body) -> str:
    r = media.post(f"/endpoints/{origin}/calls", json={"to": to, **body})
    assert r.status_code == 200, r.text
    return r.json()["callId"]


def media_publications(live, subject_filter: str = ".*") -> list[tuple[str, str, str]]:
    """(subject, state, cause) of each media publication whose subject matches the regex, in order."""
    return [(p.subject, p.content["state"], p.content["cause"]) for p in live.sim.cloudlink.notify.log
            if p.topic == "platform-api-media" and re.search(subject_filter, p.subject)
            and p.content.get("eventType") == "CallStateNotification"]


def test_making_a_call_rings_both_phones_then_answering_connects_them_and_ending_leaves_records(guide):
    live, media = guide
    r = media.post("/endpoints/2001/calls", json={"to": "2002", "originateTimeout": "15"})  # the guide's body
    assert r.status_code == 200, r.text
    made = r.json()
    assert (made["state"], made["cause"], made["direction"], made["to"]) == ("ringing", "newCall", "outbound", "2002")
    call_id = made["callId"]
    ringing = leg(media, "2002", call_id)
    assert (ringing["state"], ringing["direction"], ringing["from"]) == ("ringing", "inbound", "2001")
    assert media.get("/endpoints/2002").json()["state"] == "ringing"

    assert act(media, "2002", call_id, action="answer").json()["state"] == "connected"
    assert leg(media, "2001", call_id)["state"] == "connected"
    assert media.get("/endpoints/2001").json()["state"] == "connected"
    live.advance(20)  # the originate timeout no longer applies to an answered call
    assert leg(media, "2001", call_id)["state"] == "connected"

    ended = act(media, "2001", call_id, action="end").json()
    assert (ended["state"], ended["cause"]) == ("completed", "normalClearing")
    assert media.get(f"/endpoints/2002/calls/{call_id}").status_code == 404
    assert [e["state"] for e in media.get("/endpoints").json()["_embedded"]["items"]
            if e["endpointId"] in ("2001", "2002")] == ["idle", "idle"]
    records = media.get(f"/calls/{call_id}/records").json()["_embedded"]["items"]
    assert {(r["endpointId"], r["direction"], r["answered"], r["duration"]) for r in records} == {
        ("2001", "outbound", True, 20.0), ("2002", "inbound", True, 20.0)}

    subject = f"/2017-09-01/endpoints/2002/calls/{call_id}"
    assert media_publications(live, "^/2017-09-01/endpoints/200[12]/") == [
        (f"/2017-09-01/endpoints/2001/calls/{call_id}", "ringing", "newCall"),
        (subject, "ringing", "newCall"),
        (subject, "connected", "newCall"),
        (f"/2017-09-01/endpoints/2001/calls/{call_id}", "connected", "newCall"),
        (f"/2017-09-01/endpoints/2001/calls/{call_id}", "completed", "normalClearing"),
        (subject, "completed", "normalClearing"),
    ]
    published = next(p for p in live.sim.cloudlink.notify.log if p.subject == subject)
    assert published.method == "PUT" and published.content["callId"] == call_id and published.account_id


def test_an_unanswered_call_ends_with_callNotAnswer_when_the_originate_timeout_expires(guide):
    live, media = guide
    call_id = call(media, "2001", "2002", originateTimeout=15)
    live.advance(14.9)
    assert leg(media, "2002", call_id)["state"] == "ringing"
    live.advance(0.1)
    assert media.get(f"/endpoints/2001/calls/{call_id}").status_code == 404
    records = media.get(f"/calls/{call_id}/records").json()["_embedded"]["items"]
    assert {(r["endpointId"], r["cause"], r["answered"]) for r in records} == {
        ("2001", "callNotAnswer", False), ("2002", "callNotAnswer", False)}
    assert media_publications(live)[-2:] == [
        (f"/2017-09-01/endpoints/2001/calls/{call_id}", "completed", "callNotAnswer"),
        (f"/2017-09-01/endpoints/2002/calls/{call_id}", "completed", "callNotAnswer")]


def test_a_ringing_call_is_redirected_but_not_transferred(guide):
    _, media = guide
    call_id = call(media, "1000", "3001")
    refused = act(media, "3001", call_id, action="blindTransfer", destination="4001")
    assert refused.status_code == 409 and "answered" in refused.json()["message"]

    r = act(media, "3001", call_id, action="redirect", destination="4001")  # the guide's body
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["cause"]) == ("completed", "redirected")
    moved = leg(media, "4001", call_id)
    assert (moved["state"], moved["cause"], moved["from"]) == ("ringing", "redirected", "1000")
    assert leg(media, "1000", call_id)["cause"] == "redirected"
    assert act(media, "4001", call_id, action="answer").json()["state"] == "connected"
    assert act(media, "4001", call_id, action="redirect", destination="3001").status_code == 409


def test_hold_retrieve_and_a_blind_transfer_of_an_answered_call(guide):
    _, media = guide
    call_id = call(media, "1000", "2001")
    act(media, "2001", call_id, action="answer")
    assert act(media, "2001", call_id, action="hold").json()["state"] == "held"
    assert media.get("/endpoints/2001").json()["state"] == "held"
    assert leg(media, "1000", call_id)["state"] == "connected"
    assert act(media, "2001", call_id, action="hold").status_code == 409
    assert act(media, "2001", call_id, action="retrieve").json()["state"] == "connected"

    done = act(media, "2001", call_id, action="blindTransfer", args="2002").json()
    assert (done["state"], done["cause"]) == ("completed", "transfer")
    target = leg(media, "2002", call_id)
    assert (target["state"], target["cause"], target["from"], target["fromName"]) == (
        "ringing", "transfer", "1000", "Phone 1000")
    act(media, "2002", call_id, action="answer")
    assert leg(media, "1000", call_id)["state"] == "connected"
    dtmf = act(media, "1000", call_id, action="dtmf", args="12#")
    assert dtmf.json()["dtmf"] == "12#"


def test_consultation_then_supervised_transfer_or_conference(guide):
    _, media = guide
    first = call(media, "1000", "2001")
    act(media, "2001", first, action="answer")
    assert act(media, "2001", first, action="supervisedTransfer").status_code == 409  # no consultation yet
    consulting = act(media, "2001", first, action="consult", destination="2002").json()
    assert consulting["state"] == "held"
    second = consulting["consultCallId"]
    assert leg(media, "2002", second)["cause"] == "consultation"
    assert act(media, "2001", first, action="conference").status_code == 409  # 2002 has not answered
    act(media, "2002", second, action="answer")

    r = act(media, "2001", first, action="conference")
    assert r.status_code == 200, r.text
    assert media.get(f"/endpoints/2002/calls/{second}").status_code == 404
    assert {leg(media, ext, first)["state"] for ext in ("1000", "2001", "2002")} == {"connected"}
    assert leg(media, "2002", first)["cause"] == "conference"
    act(media, "2001", first, action="end")  # three parties: the other two stay
    assert leg(media, "1000", first)["state"] == "connected"

    consulting = act(media, "2002", first, action="consult", destination="3001").json()
    act(media, "3001", consulting["consultCallId"], action="answer")
    moved = act(media, "2002", first, action="supervisedTransfer").json()
    assert (moved["state"], moved["cause"]) == ("completed", "transfer")
    assert {leg(media, ext, first)["state"] for ext in ("1000", "3001")} == {"connected"}
    assert media.get("/endpoints/2002").json()["state"] == "idle"


def test_dnd_toggles_and_refuses_calls_and_a_busy_phone_refuses_too(guide):
    live, media = guide
    assert media.put("/endpoints/2002", json={"action": "dnd"}).json()["dnd"] is True  # a toggle
    refused = media.post("/endpoints/2001/calls", json={"to": "2002"}).json()
    assert (refused["state"], refused["cause"]) == ("completed", "doNotDisturb")
    assert media.get("/endpoints/2002/calls").json()["count"] == 0
    assert media.put("/endpoints/2002", json={"action": "dnd"}).json()["dnd"] is False
    endpoint = media.put("/endpoints/2002", json={"userAvailability": "away", "action": "messageWaiting"}).json()
    assert (endpoint["userAvailability"], endpoint["messageWaiting"]) == ("away", True)
    assert any(p.subject == "/2017-09-01/endpoints/2002" and p.content["dnd"] is True
               for p in live.sim.cloudlink.notify.log)

    busy_call = call(media, "2001", "2002")
    refused = media.post("/endpoints/1000/calls", json={"to": "2002"}).json()
    assert refused["cause"] == "busy"
    assert act(media, "2002", busy_call, action="redirect", destination="2001").status_code == 400  # in the call
    assert media.put("/endpoints/2002", json={}).status_code == 400


def test_an_external_number_answers_after_five_seconds_and_a_recorded_call_leaves_a_recording(guide):
    live, media = guide
    call_id = call(media, "2001", "+16135550100", record=True, associatedCallId="crm-42")
    live.advance(5)
    answered = leg(media, "2001", call_id)
    assert (answered["state"], answered["associatedCallId"]) == ("connected", "crm-42")
    live.advance(30)
    act(media, "2001", call_id, action="end")
    recordings = media.get("/recordings").json()["_embedded"]["items"]
    assert [(r["callId"], r["duration"], r["label"]) for r in recordings] == [(call_id, 30.0, "")]
    recording_id = recordings[0]["recordingId"]
    assert media.get("/calls/records").json()["_embedded"]["items"][0]["recordingId"] == recording_id
    assert media.put(f"/recordings/{recording_id}", json={"label": "sales"}).json()["label"] == "sales"
    assert media.delete(f"/recordings/{recording_id}").status_code == 200
    assert media.get(f"/recordings/{recording_id}").status_code == 404


def test_a_user_controls_only_their_own_phone(guide):
    live, admin = guide
    with live.cloudlink("phone2001@wagner.example.com", MEDIA) as own:
        call_id = call(own, "2001", "2002")
        assert own.get(f"/endpoints/2002/calls/{call_id}").status_code == 403
        assert own.put("/endpoints/2002", json={"action": "dnd"}).status_code == 403
        assert own.get("/endpoints/2002").status_code == 200  # reading line states is fine
        assert [c["endpointId"] for c in own.get("/calls").json()["_embedded"]["items"]] == ["2001"]
    assert admin.get("/calls").json()["count"] == 2
    assert admin.get("/endpoints/9999").status_code == 404


def test_the_guides_subscription_filters_match_the_publications(guide):
    live, media = guide
    call_id = call(media, "1001", "1005")
    act(media, "1005", call_id, action="answer")
    in_range = media_publications(live, "^/2017-09-01/endpoints/100[0-5]")
    assert [(s, st) for s, st, _ in in_range if s.startswith("/2017-09-01/endpoints/1005")
            and st == "ringing"] == [(f"/2017-09-01/endpoints/1005/calls/{call_id}", "ringing")]
    assert ("/2017-09-01/endpoints/1005/calls/" + call_id, "connected", "newCall") in in_range


def test_conferences_have_access_codes_participants_instances_and_attendance(guide):
    live, _ = guide
    with (live.cloudlink("phone2001@wagner.example.com", MEDIA) as owner,
          live.cloudlink("phone2002@wagner.example.com", MEDIA) as guest):
        owner_id = owner.get("/endpoints/2001").json()["userId"]
        guest_id = guest.get("/endpoints/2002").json()["userId"]
        r = owner.post("/conferences", json={
            "name": "Cool People Club", "type": "inviteOnly", "lobbyPolicy": "pstnLobby", "accessCodeLength": 9,
            "expiryDateTime": "2026-11-22T09:30:00Z", "participants": [{"participantId": guest_id}]})
        assert r.status_code == 200, r.text
        conference = r.json()
        assert len(conference["accessCode"]) == 9 and conference["accessCode"].isdigit()
        assert {a["country"] for a in conference["addresses"]} == {"US", "CA"}
        assert {(p["participantId"], p["state"]) for p in conference["participants"]} == {
            (owner_id, "accepted"), (guest_id, "invited")}
        path = f"/conferences/{conference['conferenceId']}"
        assert guest.post(f"{path}/participants", json={"participantId": "stranger", "state": "active"}
                          ).status_code == 403
        assert guest.put(f"{path}/participants/{guest_id}", json={"state": "active"}).json()["state"] == "active"
        live.advance(600)
        owner.put(f"{path}/participants/{owner_id}", json={"state": "active"})
        live.advance(600)
        guest.put(f"{path}/participants/{guest_id}", json={"state": "inactive"})
        owner.put(f"{path}/participants/{owner_id}", json={"state": "inactive"})
        instances = owner.get(f"{path}/instances").json()["_embedded"]["items"]
        assert [(i["startTime"], i["endTime"], len(i["attendees"])) for i in instances] == [
            ("2026-11-22T09:00:00.000Z", "2026-11-22T09:20:00.000Z", 2)]
        attended = guest.get(f"/users/{guest_id}/attendance").json()["_embedded"]["items"]
        assert [(a["name"], a["joinedOn"], a["leftOn"], a["attendees"]) for a in attended] == [
            ("Cool People Club", "2026-11-22T09:00:00.000Z", "2026-11-22T09:20:00.000Z", sorted([owner_id, guest_id]))]
        assert guest.get(f"/users/{owner_id}/attendance").status_code == 403
        assert [c["name"] for c in guest.get(f"/users/{guest_id}/conferences").json()["_embedded"]["items"]] == [
            "Cool People Club"]
        live.advance(700)  # past expiryDateTime: the access code no longer lets anyone in
        assert guest.put(f"{path}/participants/{guest_id}", json={"state": "active"}).status_code == 409
        assert guest.delete(path).status_code == 403
        assert owner.delete(path).status_code == 200


def test_a_pending_originate_timeout_survives_a_snapshot_and_restore(guide):
    live, media = guide
    call_id = call(media, "2001", "2002", originateTimeout=15)
    live.advance(5)
    saved = live.http.get("/_sim/snapshot").content
    live.advance(10)
    assert media.get(f"/endpoints/2002/calls/{call_id}").status_code == 404
    assert live.http.post("/_sim/restore", content=saved).status_code == 200
    assert live.http.get("/_sim/snapshot").content == saved
    assert leg(media, "2002", call_id)["state"] == "ringing"
    live.advance(10)
    assert media.get(f"/endpoints/2002/calls/{call_id}").status_code == 404
    assert media.get(f"/calls/{call_id}/records").json()["_embedded"]["items"][0]["cause"] == "callNotAnswer"


def test_a_call_shows_its_parties_principals_ring_and_billing_time_computed_from_the_call(guide):
    live, media = guide
    caller, callee = (media.get(f"/endpoints/{e}").json()["userId"] for e in ("2001", "2002"))
    call_id = call(media, "2001", "2002")
    live.advance(4)
    act(media, "2002", call_id, action="answer")
    live.advance(30)
    ringing = leg(media, "2002", call_id)
    assert (ringing["fromPrincipalId"], ringing["toPrincipalId"], ringing["principalId"]) == (caller, callee, callee)
    assert (ringing["ringTime"], ringing["billingTime"], ringing["completed"]) == (4.0, 30.0, False)
    act(media, "2001", call_id, action="end")
    record = media.get(f"/calls/{call_id}/records?$filter=contains(principal, '{callee}')").json()
    assert record["count"] == 1
    row = record["_embedded"]["items"][0]
    assert (row["ringTime"], row["billingTime"], row["completed"], row["endTime"]) == (
        4.0, 30.0, True, "2026-11-22T09:00:34.000Z")
    outside = call(media, "2001", "+16135550100")
    assert leg(media, "2001", outside)["toPrincipalId"] is None and leg(media, "2001", outside)["toNumberE164"]


def test_hiding_call_history_as_the_media_sample_does_takes_only_that_principals_records_out(guide):
    _, media = guide
    callee = media.get("/endpoints/2002").json()["userId"]
    call_id = call(media, "2001", "2002")
    act(media, "2002", call_id, action="answer")
    act(media, "2002", call_id, action="end")
    mine = f"$filter=contains(principal, '{callee}')"
    assert media.get(f"/calls/records?{mine}").json()["count"] == 1
    r = media.put(f"/calls/records?{mine}", json={"hide": "true"})  # the sample's string
    assert r.status_code == 200, r.text
    assert media.get(f"/calls/records?{mine}").json()["count"] == 0
    assert [r["endpointId"] for r in media.get("/calls/records").json()["_embedded"]["items"]] == ["2001"]
    assert media.put(f"/calls/{call_id}/records", json={"hide": True}).status_code == 200
    assert media.get(f"/calls/{call_id}/records").status_code == 404
    bad = media.put("/calls/records", json={"hide": "yes"})
    assert (bad.status_code, bad.json()["name"]) == (400, "ValidationError")


def test_ending_a_conference_closes_its_meeting_and_ending_it_again_is_a_conflict(guide):
    live, _ = guide
    with (live.cloudlink("phone2001@wagner.example.com", MEDIA) as owner,
          live.cloudlink("phone2002@wagner.example.com", MEDIA) as guest):
        owner_id = owner.get("/endpoints/2001").json()["userId"]
        guest_id = guest.get("/endpoints/2002").json()["userId"]
        conference = owner.post("/conferences", json={"name": "Weekly", "participants": [
            {"participantId": guest_id}]}).json()
        path = f"/conferences/{conference['id']}"
        owner.put(f"{path}/participants/{owner_id}", json={"state": "active"})
        guest.put(f"{path}/participants/{guest_id}", json={"state": "active"})
        assert owner.get(path).json()["state"] == "active"
        live.advance(300)
        ended = owner.post(path, json={"action": "end"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["state"] == "inactive"
        assert {p["state"] for p in ended.json()["_embedded"]["participants"]["_embedded"]["items"]} == {"inactive"}
        [instance] = owner.get(f"{path}/instances").json()["_embedded"]["items"]
        assert instance["endTime"] == "2026-11-22T09:05:00.000Z"
        again = owner.post(path, json={"action": "end"})
        assert (again.status_code, again.json()["name"]) == (409, "ConflictError")
        assert guest.post(path, json={"action": "end"}).status_code == 403
        found = owner.get("/conferences/content?$search=week").json()["_embedded"]["items"]
        assert [(f["type"], f["content"]) for f in found] == [("conference", "Weekly")]
        attended = guest.get(f"/users/{guest_id}/attendances").json()["_embedded"]["items"]
        assert [(a["conferenceId"], a["joinTimeStamp"], a["leaveTimeStamp"]) for a in attended] == [
            (conference["id"], "2026-11-22T09:00:00.000Z", "2026-11-22T09:05:00.000Z")]
        gone = owner.delete(path)
        assert (gone.status_code, gone.json()["id"]) == (200, conference["id"])
        assert owner.post(path, json={"action": "end"}).status_code == 404


def test_a_conference_dials_in_where_its_account_exists_and_in_the_us_and_canada(live_with):
    """The guides: dial-in numbers "are determined based on the region/cloud where the account exists" and
    "will almost always include a US and Canadian dial-in number"."""
    world = guide_world()
    next(a for a in world.cloudlink.accounts if a.number == ACCOUNT_NUMBER).region = "eu"
    live = live_with(world=world)
    with live.cloudlink("phone2001@wagner.example.com", MEDIA) as owner:
        conference = owner.post("/conferences", json={"name": "Europe"}).json()
        assert [a["country"] for a in conference["addresses"]] == ["GB", "US", "CA"]
        assert conference["addresses"][0]["number"].startswith("+44")
