"""CloudLink Presence: the override and its release, sources and the aggregate, and presence flowing up from
the phones (Media API) and the MiCC agents (the ``acd`` source)."""

from __future__ import annotations

import httpx
import pytest

PRESENCE = "/presence/2017-09-01"
MEDIA = "/media/2017-09-01"
AGENT = "tristan.cervantes@wagner.example.com"  # MiCC agent tcervantes (reporting 1001), extension 5001


@pytest.fixture
def agent(live):
    """The agent's presence client, the agent's own userId, and the simulator."""
    with live.cloudlink(AGENT, PRESENCE) as presence:
        me = live.http.get("/authentication/2017-09-01/token", headers=presence.headers).json()["principalId"]
        yield live, presence, me


def aggregate(presence: httpx.Client, principal_id: str) -> tuple[str, str]:
    found = presence.get(f"/presentities/{principal_id}").json()["presences"]["aggregate"]
    return found["status"], found["reason"]


def source(presence: httpx.Client, principal_id: str, category: str) -> dict:
    items = presence.get(f"/presentities/{principal_id}/categories/{category}").json()["_embedded"]["items"]
    assert len(items) == 1, items
    return items[0]


def presence_publications(live, principal_id: str) -> list[dict]:
    return [p.content for p in live.sim.cloudlink.notify.log
            if p.topic == "platform-api-presence" and p.subject == f"/presentities/{principal_id}"]


def test_the_principal_presence_overrides_the_aggregate_until_set_back_to_available(agent):
    live, presence, me = agent
    assert aggregate(presence, me) == ("Available", "")
    r = presence.put(f"/presentities/{me}", json={"status": "Busy", "reason": "Out to second breakfast"})
    assert r.status_code == 200, r.text
    assert r.json()["presences"]["principal"]["status"] == "Busy"
    assert aggregate(presence, me) == ("Busy", "Out to second breakfast")
    live.advance(60)
    presence.put(f"/presentities/{me}", json={"status": "Available"})
    assert aggregate(presence, me) == ("Available", "")
    published = presence_publications(live, me)
    assert [p["presences"]["aggregate"]["status"] for p in published] == ["Busy", "Available"]
    assert published[-1]["presences"]["aggregate"]["enteredOn"] == "2026-11-22T09:01:00.000Z"


def test_sources_feed_the_aggregate_most_restrictive_first_and_the_deciding_source_is_linked(agent):
    live, presence, me = agent
    app = "9211a512-445b-4211-8df6-034e3c1d5067"
    r = presence.post(f"/presentities/{me}/categories/apps", json={"sourceId": app,
                                                                   "presence": {"status": "Available"}})
    assert r.status_code == 201, r.text
    assert presence.post(f"/presentities/{me}/categories/apps", json={"sourceId": app}).status_code == 409
    r = presence.put(f"/presentities/{me}/categories/apps/{app}", json={"status": "Offline",
                                                                       "reason": "PC caught fire and exploded"})
    assert r.json()["presence"]["status"] == "Offline"
    assert aggregate(presence, me) == ("Available", "")  # the idle phone and the idle agent say Available

    presence.put(f"/presentities/{me}/categories/apps/{app}", json={"status": "Away", "reason": "brb"})
    assert aggregate(presence, me) == ("Away", "brb")
    links = presence.get(f"/presentities/{me}").json()["_links"]
    assert links["source"]["href"].endswith(f"/categories/apps/{app}")
    assert {c["name"] for c in links["categories"]} == {"acd", "apps", "phones"}

    presence.put(f"/presentities/{me}/categories/apps/{app}", json={"status": "Busy", "reason": "in the app"})
    with live.cloudlink(AGENT, MEDIA) as media:
        media.put("/endpoints/5001", json={"userAvailability": "busy"})
        assert aggregate(presence, me) == ("Busy", "")  # a tie: phones weigh more than a custom category
        media.put("/endpoints/5001", json={"action": "dnd"})
        assert aggregate(presence, me)[0] == "DoNotDisturb"
        media.put("/endpoints/5001", json={"action": "dnd"})
        media.put("/endpoints/5001", json={"userAvailability": "available"})
    assert presence.delete(f"/presentities/{me}/categories/apps/{app}").status_code == 204
    assert aggregate(presence, me) == ("Available", "")
    assert presence.get(f"/presentities/{me}/categories/apps/{app}").status_code == 404


def test_a_call_on_the_users_phone_makes_them_busy_and_ending_it_available_again(agent):
    live, presence, me = agent
    with live.cloudlink(AGENT, MEDIA) as media:
        call_id = media.post("/endpoints/5001/calls", json={"to": "5002"}).json()["callId"]
        phone = source(presence, me, "phones")
        assert (phone["sourceId"], phone["presence"]["status"]) == ("5001", "Busy")
        assert phone["presence"]["extended"] == {"endpointId": "5001", "lineState": "ringing", "callIds": [call_id]}
        assert aggregate(presence, me)[0] == "Busy"
        media.put(f"/endpoints/5001/calls/{call_id}", json={"action": "end"})
    assert source(presence, me, "phones")["presence"]["status"] == "Available"
    assert [p["presences"]["aggregate"]["status"] for p in presence_publications(live, me)] == [
        "Busy", "Available"]


