"""Snapshot and restore (byte for byte), and replacing or patching the world through the control API."""

from __future__ import annotations

import json

import yaml


def busy_world(live):
    """A world in the middle of things: items waiting, offered, accepted and ended, timers pending."""
    sdk = live.sdk(live.client_token())
    for n in range(7):
        sdk.post("/openmedia", json={"queue": ["Web Chat", "Social Media", "Unvalidated Tasks"][n % 3],
                                     "subject": f"#{n}", "variableData": {"n": n}})
    live.advance(2)
    live.set_agent("1002", presence="Busy")
    live.advance(2)
    first = sdk.get("/openmedia").json()["_embedded"]["items"][0]["id"]
    sdk.put(f"/openmedia/{first}", json={"action": "Complete"})
    return sdk


def test_a_restored_snapshot_is_byte_for_byte_the_world_that_was_saved(live):
    sdk = busy_world(live)
    saved = live.http.get("/_sim/snapshot").content
    live.advance(500)  # the world moves on: items handled, timers fired
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    assert live.http.get("/_sim/snapshot").content != saved

    r = live.http.post("/_sim/restore", content=saved, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert live.http.get("/_sim/snapshot").content == saved
    assert r.json()["clock"]["now"] == "2026-11-22T09:00:04Z"


def test_after_a_restore_the_world_carries_on_exactly_as_it_did_the_first_time(live):
    busy_world(live)
    saved = live.http.get("/_sim/snapshot").content
    live.advance(130)
    first_run = live.world()
    live.http.post("/_sim/restore", content=saved)
    live.advance(130)
    second_run = live.world()
    assert second_run["open_media"] == first_run["open_media"]
    assert second_run["queues"] == first_run["queues"]
    assert second_run["employees"] == first_run["employees"]


def test_tokens_survive_a_restore_and_a_snapshot_goes_to_a_file(live, tmp_path):
    sdk = busy_world(live)
    cloudlink = live.http.post("/authentication/2017-09-01/token", json={
        "grant_type": "password", "username": "admin@wagner.example.com", "password": "password"}).json()
    whoami = {"Authorization": f"Bearer {cloudlink['access_token']}"}
    path = tmp_path / "snapshots" / "busy.json"
    r = live.http.post("/_sim/snapshot", json={"file": str(path)})
    assert r.status_code == 200 and r.json()["bytes"] == path.stat().st_size
    live.http.post("/_sim/reset")
    assert sdk.get("/openmedia").status_code == 401
    assert live.http.get("/authentication/2017-09-01/token", headers=whoami).status_code == 401
    assert live.http.post("/_sim/restore", json={"file": str(path)}).status_code == 200
    assert sdk.get("/openmedia").status_code == 200
    assert live.http.get("/authentication/2017-09-01/token", headers=whoami).status_code == 200
    assert live.http.get("/_sim/snapshot").content == path.read_bytes()


def test_bad_snapshots_are_refused_and_change_nothing(live):
    busy_world(live)
    before = live.http.get("/_sim/snapshot").content
    damaged = json.loads(before)
    damaged["items"][0]["state"] = "Exploded"
    for body in ({"format": "something else"}, damaged, {"file": "/nonexistent/snapshot.json"}):
        r = live.http.post("/_sim/restore", json=body)
        assert r.status_code == 400 and r.json()["error"]["code"] in ("invalid_snapshot", "cannot_read"), body
    assert live.http.get("/_sim/snapshot").content == before


def test_put_world_replaces_it_with_another_world_file(live):
    lab = {"employees": [{"username": "ann", "password": "pw", "reporting": "42", "logged_in": True,
                          "presence": "Available", "ready_media": ["OpenMedia"]}],
           "agent_groups": [{"name": "Team", "reporting": "9", "members": ["ann"]}],
           "queues": [{"name": "Tasks", "reporting": "P1", "media_type": "OpenMedia", "agent_groups": ["Team"]}]}
    r = live.http.put("/_sim/world", content=yaml.safe_dump(lab))
    assert r.status_code == 200 and r.json()["queues"] == 1
    token = live.http.post("/authorizationserver/token", data={"grant_type": "password", "username": "ann",
                                                               "password": "pw"}).json()["access_token"]
    item = live.sdk(token).post("/openmedia", json={"queue": "Tasks"}).json()
    assert item["agentReporting"] == "42"
    live.http.post("/_sim/reset")  # a reset goes back to the world the server started with...
    assert "Web Chat" in [q["name"] for q in live.world()["queues"]]
    live.http.put("/_sim/world", content=yaml.safe_dump(lab))
    assert live.http.post("/_sim/world/baseline").json()["baseline"] is True
    live.http.post("/_sim/reset")  # ... unless the replaced world was saved as the baseline
    assert [q["name"] for q in live.world()["queues"]] == ["Tasks"]
    bad = live.http.put("/_sim/world", content="queues: [{name: Q}]")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_world"


def test_patch_world_merges_into_the_configuration(live):
    r = live.http.patch("/_sim/world", json={"agent_profiles": {"default": {"accept_delay": 10}},
                                             "routing": {"offer_timeout": 30}})
    assert r.status_code == 200, r.text
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    live.advance(9)
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Offered"
    live.advance(1)
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Acd"
    assert live.http.patch("/_sim/world", json={"queues": "none"}).status_code == 400


def test_worlds_replaced_by_resets_and_restores_are_let_go(live):
    import gc

    from micc_sim.world.core import World

    saved = live.http.get("/_sim/snapshot").content
    for _ in range(5):
        assert live.http.post("/_sim/reset").status_code == 200
        assert live.http.post("/_sim/restore", content=saved,
                              headers={"Content-Type": "application/json"}).status_code == 200
    live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat"})  # the bus lets go of gone worlds
    gc.collect()
    assert [w for w in gc.get_objects() if isinstance(w, World) and w.bus is live.sim.bus] == [live.sim.world]
