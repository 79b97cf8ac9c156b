"""The AuthorizationServer as real clients call it: form-encoded grants, OAuth errors, opaque expiring tokens."""

from __future__ import annotations

import json

import httpx
import pytest
from conftest import TALKATIVE
from contract import assert_conforms

TOKEN = "/authorizationserver/token"


def test_password_grant_gives_an_opaque_bearer_token_for_an_employee(live):
    r = live.http.post(TOKEN, data={"grant_type": "password", "username": "_admin", "password": "_password"})
    assert r.status_code == 200
    assert_conforms(r, "Token_PostToken", "authorizationserver")
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 1200 and body["userName"] == "_admin"
    assert body[".issued"] == "Sun, 22 Nov 2026 09:00:00 GMT"
    assert body[".expires"] == "Sun, 22 Nov 2026 09:20:00 GMT"
    assert body["access_token"].count(".") == 0  # opaque, not a JWT


def test_client_credentials_grant_uses_the_clients_config_entry(live):
    r = live.http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": TALKATIVE[0],
                                    "client_secret": TALKATIVE[1]})
    assert r.status_code == 200
    assert "userName" not in r.json()


def test_client_credentials_may_come_as_http_basic(live):
    r = live.http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=TALKATIVE)
    assert r.status_code == 200


@pytest.mark.parametrize("path", ["//authorizationserver/token", "/AuthorizationServer/Token",
                                  "/AuthorizationServer/token", "//AuthorizationServer//Token"])
def test_the_token_url_works_with_a_double_slash_and_in_any_case(live, path):
    r = httpx.post(live.base_url + path, data={"grant_type": "password", "username": "_admin",
                                               "password": "_password"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("form", "error"), [
    ({"grant_type": "password", "username": "_admin", "password": "wrong"}, "invalid_grant"),
    ({"grant_type": "password", "username": "nobody", "password": "x"}, "invalid_grant"),
    ({"grant_type": "client_credentials", "client_id": "Talkative",
      "client_secret": "00000000-0000-4000-8000-000000000000"}, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "Unknown", "client_secret": TALKATIVE[1]},
     "invalid_client"),
    ({"grant_type": "client_credentials"}, "invalid_client"),
    ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ({}, "unsupported_grant_type"),
])
def test_bad_grants_get_oauth_errors(live, form, error):
    r = live.http.post(TOKEN, data=form)
    assert r.status_code == 400
    assert_conforms(r, "Token_PostToken", "authorizationserver")
    assert r.json()["error"] == error
    assert r.json()["error_description"]


def test_a_json_body_is_not_a_form_and_is_refused_like_owin_does(live):
    r = live.http.post(TOKEN, content=json.dumps({"grant_type": "password", "username": "_admin",
                                                  "password": "_password"}),
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_api_calls_without_a_valid_bearer_get_401(live):
    sdk = httpx.Client(base_url=f"{live.base_url}/miccsdk/api/v1")
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        r = sdk.get("/openmedia", headers=headers)
        assert r.status_code == 401
        assert r.json() == {"message": "Authorization has been denied for this request."}


def test_tokens_expire_on_the_simulated_clock(live):
    sdk = live.sdk(live.token())
    assert sdk.get("/openmedia").status_code == 200
    live.advance(1199)
    assert sdk.get("/openmedia").status_code == 200
    live.advance(1)
    assert sdk.get("/openmedia").status_code == 401


def test_the_token_lifetime_is_a_setting(live_with):
    sim = live_with(token_lifetime=600)
    assert sim.http.post(TOKEN, data={"grant_type": "password", "username": "_admin",
                                      "password": "_password"}).json()["expires_in"] == 600


def test_a_new_clients_config_secret_is_ignored_until_iis_restarts(live_with, tmp_file):
    old, new = TALKATIVE[1], "3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21"
    config = tmp_file("Clients.config", json.dumps([{"Id": "Talkative", "Secret": old}]))
    sim = live_with(clients_config=config)
    sdk = sim.sdk(sim.client_token(secret=old))
    live_item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]

    config.write_text(json.dumps([{"Id": "Talkative", "Secret": new}]))
    refused = sim.http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "Talkative",
                                         "client_secret": new})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    assert sim.client_token(secret=old)  # the old secret still works until the restart

    report = sim.http.post("/_sim/iis/restart").json()
    assert report["clients"] == ["Talkative"] and report["interactions_dropped"] == 1
    assert report["sessions_ended"] == 2
    assert sdk.get("/openmedia").status_code == 401  # sessions ended
    assert sim.client_token(secret=new)
    sdk = sim.sdk(sim.client_token(secret=new))
    assert sdk.get(f"/openmedia/{live_item}").status_code == 404  # the restart dropped it: Failed
    assert sim.world()["open_media"]["counts"] == {"Failed": 1}


def test_with_the_quirk_off_a_changed_clients_config_applies_at_once(live_with, tmp_file):
    new = "3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21"
    config = tmp_file("Clients.config", json.dumps([{"Id": "Talkative", "Secret": TALKATIVE[1]}]))
    sim = live_with(clients_config=config, quirks={"clients_config_read_on_restart_only": False})
    config.write_text(json.dumps([{"Id": "Talkative", "Secret": new}]))
    import os
    os.utime(config, (1, 1))  # a different mtime even on coarse file-system clocks
    assert sim.client_token(secret=new)


def test_clients_config_entries_whose_secret_is_not_a_uuid4_are_rejected_with_a_reason(live_with, tmp_file):
    config = tmp_file("Clients.config", json.dumps([
        {"Id": "Talkative", "Secret": TALKATIVE[1]},
        {"Id": "Legacy", "Secret": "hunter2"},
        {"Id": "V1", "Secret": "6fa459ea-ee8a-11d0-a8b2-00c04fd430c8"},
        {"Secret": "3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21"},
    ]))
    sim = live_with(clients_config=config)
    clients = sim.world()["clients"]
    assert clients["ids"] == ["Talkative"]
    rejected = "\n".join(clients["rejected"])
    assert "'Legacy'" in rejected and "not a UUID v4" in rejected
    assert "'V1'" in rejected
    assert 'missing "Id"' in rejected
    r = sim.http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "Legacy",
                                   "client_secret": "hunter2"})
    assert r.json()["error"] == "invalid_client"
