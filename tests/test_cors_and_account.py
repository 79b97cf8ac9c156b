"""Pages on another origin call the REST API and the token endpoint (CORS, the cors_origins setting), and a token
tells who it belongs to (GET /authorizationserver/api/account, as Mitel's authenticationToken sample asks)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from micc_sim.settings import Settings

PAGE = "http://localhost:5500"  # a page served by a local dev server, as the samples are


def preflight(live, path, origin=PAGE, method="PUT", headers="authorization,content-type"):
    return live.http.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                            "Access-Control-Request-Headers": headers})


@pytest.mark.parametrize("path", ["/miccsdk/api/v1/employees/me/state", "/authorizationserver/token",
                                  "/MiccSdk/api/v1/queues/states", "/AuthorizationServer/api/account"])
def test_a_loopback_page_is_answered_its_preflight(live, path):
    r = preflight(live, path)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == PAGE
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "authorization, content-type"
    assert r.headers["vary"] == "Origin"


def test_the_answers_carry_the_origin_so_the_page_can_read_them(live):
    r = live.http.post("/authorizationserver/token", headers={"Origin": PAGE},
                       data={"grant_type": "password", "username": "_admin", "password": "_password"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == PAGE
    token = r.json()["access_token"]
    r = live.http.get("/miccsdk/api/v1/queues/states", headers={"Origin": "null", "Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "null"
    assert live.http.get("/miccsdk/api/v1/queues/states").headers.get("access-control-allow-origin") is None


def test_an_origin_not_allowed_gets_no_cors_headers(live):
    r = preflight(live, "/miccsdk/api/v1/employees/me/state", origin="https://evil.example")
    assert r.status_code == 400 and "cors_origins" in r.json()["message"]
    assert "access-control-allow-origin" not in r.headers
    token = live.token()
    r = live.http.get("/miccsdk/api/v1/queues/states",
                      headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_allowed_origins_are_a_setting_and_a_star_never_comes_with_credentials(live_with):
    live = live_with(cors_origins=["https://wallboard.example:8443", "*"])
    r = preflight(live, "/miccsdk/api/v1/queues/states", origin="https://wallboard.example:8443", method="GET")
    assert r.headers["access-control-allow-origin"] == "https://wallboard.example:8443"
    assert r.headers["access-control-allow-credentials"] == "true"
    r = preflight(live, "/miccsdk/api/v1/queues/states", origin="https://other.example", method="GET")
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    only = live_with(cors_origins=["https://wallboard.example:8443"])
    assert preflight(only, "/authorizationserver/token", origin=PAGE).status_code == 400


def test_a_bad_origin_setting_is_refused_at_start():
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(cors_origins=["wallboard.example/path"])


def test_the_account_api_lists_the_claims_of_an_employee_token(live):
    employee = next(e for e in live.world()["employees"] if e["reporting"] == "1001")
    r = live.http.post("/authorizationserver/token",
                       data={"grant_type": "password", "username": employee["username"], "password": "password"})
    answer = r.json()
    claims = live.http.get("/authorizationserver/api/account",
                           headers={"Authorization": f"Bearer {answer['access_token']}"})
    assert claims.status_code == 200, claims.text
    body = claims.json()
    assert body["employeeId"] == answer["employeeId"] == employee["id"]
    assert body["userName"] == answer["userName"] == employee["username"]
    assert body["displayName"] == live.sdk(answer["access_token"]).get("/employees/me").json()["name"]
    assert body["roles"] == answer["roles"] == "Agent"
    assert "MultimediaAgent" in body["licenses"].split(",")
    assert all(isinstance(v, str) for v in body.values())  # the sample puts each into a table cell


def test_a_supervisor_holds_the_supervisor_role_and_licence(live):
    claims = live.http.get("/authorizationserver/api/account",
                           headers={"Authorization": f"Bearer {live.token('amyers', 'password')}"}).json()
    assert "Supervisor" in claims["roles"].split(",")
    assert "AdvancedSupervisor" in claims["licenses"].split(",")


def test_the_account_api_wants_a_valid_token(live):
    r = live.http.get("/authorizationserver/api/account", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json() == {"message": "Authorization has been denied for this request."}
    client = live.http.get("/authorizationserver/api/account",
                           headers={"Authorization": f"Bearer {live.client_token()}"}).json()
    assert client["clientId"] == "Talkative" and client["roles"] == "Client"


def test_owin_reads_the_token_form_names_in_any_case(live):
    r = live.http.post("/authorizationserver/token",
                       data={"Grant_Type": "password", "UserName": "_admin", "Password": "_password"})
    assert r.status_code == 200, r.text


def test_a_faulted_answer_keeps_its_cors_headers_and_preflights_are_journaled_never_faulted(live):
    token = live.token()
    r = live.http.post("/_sim/faults", json={"kind": "error", "face": "miccsdk", "status": 503})
    assert r.status_code == 201, r.text
    assert preflight(live, "/miccsdk/api/v1/queues/states", method="GET").status_code == 204
    r = live.http.get("/miccsdk/api/v1/queues/states", headers={"Origin": PAGE, "Authorization": f"Bearer {token}"})
    assert r.status_code == 503 and r.headers["access-control-allow-origin"] == PAGE  # the page sees the 503
    entries = live.http.get("/_sim/journal").json()["entries"]
    assert [(e["method"], e["status"]) for e in entries[-2:]] == [("OPTIONS", 204), ("GET", 503)]


def test_a_private_network_preflight_of_an_allowed_origin_is_granted(live_with):
    live = live_with(cors_origins=["https://crm.example"])
    r = live.http.options("/miccsdk/api/v1/queues/states", headers={
        "Origin": "https://crm.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Private-Network": "true"})
    assert r.status_code == 204 and r.headers["access-control-allow-private-network"] == "true"


def test_the_hubs_answer_cross_origin_pages_only_from_allowed_origins(live):
    """SignalR's negotiate, as a page on another origin sends it: a loopback page reads it, another site does not."""
    token = live.token("tcervantes", "password")
    params = {"clientProtocol": "1.5", "sessionid": f"Bearer {token}", "connectionData": '[{"name":"employeehub"}]'}
    local = live.http.get("/miccsdk/signalr/negotiate", params=params, headers={"Origin": "http://localhost:3000"})
    assert local.headers["access-control-allow-origin"] == "http://localhost:3000"
    foreign = live.http.get("/miccsdk/signalr/negotiate", params=params, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
