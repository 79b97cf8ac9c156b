"""Stubs in WireMock's mapping shape through the real server: one curl overrides one answer, templated with the
request's values; matchers, priority, count, delay, verification, removal; world and scenario files;
--strict-stubs; invalid stubs are a 400 naming the field."""

from __future__ import annotations

import time

import pytest

from micc_sim.harness.scenarios.model import Scenario
from micc_sim.harness.scenarios.runner import run_scenario
from micc_sim.world.seed import default_world


def add(live, stub, status=201):
    r = live.http.post("/_sim/stubs", json=stub)
    assert r.status_code == status, r.text
    return r.json()


def test_one_stub_overrides_one_answer_until_removed(live):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
    stub = add(live, {"request": {"method": "GET", "urlPathTemplate": "/miccsdk/api/v1/openmedia/{id}"},
                      "response": {"status": 200, "headers": {"X-Seen": "{{request.method}}"},
                                   "jsonBody": {"id": "{{request.path.id}}", "conversationState": "Completed",
                                                "queueName": "{{request.query.q}}"}}})
    answer = sdk.get(f"/openmedia/{item['id']}", params={"q": "Sales"})
    assert answer.json() == {"id": item["id"], "conversationState": "Completed", "queueName": "Sales"}
    assert answer.headers["x-seen"] == "GET"
    entry = live.http.get(f"/_sim/journal/{answer.headers['x-request-id']}").json()
    assert entry["stub"] == stub["id"] and entry["operation"] == "OpenMedia_GetOpenMediaItem"

    listed = live.http.get("/_sim/stubs").json()
    assert listed["count"] == 1 and listed["stubs"][0]["matched"] == 1
    assert live.http.post(f"/_sim/stubs/{stub['id']}/verify", json={"count": 1}).json() == {
        "verified": True, "count": 1}
    refused = live.http.post(f"/_sim/stubs/{stub['id']}/verify", json={"at_least": 2})
    assert refused.status_code == 409 and refused.json()["error"]["count"] == 1
    assert live.http.delete(f"/_sim/stubs/{stub['id']}").status_code == 200
    assert sdk.get(f"/openmedia/{item['id']}").json()["conversationState"] == "Offered"  # the world again
    assert live.http.delete(f"/_sim/stubs/{stub['id']}").status_code == 404


def test_matchers_priority_count_and_wiremocks_import_shape(live):
    sdk = live.sdk(live.token())
    added = add(live, {"mappings": [
        {"priority": 1, "count": 1,
         "request": {"method": "POST", "operationId": "OpenMedia_PostOpenMedia",
                     "headers": {"X-Tenant": {"equalTo": "blue"}},
                     "bodyPatterns": [{"matchesJsonPath": {"expression": "$.queue", "equalTo": "Web Chat"}}]},
         "response": {"status": 503, "jsonBody": {"message": "busy for {{jsonPath request.body '$.subject'}}"}}},
        {"priority": 5, "request": {"method": "POST", "urlPath": "/miccsdk/api/v1/openmedia",
                                    "bodyPatterns": [{"contains": "Web Chat"}]},
         "response": {"status": 202, "body": "later"}},
    ]})["mappings"]
    first, fallback = added
    body = {"queue": "Web Chat", "subject": "Hello"}
    assert sdk.post("/openmedia", json=body, headers={"X-Tenant": "blue"}).json() == {"message": "busy for Hello"}
    again = sdk.post("/openmedia", json=body, headers={"X-Tenant": "blue"})  # the first stub's one answer is used
    assert (again.status_code, again.text) == (202, "later")
    served = sdk.post("/openmedia", json={"queue": "Support"})  # neither matches: the face answers
    assert served.status_code == 201 and "conversationState" in served.json()
    stubs = {s["id"]: s["matched"] for s in live.http.get("/_sim/stubs").json()["stubs"]}
    assert stubs == {first["id"]: 1, fallback["id"]: 1}

    add(live, {"request": {"method": "GET", "urlPathPattern": "/miccsdk/api/v1/queues/[^/]+/state",
                           "queryParameters": {"detail": {"absent": True}}},
               "response": {"status": 404, "jsonBody": {"message": "gone"}}})
    assert sdk.get("/queues/abc/state").status_code == 404
    assert sdk.get("/queues/abc/state", params={"detail": "1"}).json() != {"message": "gone"}
    add(live, {"request": {"urlPattern": "/miccsdk/api/v1/employees\\?page=[0-9]+"},
               "response": {"status": 200, "statusMessage": "OK", "jsonBody": {"page": "{{request.query.page}}"}}})
    assert sdk.get("/employees", params={"page": "3"}).json() == {"page": "3"}
    assert sdk.get("/employees", params={"page": "x"}).json() != {"page": "x"}