def test_a_micc_agent_set_busy_or_logged_out_shows_in_their_acd_source_with_a_publication(agent):
    live, presence, me = agent
    acd = source(presence, me, "acd")
    assert (acd["presence"]["status"], acd["presence"]["extended"]["username"]) == ("Available", "tcervantes")
    sdk = live.sdk(live.token("tcervantes", "password"))
    r = sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"})
    assert r.status_code == 200, r.text
    acd = source(presence, me, "acd")["presence"]
    assert (acd["status"], acd["reason"], acd["extended"]["activity"]) == ("Busy", "Lunch", "MakeBusy")
    assert aggregate(presence, me) == ("Busy", "Lunch")
    published = presence_publications(live, me)[-1]
    assert published["presences"]["aggregate"]["status"] == "Busy"
    assert published["_links"]["source"]["href"].startswith(f"{PRESENCE}/presentities/{me}/categories/acd/")

    assert sdk.put("/employees/me/state", json={"state": "Offline"}).status_code == 200
    assert source(presence, me, "acd")["presence"]["status"] == "Offline"
    assert aggregate(presence, me) == ("Available", "")  # logged out of ACD, but the idle phone is reachable
    with live.cloudlink(AGENT, MEDIA) as media:
        media.put("/endpoints/5001", json={"userAvailability": "away"})
    assert aggregate(presence, me)[0] == "Away"


def test_an_open_media_item_offered_to_and_handled_by_the_agent_flows_into_presence(live_with):
    from conftest import only_1001_world

    live = live_with(world=only_1001_world("never"))
    with live.cloudlink(AGENT, PRESENCE) as presence:
        me = live.http.get("/authentication/2017-09-01/token", headers=presence.headers).json()["principalId"]
        sdk = live.sdk(live.client_token())
        item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "hello"}).json()["id"]
        acd = source(presence, me, "acd")["presence"]
        assert (acd["status"], acd["reason"], acd["extended"]["items"]) == ("Busy", "Ringing", [item])
        agent_sdk = live.sdk(live.token("tcervantes", "password"))
        r = agent_sdk.put(f"/employees/me/conversations/{item}", json={"conversationAction": "Accept"})
        assert r.status_code == 200, r.text
        assert source(presence, me, "acd")["presence"]["reason"] == "Acd"
        sdk.put(f"/openmedia/{item}", json={"action": "Complete"})
        acd = source(presence, me, "acd")["presence"]
        assert (acd["status"], acd["extended"]["items"]) == ("Available", [])


def test_users_change_only_their_own_presence_and_admins_manage_group_presentities(agent):
    live, presence, me = agent
    others = [p["principalId"] for p in presence.get("/presentities").json()["_embedded"]["items"]
              if p["principalId"] != me]
    assert others and presence.get(f"/presentities/{others[0]}").status_code == 200
    assert presence.put(f"/presentities/{others[0]}", json={"status": "Away"}).status_code == 403
    assert presence.post("/presentities", json={"principalId": "sales-team"}).status_code == 403
    with live.cloudlink("admin@wagner.example.com", PRESENCE) as admin:
        assert admin.put(f"/presentities/{others[0]}", json={"status": "Away"}).status_code == 200
        created = admin.post("/presentities", json={"principalId": "sales-team", "type": "group"})
        assert created.status_code == 201 and created.json()["presences"]["aggregate"]["status"] == "Unknown"
        assert admin.post("/presentities", json={"principalId": "sales-team"}).status_code == 409
        assert admin.delete(f"/presentities/{me}").status_code == 409
        assert admin.delete("/presentities/sales-team").status_code == 204
    assert presence.get("/presentities/sales-team").status_code == 404
    assert [p.method for p in live.sim.cloudlink.notify.log if p.subject == "/presentities/sales-team"] == [
        "POST", "DELETE"]


def test_micc_changes_still_flow_after_a_reset_and_presence_survives_a_restore(agent):
    live, presence, me = agent
    presence.put(f"/presentities/{me}", json={"status": "DoNotDisturb", "reason": "focus"})
    saved = live.http.get("/_sim/snapshot").content
    live.http.post("/_sim/reset")
    with live.cloudlink(AGENT, PRESENCE) as fresh:
        assert aggregate(fresh, me) == ("Available", "")
        live.set_agent("1001", presence="Away")
        assert source(fresh, me, "acd")["presence"]["status"] == "Away"
    assert live.http.post("/_sim/restore", content=saved).status_code == 200
    assert live.http.get("/_sim/snapshot").content == saved
    assert aggregate(presence, me) == ("DoNotDisturb", "focus")
    live.set_agent("1001", presence="Busy")
    assert source(presence, me, "acd")["presence"]["status"] == "Busy"
