"""CloudLink Authentication: token grants, JWTs a client can verify, sessions on the simulated clock."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from simulator.world.seed import ACCOUNT_NUMBER, CLOUDLINK_CLIENT_ID, CLOUDLINK_CLIENT_SECRET

AUTH = "/authentication/2017-09-01"
AGENT = ("tristan.cervantes@wagner.example.com", "password")


def token(live, **body) -> httpx.Response:
    return live.http.post(f"{AUTH}/token", json=body)


def test_a_password_grant_returns_a_jwt_pair_verifiable_with_the_published_keys(live):
    r = token(live, grant_type="password", username=AGENT[0], password=AGENT[1])
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 3600 and pair["refresh_token"]
    keys = KeySet.import_key_set(live.http.get(f"{AUTH}/.well-known/jwks.json").json())
    claims = jwt.decode(pair["access_token"], keys).claims
    assert claims["email"] == AGENT[0] and claims["role"] == "USER"
    assert claims["exp"] - claims["iat"] == pair["expires_in"]
    assert claims["principalId"] == claims["userId"] and claims["accountId"] and claims["partnerId"]


def test_the_grant_takes_a_form_body_too(live):
    r = live.http.post(f"{AUTH}/token", data={"grant_type": "password", "username": AGENT[0], "password": AGENT[1]})
    assert r.status_code == 200, r.text


def test_a_login_in_two_accounts_needs_the_account_id(live):
    consultant = {"grant_type": "password", "username": "consultant@partner.example.com", "password": "password"}
    r = token(live, **consultant)
    assert r.status_code == 409 and r.json()["name"] == "ConflictError"
    assert token(live, **consultant, account_id=ACCOUNT_NUMBER).status_code == 200
    assert token(live, **consultant, account_id="wagner-partners").status_code == 200


def test_client_credentials_give_the_clients_role(live):
    r = token(live, grant_type="client_credentials", client_id=CLOUDLINK_CLIENT_ID,
              client_secret=CLOUDLINK_CLIENT_SECRET, account_id=ACCOUNT_NUMBER)
    assert r.status_code == 200, r.text
    me = live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["principalType"] == "client" and me["role"] == "ACCOUNT_ADMIN"
    assert me["principalId"] == CLOUDLINK_CLIENT_ID


@pytest.mark.parametrize("body", [
    {"grant_type": "password", "username": AGENT[0], "password": "wrong"},
    {"grant_type": "client_credentials", "client_id": CLOUDLINK_CLIENT_ID, "client_secret": "0" * 32},
])
def test_bad_credentials_are_401_in_cloudlinks_error_shape(live, body):
    r = token(live, **body)
    assert r.status_code == 401 and set(r.json()) == {"name", "message"}


def test_a_body_the_schema_refuses_is_a_400_with_ajvs_message(live):
    r = token(live, grant_type="magic")
    assert r.status_code == 400
    assert r.json() == {"name": "ValidationError",
                        "message": "data.grant_type should be equal to one of the allowed values"}


def test_a_refresh_token_is_good_once(live):
    pair = token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).json()
    first = token(live, grant_type="refresh_token", refresh_token=pair["refresh_token"])
    assert first.status_code == 200 and first.json()["access_token"] != pair["access_token"]
    assert token(live, grant_type="refresh_token", refresh_token=pair["refresh_token"]).status_code == 401
    assert token(live, grant_type="refresh_token", token=first.json()["refresh_token"]).status_code == 200


def test_the_bare_token_works_as_mitels_samples_send_it_and_answers_carry_a_correlation_id(live):
    access = token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).json()["access_token"]
    r = live.http.get(f"{AUTH}/token", headers={"Authorization": access, "x-mitel-correlation-id": "abc-1"})
    assert r.status_code == 200 and r.json()["email"] == AGENT[0]
    assert r.headers["x-mitel-correlation-id"] == "abc-1"
    assert live.http.get(f"{AUTH}/token").headers["x-mitel-correlation-id"]


def test_access_tokens_expire_on_the_simulated_clock_and_end_with_a_reset(live):
    access = token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    live.advance(3599)
    assert live.http.get(f"{AUTH}/token", headers=bearer).status_code == 200
    live.advance(1)
    expired = live.http.get(f"{AUTH}/token", headers=bearer)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]
    again = token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).json()["access_token"]
    live.http.post("/_sim/reset")
    assert live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {again}"}).status_code == 401


def test_host_style_urls_reach_the_service(live):
    r = live.http.get("/2017-09-01/.well-known/jwks.json", headers={"Host": "authentication.localhost"})
    assert r.status_code == 200 and r.json()["keys"]
    journal = live.http.get("/_sim/journal", params={"face": "cloudlink-authentication"}).json()
    assert any(e["path"] == f"{AUTH}/.well-known/jwks.json" for e in journal["entries"])