def test_a_stubs_delay_holds_the_answer(live):
    add(live, {"request": {"urlPath": "/miccsdk/api/v1/queues"},
               "response": {"status": 200, "jsonBody": [], "fixedDelayMilliseconds": 150}})
    started = time.perf_counter()
    assert live.sdk(live.token()).get("/queues").json() == []
    assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize(("stub", "field"), [
    ({"request": {"methd": "GET"}}, "request.methd"),
    ({"request": {"urlPathPattern": "(a+)+\\1"}}, "request.urlPathPattern"),
    ({"request": {"operationId": "No_Such"}}, "request.operationId"),
    ({"request": {"urlPath": "/a", "operationId": "OpenMedia_PostOpenMedia"}}, "request"),
    ({"request": {"headers": {"X": {"equalTo": "a", "contains": "b"}}}}, "request.headers.X"),
    ({"response": {"status": 42}}, "response.status"),
    ({"response": {"jsonBody": {"a": "{{request.secret}}"}}}, "response"),
    ({"response": {"body": "x", "jsonBody": {}}}, "response"),
    ({"priority": "high"}, "priority"),
    ({"request": {"bodyPatterns": [{"matchesJsonPath": "items"}]}}, "request.bodyPatterns.0"),
    ({"mappings": [{"request": {}}, {"response": {"fixedDelayMilliseconds": -1}}]},
     "mappings[1].response.fixedDelayMilliseconds"),
])
def test_an_invalid_stub_is_a_400_naming_the_field(live, stub, field):
    r = live.http.post("/_sim/stubs", json=stub)
    assert r.status_code == 400 and r.json()["error"]["field"] == field, r.text
    assert live.http.get("/_sim/stubs").json()["count"] == 0


def test_a_world_files_stubs_answer_and_survive_a_reset(live_with):
    world = default_world()
    world.stubs = [{"request": {"method": "GET", "operationId": "OpenMedia_GetOpenMediaItem"},
                    "response": {"status": 410, "jsonBody": {"message": "archived"}}}]
    sim = live_with(world=world)
    sdk = sim.sdk(sim.token())
    assert sdk.get("/openmedia/any").status_code == 410
    assert sim.http.post("/_sim/reset").status_code == 200
    (stub,) = sim.http.get("/_sim/stubs").json()["stubs"]
    assert stub["source"] == "world" and stub["matched"] == 0
    assert sim.sdk(sim.token()).get("/openmedia/any").json() == {"message": "archived"}


def test_a_scenarios_stubs_section_shapes_its_run():
    scenario = Scenario.model_validate({
        "name": "stubbed token", "settings": {},
        "stubs": [{"request": {"method": "GET", "urlPath": "/miccsdk/api/v1/queues"},
                   "response": {"status": 200, "jsonBody": [{"name": "Only"}]}}],
        "steps": [{"token": {"name": "admin", "username": "_admin", "password": "_password"}},
                  {"request": {"method": "GET", "path": "/miccsdk/api/v1/queues", "token": "admin",
                               "expect": {"status": 200, "json": [{"name": "Only"}]}}},
                  {"request": {"method": "GET", "path": "/miccsdk/api/v1/queues", "token": "admin",
                               "expect": {"json": {"$len": 1}}}}],
    })
    result = run_scenario(scenario)
    assert result.passed, result.failure


def test_strict_stubs_flags_an_answer_that_breaks_the_contract(live_with):
    stub = {"request": {"method": "GET", "operationId": "OpenMedia_GetOpenMediaItem"},
            "response": {"status": 200, "jsonBody": {"id": 5}}}
    strict = live_with(strict_stubs=True)
    add(strict, stub)
    answer = strict.sdk(strict.token()).get("/openmedia/x")
    assert answer.json() == {"id": 5}  # allowed, but flagged
    assert "OpenMedia_GetOpenMediaItem 200: $" in answer.headers["x-micc-sim-stub-warning"]
    entry = strict.http.get(f"/_sim/journal/{answer.headers['x-request-id']}").json()
    assert entry["note"].startswith("stub ") and "breaks the contract" in entry["note"]

    lenient = live_with()
    add(lenient, stub)
    answer = lenient.sdk(lenient.token()).get("/openmedia/x")
    assert "x-micc-sim-stub-warning" not in answer.headers
