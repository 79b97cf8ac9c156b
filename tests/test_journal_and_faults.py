"""The request journal (find, count, verify with near misses) and fault injection, through the real server."""

from __future__ import annotations

import httpx
import pytest


def test_the_journal_records_requests_with_the_path_as_sent_and_as_routed(live):
    httpx.post(f"{live.base_url}//AuthorizationServer/Token", data={"grant_type": "password",
                                                                     "username": "_admin", "password": "_password"})
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    sdk.get("/openmedia/nope")
    journal = live.http.get("/_sim/journal").json()
    assert journal["count"] == 4
    first = journal["entries"][0]
    assert first["path"] == "/authorizationserver/Token" and first["raw_path"] == "//AuthorizationServer/Token"
    assert first["face"] == "authorizationserver" and first["status"] == 200
    assert first["at"] == "2026-11-22T09:00:00Z"
    misses = live.http.get("/_sim/journal", params={"status": "4xx"}).json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in misses] == [("GET", "/miccsdk/api/v1/openmedia/nope", 404)]
    assert live.http.get("/_sim/journal/count", params={"method": "post", "path": "*/openmedia"}).json() == {
        "count": 1}
    assert live.http.get("/_sim/journal/count", params={"path": "^/miccsdk/.*/openmedia$"}).json()["count"] == 1


def test_verify_says_how_many_and_shows_near_misses(live):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    sdk.get("/openmedia")
    ok = live.http.post("/_sim/journal/verify", json={"method": "POST", "path": "*/openmedia", "count": 1})
    assert ok.status_code == 200 and ok.json() == {"verified": True, "count": 1}
    bad = live.http.post("/_sim/journal/verify", json={"method": "PUT", "path": "*/openmedia", "at_least": 1})
    assert bad.status_code == 409
    err = bad.json()["error"]
    assert err["code"] == "verification_failed" and "found 0" in err["message"]
    assert {e["method"] for e in err["near_misses"]} == {"GET", "POST"}
    for body in ({"path": "*"}, {"count": -1}, {"count": 1, "colour": "red"}, {"count": 1, "status": "teapot"}):
        assert live.http.post("/_sim/journal/verify", json=body).status_code == 400


def test_the_journal_is_bounded(live_with):
    sim = live_with(journal_size=3)
    for _ in range(5):
        sim.http.get("/miccsdk/api/v1/openmedia")
    journal = sim.http.get("/_sim/journal").json()
    assert journal["count"] == 3 and journal["dropped"] == 2
    assert sim.http.delete("/_sim/journal").json() == {"cleared": True}
    assert sim.http.get("/_sim/journal").json()["count"] == 0


def add_fault(live, **rule):
    r = live.http.post("/_sim/faults", json=rule)
    assert r.status_code == 201, r.text
    return r.json()


def test_an_error_fault_answers_in_the_faces_own_shape_a_limited_number_of_times(live):
    sdk = live.sdk(live.token())
    rule = add_fault(live, kind="error", face="miccsdk", path="/openmedia$", method="POST", status=500, count=2,
                     message="Object reference not set to an instance of an object.")
    answers = [sdk.post("/openmedia", json={"queue": "Web Chat"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 500, 201]
    assert answers[0].json() == {"message": "Object reference not set to an instance of an object."}
    assert live.http.get("/_sim/faults").json()["rules"][0]["fired"] == 2
    assert live.world()["open_media"]["counts"] == {"Offered": 1}  # the refused posts created nothing
    token = live.http.post("/_sim/faults", json={"kind": "error", "face": "authorizationserver", "status": 502})
    assert token.status_code == 201
    r = live.http.post("/authorizationserver/token", data={"grant_type": "password"})
    assert r.status_code == 502 and r.json()["error"] == "server_error"
    assert live.http.delete(f"/_sim/faults/{rule['id']}").status_code == 200
    assert live.http.delete("/_sim/faults/nope").status_code == 404


def test_busy_empty_garbage_and_revoked_tokens(live):
    sdk = live.sdk(live.token())
    add_fault(live, kind="busy", count=1)
    r = sdk.get("/openmedia")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    add_fault(live, kind="empty", count=1)
    assert sdk.get("/openmedia").content == b""
    add_fault(live, kind="garbage", count=1)
    with pytest.raises(ValueError):
        sdk.get("/openmedia").json()
    add_fault(live, kind="revoke_tokens", count=1)
    assert sdk.get("/openmedia").status_code == 401
    assert live.http.get("/_sim/journal/count", params={"status": "503"}).json()["count"] == 1


def test_a_reset_fault_cuts_the_connection_mid_answer(live):
    sdk = live.sdk(live.token())
    add_fault(live, kind="reset", path="openmedia", count=1)
    with pytest.raises(httpx.TransportError):
        sdk.get("/openmedia")
    assert sdk.get("/openmedia").status_code == 200


def test_latency_faults_delay_answers_and_probability_zero_never_fires(live):
    sdk = live.sdk(live.token())
    add_fault(live, kind="latency", latency_ms=300, count=1)
    r = sdk.get("/openmedia")
    assert r.status_code == 200 and r.elapsed.total_seconds() >= 0.3
    add_fault(live, kind="error", probability=0)
    assert all(sdk.get("/openmedia").status_code == 200 for _ in range(5))


def test_bad_fault_rules_are_refused_in_our_shape(live):
    for rule in ({"kind": "explode"}, {"kind": "error", "status": 200}, {"kind": "error", "path": "("},
                 {"kind": "latency", "probability": 2}, {"kind": "error", "colour": "red"},
                 {"kind": "error", "face": "nowhere"}, {"kind": "disconnect"},
                 {"kind": "disconnect", "face": "miccsdk"}):
        r = live.http.post("/_sim/faults", json=rule)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_body", rule
