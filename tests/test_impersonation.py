"""Client tokens that act for an employee, as Mitel's MiCC SDK authentication sample shows ("Client Authentication
with Impersonation"): client id + secret and an ``Impersonate`` header, then calls on ``me`` as that employee."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from agentbar import agent_bar_page, browser  # noqa: F401  (browser is a fixture)
from conftest import TALKATIVE
from contract import assert_conforms
from desktop_client import Desktop

from micc_sim.world.seed import default_world

TOKEN = "/authorizationserver/token"
CLIENT = {"grant_type": "client_credentials", "client_id": TALKATIVE[0], "client_secret": TALKATIVE[1]}
WALLBOARD = ("Wallboard", "3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21")


def impersonating(live, user: str, form: dict | None = None, **kwargs) -> str:
    r = live.http.post(TOKEN, data=form or CLIENT, headers={"Impersonate": user}, **kwargs)
    assert r.status_code == 200, r.text
    assert_conforms(r, "Token_PostToken", "authorizationserver")
    assert r.json()["userName"] == "tcervantes" and r.json()["clientId"] == TALKATIVE[0]
    return r.json()["access_token"]


def journal(live, **query) -> list[dict]:
    return live.http.get("/_sim/journal", params=query).json()["entries"]


@pytest.mark.parametrize("user", ["tcervantes", "TCervantes", "WAGNER\\tcervantes", "wagner\\TCERVANTES"])
def test_a_client_token_with_impersonate_acts_for_that_employee_on_me(live, user):
    plain = live.sdk(live.client_token())
    assert plain.get("/employees/me/state").status_code == 403  # a client has no "me" of its own

    on_behalf = live.sdk(impersonating(live, user))
    state = on_behalf.get("/employees/me/state").json()
    assert (state["reporting"], state["firstName"]) == ("1001", "Tristan")
    assert on_behalf.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"}).status_code == 200
    tristan = live.sdk(live.token("tcervantes", "password")).get("/employees/me/state").json()
    assert tristan["presence"]["aggregate"]["state"] == "Busy"

    tokens = [(e["actor"], e["acting_for"]) for e in journal(live, path=TOKEN)]
    assert tokens == [("Talkative", None), ("Talkative", "tcervantes"), ("tcervantes", None)]  # who got which
    put = journal(live, method="PUT")[-1]
    assert (put["path"], put["actor"], put["acting_for"]) == ("/miccsdk/api/v1/employees/me/state", "Talkative",
                                                              "tcervantes")
    tristans_own = journal(live, method="GET", path="*/employees/me/state")[-1]
    assert (tristans_own["actor"], tristans_own["acting_for"]) == ("tcervantes", None)


def test_impersonation_works_with_http_basic_client_credentials_and_survives_a_snapshot(live):
    token = impersonating(live, "tcervantes", {"grant_type": "client_credentials"}, auth=TALKATIVE)
    snapshot = live.http.get("/_sim/snapshot").json()
    assert live.http.post("/_sim/restore", json=snapshot).status_code == 200
    conversations = live.sdk(token).get("/employees/me/conversations", params={"type": "active"})
    assert conversations.status_code == 200 and conversations.json()["count"] == 0


def test_an_impersonation_token_monitors_its_employee_on_the_hubs(live, browser):  # noqa: F811
    with contextlib.contextmanager(agent_bar_page)(browser, live.base_url) as bar:
        bar.open("crm", impersonating(live, "WAGNER\\tcervantes"), "longPolling")
        assert bar.call("crm", "employeeHub", "addSelfMonitor") is None
        live.sdk(live.token("amyers", "password")).put("/employees/1001/state", json={"state": "Away"})
        (state,) = bar.wait_for("crm", "employeeStateChanged")[-1]
        assert (state["reporting"], state["presence"]["aggregate"]["state"]) == ("1001", "Away")
        assert bar.wait_for("crm", "onAgentStateChanged")[-1][0]["availableState"] == "Away"


def test_an_impersonation_token_signs_in_the_agent_desktop_as_that_agent(live):
    desk = Desktop(live.base_url, {"token": impersonating(live, "tcervantes")})
    try:
        assert desk("GetUserInformation")["LoginID"] == "tcervantes"
    finally:
        desk.close()


@pytest.fixture
def strict(live_with) -> Iterator:
    """A world whose Wallboard client may not impersonate, beside Talkative, which may."""
    config = default_world()
    config.clients = [{"Id": TALKATIVE[0], "Secret": TALKATIVE[1]},
                      {"Id": WALLBOARD[0], "Secret": WALLBOARD[1], "AllowImpersonation": False},
                      {"Id": "Legacy", "Secret": "6f0e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "AllowImpersonation": "no"}]
    yield live_with(world=config)


@pytest.mark.parametrize(("client", "user", "error", "description"), [
    (WALLBOARD, "tcervantes", "unauthorized_client", "The client 'Wallboard' is not allowed to impersonate users"),
    (TALKATIVE, "nobody", "invalid_grant", "The user 'nobody' to impersonate is not known."),
    (TALKATIVE, "OTHERDOMAIN\\", "invalid_grant", "to impersonate is not known"),
])
def test_impersonation_is_refused_for_a_client_without_the_right_or_an_unknown_user(strict, client, user, error,
                                                                                   description):
    form = {"grant_type": "client_credentials", "client_id": client[0], "client_secret": client[1]}
    r = strict.http.post(TOKEN, data=form, headers={"Impersonate": user})
    assert r.status_code == 400
    assert_conforms(r, "Token_PostToken", "authorizationserver")
    assert r.json()["error"] == error and description in r.json()["error_description"]
    assert strict.http.post(TOKEN, data=form).status_code == 200  # without the header: a plain client token
    assert journal(strict, path=TOKEN)[-2]["status"] == 400


def test_an_allow_impersonation_that_is_not_a_boolean_rejects_the_entry(strict):
    clients = strict.world()["clients"]
    assert clients["ids"] == ["Talkative", "Wallboard"]
    assert any("\"AllowImpersonation\" 'no' is not true or false" in m for m in clients["rejected"])
