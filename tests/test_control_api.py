"""The /_sim control API: inspect the world, reset it, move the clock, restart IIS, steer agents."""

from __future__ import annotations

import httpx
import pytest


def test_the_world_view_shows_entities_clock_quirks_and_clients(live):
    world = live.world()
    assert world["clock"] == {"mode": "manual", "scale": 1.0, "now": "2026-11-22T09:00:00Z", "pending_timers": 0}
    assert all(world["quirks"].values())
    assert {e["username"] for e in world["employees"]} >= {"_admin"}
    assert len([e for e in world["employees"] if e["reporting"]]) >= 8
    assert len(world["agent_groups"]) >= 3
    assert {q["media_type"] for q in world["queues"]} == {"OpenMedia", "Chat", "Voice"}
    assert world["clients"] == {"source": "world clients", "ids": ["Talkative"], "rejected": []}


def test_advancing_the_clock_fires_due_timers(live):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    r = live.http.post("/_sim/clock/advance", json={"seconds": 3})
    assert r.json()["now"] == "2026-11-22T09:00:03Z" and r.json()["timers_fired"] == 1
    assert live.http.get("/_sim/clock").json()["pending_timers"] == 1  # the handle-time timer


def test_bad_clock_advances_are_refused_in_our_error_shape(live):
    for body in ({"seconds": -1}, {"seconds": "soon"}, {}, [1]):
        r = live.http.post("/_sim/clock/advance", json=body)
        assert r.status_code == 400
        assert set(r.json()["error"]) == {"code", "message"}
    r = live.http.post("/_sim/clock/advance", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_reset_gives_a_fresh_world_and_ends_sessions(live):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    live.set_agent("1001", logged_in=False)
    assert live.http.post("/_sim/reset").status_code == 200
    world = live.world()
    assert world["open_media"]["items"] == [] and world["sessions"] == 0
    assert next(e for e in world["employees"] if e["reporting"] == "1001")["logged_in"] is True
    assert sdk.get("/openmedia").status_code == 401


def test_employees_can_be_logged_in_out_and_made_ready(live):
    view = live.set_agent("1005", logged_in=True, ready_media=["OpenMedia", "chat"])
    assert view["logged_in"] is True and view["presence"] == "Available"
    assert view["ready_media"] == ["Chat", "OpenMedia"]
    assert live.set_agent("1005", presence="Away")["presence"] == "Away"
    for body, status in (({"presence": "Sleeping"}, 400), ({"mood": "good"}, 400), ({"logged_in": "yes"}, 400),
                         ({"profile": "nope"}, 400)):
        r = live.http.patch("/_sim/employees/1005", json=body)
        assert r.status_code == status and r.json()["error"]["code"] == "invalid_body"
    assert live.http.patch("/_sim/employees/nobody", json={}).json()["error"]["code"] == "not_found"


def test_the_index_lists_the_surfaces(live):
    surfaces = live.http.get("/").json()["surfaces"]
    assert surfaces["miccsdk"].endswith("/miccsdk/api/v1")


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_the_control_api_refuses_non_loopback_clients():
    """In process: a non-loopback peer cannot be made on loopback, so this one test uses TestClient."""
    from starlette.testclient import TestClient

    from micc_sim.app import create_app

    with TestClient(create_app(), client=("203.0.113.9", 5555)) as client:
        r = client.get("/_sim/world")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert client.post("/authorizationserver/token", data={"grant_type": "password", "username": "_admin",
                                                               "password": "_password"}).status_code == 200


def test_unknown_control_paths_are_404(live):
    assert live.http.get("/_sim/nothing").status_code == 404
    assert isinstance(httpx.get(f"{live.base_url}/no/such/path").json()["message"], str)
