"""What real clients send is bound the way ASP.NET Web API / JSON.NET binds it (wire-notes)."""

from __future__ import annotations

import httpx
import pytest
from contract import assert_conforms


@pytest.mark.parametrize("prefix", ["/miccsdk/api/v1", "/MiccSdk/api/v1", "/MiCCSdk/api/v1", "/MICCSDK/API/V1",
                                    "//miccsdk/api/v1", "/miccsdk//api/v1"])
def test_every_spelling_of_the_sdk_prefix_reaches_open_media(live, prefix):
    token = live.token()
    r = httpx.post(f"{live.base_url}{prefix}/openmedia", json={"queue": "Web Chat"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text


def test_paths_below_the_prefix_match_in_any_case(live):
    sdk = live.sdk(live.token())
    item = sdk.post("/OpenMedia", json={"queue": "Web Chat"}).json()["id"]
    assert sdk.get(f"/OPENMEDIA/{item}").status_code == 200
    assert sdk.get("/OpenMedia/Queues").json()["count"] == 5


def test_pascal_case_names_string_booleans_and_unknown_properties_bind(live):
    sdk = live.sdk(live.token())
    r = sdk.post("/openmedia", json={"TargetUri": "https://x", "TargetUriEmbedded": "true", "Queue": "P7002",
                                     "From": "Ada", "Subject": "Hi", "VariableData": {"Email": "a@b.c"},
                                     "SomethingNew": 1})
    assert r.status_code == 201, r.text
    assert r.json()["queueReporting"] == "P7002"
    item = live.sim.world.item(r.json()["id"])
    assert item.target_uri_embedded is True and item.from_ == "Ada" and item.variable_data == {"Email": "a@b.c"}


@pytest.mark.parametrize("action", ["Complete", "complete", 0, "0"])
def test_the_put_action_binds_from_a_name_an_integer_or_an_integer_string(live, action):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    r = sdk.put(f"/openmedia/{item}", json={"Action": action})
    assert r.status_code == 200 and r.json() == "Abandoned"


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "Explode"}, "model.action"),
    ({"action": 7}, "model.action"),
    ({}, "model.action"),
    ({"action": None}, "model.action"),
    ({"action": "³"}, "model.action"),  # a digit to str.isdigit, not to Int32.Parse
])
def test_a_bad_action_is_a_400_with_model_state(live, body, field):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    r = sdk.put(f"/openmedia/{item}", json=body)
    assert r.status_code == 400
    assert_conforms(r, "OpenMedia_PutOpenMedia")
    assert r.json()["message"] == "The request is invalid."
    assert field in r.json()["modelState"]


@pytest.mark.parametrize("raw", [b"", b"   ", b"{not json", b"[1, 2]", b'"text"'])
def test_an_empty_or_malformed_body_is_a_400_never_a_500(live, raw):
    token = live.token()
    r = httpx.post(f"{live.base_url}/miccsdk/api/v1/openmedia", content=raw,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["message"] == "The request is invalid."


def test_an_empty_object_is_a_valid_post(live):
    """The MiCC SDK reference: the body may not be empty, but every property is optional."""
    sdk = live.sdk(live.token())
    assert sdk.post("/openmedia", json={}).status_code == 201


def test_a_wrongly_typed_property_is_reported_by_name(live):
    sdk = live.sdk(live.token())
    r = sdk.post("/openmedia", json={"targetUriEmbedded": "maybe", "variableData": "x"})
    assert r.status_code == 400
    assert set(r.json()["modelState"]) == {"model.targetUriEmbedded", "model.variableData"}


def test_strict_mode_refuses_what_lenient_mode_binds(live_with):
    sim = live_with(strictness="strict")
    sdk = sim.sdk(sim.token())
    r = sdk.post("/openmedia", json={"TargetUriEmbedded": "true", "queue": "Web Chat"})
    assert r.status_code == 201  # an unknown-cased name is ignored as an unknown property ...
    r = sdk.post("/openmedia", json={"targetUriEmbedded": "true", "queue": "Web Chat"})
    assert r.status_code == 400  # ... but a string where a boolean belongs is refused
    assert "model.targetUriEmbedded" in r.json()["modelState"]


def test_unknown_paths_and_methods_answer_in_the_dotnet_shape(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/nothing-here")
    assert r.status_code == 404 and "No HTTP resource was found" in r.json()["message"]
    r = sdk.delete("/openmedia")
    assert r.status_code == 405 and "does not support http method 'DELETE'" in r.json()["message"]
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_absurdly_nested_json_is_a_400_not_a_crash(live):
    token = live.token()
    raw = b"[" * 100_000 + b"]" * 100_000
    r = httpx.post(f"{live.base_url}/miccsdk/api/v1/openmedia", content=raw,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 400


def test_item_ids_match_in_any_case(live):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"id": "Crm-Task-7", "queue": "Web Chat"}).json()["id"]
    assert sdk.get(f"/openmedia/{item.lower()}").json()["id"] == "Crm-Task-7"
