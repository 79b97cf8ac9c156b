"""CloudLink Authentication: token grants, JWTs a client can verify, sessions on the simulated clock."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
from conftest import START
from joserfc import jwt
from joserfc.jwk import KeySet

from micc_sim.world.seed import (
    ACCOUNT_NUMBER,
    CLOUDLINK_APPLICATION_ID,
    CLOUDLINK_CLIENT_ID,
    CLOUDLINK_CLIENT_SECRET,
)

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


# -- the authorization code flow ------------------------------------------------------------------
APP = CLOUDLINK_APPLICATION_ID
REDIRECT = "https://app.example.com/loginsuccess"


def authorize(live, **form) -> httpx.Response:
    return live.http.post(f"{AUTH}/authorize", data={"client_id": APP, "response_type": "code", **form})


def login(**extra) -> dict:
    return {"username": AGENT[0], "password": AGENT[1], **extra}


def whoami(live, access: str) -> dict:
    r = live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {access}"})
    assert r.status_code == 200, r.text
    return r.json()


def s256_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_a_code_from_authorize_buys_one_token_pair_for_the_application_as_the_guide_exchanges_it(live):
    r = authorize(live, **login(redirect_uri=REDIRECT))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    # the guide's exchange: no grant_type, the client spelled clientId
    pair = token(live, code=code, clientId=APP)
    assert pair.status_code == 200, pair.text
    me = whoami(live, pair.json()["access_token"])
    assert me["email"] == AGENT[0] and me["clientId"] == APP and me["principalType"] == "user"
    replay = token(live, grant_type="authorization_code", code=code, client_id=APP)
    assert replay.status_code == 401 and "already used" in replay.json()["message"]
    # a replayed code ends the tokens it bought
    assert live.http.get(f"{AUTH}/token", headers={"Authorization": pair.json()["access_token"]}).status_code == 401


def test_pkce_needs_the_verifier_whose_s256_digest_was_the_challenge(live):
    verifier, challenge = pkce_pair()
    code = authorize(live, **login(code_challenge=challenge, code_challenge_method="S256")).json()["code"]
    exchange = {"grant_type": "authorization_code", "code": code, "client_id": APP}
    assert token(live, **exchange).status_code == 400
    wrong = token(live, **exchange, code_verifier=pkce_pair()[0])
    assert wrong.status_code == 401 and "code_verifier" in wrong.json()["message"]
    right = live.http.post(f"{AUTH}/token", data={**exchange, "code_verifier": verifier})
    assert right.status_code == 200, right.text
    plain = authorize(live, **login(code_challenge=verifier, code_challenge_method="sha1"))
    assert plain.status_code == 400


@pytest.mark.parametrize("method", ["plain", None])
def test_a_plain_pkce_challenge_is_the_verifier_itself_and_the_default_method(live, method):
    verifier = pkce_pair()[0]
    extra = {"code_challenge_method": method} if method else {}
    code = authorize(live, **login(code_challenge=verifier, **extra)).json()["code"]
    exchange = {"grant_type": "authorization_code", "code": code, "client_id": APP}
    assert token(live, **exchange, code_verifier=s256_of(verifier)).status_code == 401  # the digest is no verifier
    code = authorize(live, **login(code_challenge=verifier, **extra)).json()["code"]
    assert token(live, **{**exchange, "code": code}, code_verifier=verifier).status_code == 200
    short = authorize(live, **login(code_challenge="too-short", code_challenge_method="plain"))
    assert short.status_code == 400 and "43 to 128" in short.json()["message"]


@pytest.mark.parametrize("case, form, status", [
    ("a redirect URI the application did not register", login(redirect_uri="https://evil.example.com/cb"), 400),
    ("an unknown application", login(client_id="0" * 32), 401),
    ("a wrong password", {"username": AGENT[0], "password": "wrong"}, 401),
    ("a login in two accounts without account_id",
     {"username": "consultant@partner.example.com", "password": "password"}, 409),
])
def test_authorize_refuses(live, case, form, status):
    r = authorize(live, **form)
    assert r.status_code == status, (case, r.text)
    assert set(r.json()) == {"name", "message"}


def test_a_code_is_for_its_application_its_redirect_uri_and_a_minute_of_simulated_time(live):
    code = authorize(live, **login(redirect_uri=REDIRECT)).json()["code"]
    assert token(live, code=code).status_code == 400  # which application's code?
    assert token(live, code=code, client_id="f" * 32).status_code == 401
    assert token(live, code=code, client_id=APP, redirect_uri="http://127.0.0.1:8765/callback").status_code == 400
    assert token(live, code=code, client_id=APP, redirect_uri=REDIRECT).status_code == 200
    late = authorize(live, **login()).json()["code"]
    live.advance(60)
    assert token(live, code=late, client_id=APP).status_code == 401


def test_an_app_switch_trades_a_refresh_token_for_a_code_of_the_other_application(live_with):
    from micc_sim.world.cloudlink_config import ApplicationConfig
    from micc_sim.world.seed import default_world

    world = default_world()
    world.cloudlink.applications.append(ApplicationConfig(client_id="b" * 32, name="Other App",
                                                          redirect_uris=["https://other.example.com/cb"]))
    live = live_with(world=world)
    first = token(live, code=authorize(live, **login()).json()["code"], client_id=APP).json()
    switch = authorize(live, id_token_hint=first["refresh_token"], target_client_id="b" * 32,
                       redirect_uri="https://other.example.com/cb")
    assert switch.status_code == 201, switch.text
    second = token(live, code=switch.json()["code"], client_id="b" * 32)
    assert second.status_code == 200, second.text
    me = whoami(live, second.json()["access_token"])
    assert me["clientId"] == "b" * 32 and me["email"] == AGENT[0]
    assert authorize(live, id_token_hint=first["access_token"], target_client_id="b" * 32).status_code == 401
    assert authorize(live, id_token_hint=first["refresh_token"]).status_code == 400


def test_an_application_disabled_on_the_users_account_gets_no_code_and_its_codes_buy_nothing(live):
    """The guide: ``active`` "indicates if the application is enabled on the account"; a partner admin turns
    it off for a customer account with ``PUT /applications/{id}`` ``{"accountId", "active": false}``."""
    from micc_sim.world.seed import PARTNER_NUMBER

    partner = token(live, grant_type="password", username="partner.admin@partner.example.com", password="password",
                    account_id=PARTNER_NUMBER).json()["access_token"]
    customer = live.sim.cloudlink.directory.account(ACCOUNT_NUMBER).account_id
    pending = authorize(live, **login()).json()["code"]

    def enable(on: bool) -> dict:
        r = live.http.put(f"{AUTH}/applications/{APP}", json={"accountId": ACCOUNT_NUMBER, "active": on},
                          headers={"Authorization": f"Bearer {partner}"})
        assert r.status_code == 200, r.text
        return r.json()

    off = enable(False)
    assert (off["active"], off["enabledAccounts"]) == (True, [])  # still active: only not on that account
    refused = authorize(live, **login())
    assert (refused.status_code, refused.json()["name"]) == (401, "UnauthorizedError")
    assert f"not an application enabled on account {customer}" in refused.json()["message"]
    page = live.http.get(f"{AUTH}/authorize", params={"client_id": APP, "response_type": "code",
                                                     "account_id": ACCOUNT_NUMBER})
    assert page.status_code == 401 and page.json()["name"] == "UnauthorizedError"
    exchange = token(live, code=pending, clientId=APP)
    assert exchange.status_code == 401 and "no longer" in exchange.json()["message"]
    assert enable(True)["enabledAccounts"] == [customer]
    assert token(live, code=authorize(live, **login()).json()["code"], clientId=APP).status_code == 200


# -- guests ---------------------------------------------------------------------------------------
def test_a_member_of_the_account_gets_a_guest_token_for_an_outsider(live):
    access = token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    guest_id = "7688c81e-c6ea-4777-a1a2-8163ed318a19"
    r = live.http.post(f"{AUTH}/guest/token", headers=bearer,
                       json={"principalId": guest_id, "accountId": ACCOUNT_NUMBER, "name": "Bob Smith"})
    assert r.status_code == 200, r.text
    me = whoami(live, r.json()["access_token"])
    assert me == {**me, "principalId": guest_id, "role": "GUEST", "principalType": "guest", "name": "Bob Smith"}
    guest = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert live.http.post(f"{AUTH}/guest/token", headers=guest, json={
        "principalId": "x", "accountId": ACCOUNT_NUMBER}).status_code == 403
    for account, status in (("wagner-partners", 403), ("999", 404)):
        r = live.http.post(f"{AUTH}/guest/token", headers=bearer, json={"principalId": "y", "accountId": account})
        assert r.status_code == status, r.text
    assert live.http.post(f"{AUTH}/guest/token", headers={"Authorization": "Bearer nonsense"},
                          json={"principalId": "z", "accountId": ACCOUNT_NUMBER}).status_code == 401


def test_a_guest_token_needs_no_bearer_as_in_the_guides_example_and_names_the_account_by_number(live):
    r = live.http.post(f"{AUTH}/guest/token", json={
        "principalId": "7688c81e-c6ea-4777-a1a2-8163ed318a19", "accountId": "105444491", "name": "Bob Smith"})
    assert r.status_code == 200, r.text
    me = whoami(live, r.json()["access_token"])
    assert (me["role"], me["principalType"], me["name"]) == ("GUEST", "guest", "Bob Smith")
    assert me["accountId"] == live.sim.cloudlink.directory.account("105444491").account_id
    unknown = live.http.post(f"{AUTH}/guest/token", json={"principalId": "z", "accountId": "999999999"})
    assert (unknown.status_code, unknown.json()["name"]) == (404, "NotFoundError")
    missing = live.http.post(f"{AUTH}/guest/token", json={"accountId": "105444491"})
    assert (missing.status_code, missing.json()["name"]) == (400, "ValidationError")


def test_the_browser_login_page_posts_back_and_redirects_to_the_application_with_code_and_state(live):
    query = {"client_id": APP, "response_type": "code", "redirect_uri": "https://app.example.com/loginsuccess",
             "state": "xyz"}
    page = live.http.get(f"{AUTH}/authorize", params=query)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'name="state" value="xyz"' in page.text and 'method="post"' in page.text
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    assert action.endswith("/authentication/2017-09-01/authorize")
    form = {**query, "username": AGENT[0], "password": AGENT[1]}
    back = live.http.post(action, data=form, headers={"Accept": "text/html,application/xhtml+xml"})
    assert back.status_code == 302, back.text
    location = back.headers["location"]
    assert location.startswith("https://app.example.com/loginsuccess?code=") and location.endswith("&state=xyz")
    code = re.search(r"code=([0-9a-f]+)", location).group(1)
    assert token(live, grant_type="authorization_code", code=code, client_id=APP,
                 redirect_uri=query["redirect_uri"]).status_code == 200
    evil = live.http.get(f"{AUTH}/authorize", params={**query, "redirect_uri": "https://evil.example.com/"})
    assert evil.status_code == 400 and evil.json()["name"] == "BadRequestError"
    portal = live.http.get("/authorize", params=query, headers={"Host": "auth.mitel.io"})
    assert portal.status_code == 200 and 'action="http://auth.mitel.io/authorize"' in portal.text


# -- throttling -----------------------------------------------------------------------------------
def test_a_login_hammered_with_bad_passwords_is_locked_with_a_retry_after_date(live):
    bad = {"grant_type": "password", "username": AGENT[0], "password": "wrong"}
    assert [token(live, **bad).status_code for _ in range(5)] == [401] * 5
    locked = token(live, grant_type="password", username=AGENT[0], password=AGENT[1])
    assert locked.status_code == 429 and locked.json()["name"] == "TooManyRequestsError"
    assert parsedate_to_datetime(locked.headers["Retry-After"]) == START + timedelta(seconds=60)
    assert authorize(live, **login()).status_code == 429  # the same login through /authorize
    other = token(live, grant_type="password", username="admin@wagner.example.com", password="password")
    assert other.status_code == 200
    live.advance(60)
    assert token(live, grant_type="password", username=AGENT[0], password=AGENT[1]).status_code == 200


def test_throttling_is_switched_off_with_zero_failures(live_with):
    from micc_sim.world.seed import default_world

    world = default_world()
    world.cloudlink.token_throttle.failures = 0
    live = live_with(world=world)
    bad = {"grant_type": "client_credentials", "client_id": CLOUDLINK_CLIENT_ID, "client_secret": "wrong"}
    assert {token(live, **bad).status_code for _ in range(8)} == {401}
    assert token(live, grant_type="client_credentials", client_id=CLOUDLINK_CLIENT_ID,
                 client_secret=CLOUDLINK_CLIENT_SECRET).status_code == 200


def test_mitels_application_registration_collection_enables_the_app_on_a_customer_account(live):
    """The Postman collection's two requests: a partner admin's password grant, then PUT /applications/{id}."""
    from micc_sim.world.seed import CLOUDLINK_APPLICATION_ID, PARTNER_NUMBER

    grant = live.http.post(f"{AUTH}/token", data={"grant_type": "password", "username":
                                                 "partner.admin@partner.example.com", "password": "password",
                                                 "account_id": PARTNER_NUMBER})
    assert grant.status_code == 200, grant.text
    customer = live.sim.cloudlink.directory.account(ACCOUNT_NUMBER).account_id
    body = {"accountId": customer, "name": "Sample App", "description": "enabled for Wagner",
            "redirectUris": ["https://app.example.com/loginsuccess"], "active": True}
    headers = {"Authorization": f"Bearer {grant.json()['access_token']}",
               "x-mitel-app": "app=BR-AppRegistry/2.0.0;platform=windows/10;session-id=static"}
    r = live.http.put(f"{AUTH}/applications/{CLOUDLINK_APPLICATION_ID}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["enabledAccounts"], r.json()["description"]) == ([customer], "enabled for Wagner")
    assert live.http.get(f"{AUTH}/applications/{CLOUDLINK_APPLICATION_ID}", headers=headers).json()[
        "enabledAccounts"] == [customer]
    admin = token(live, grant_type="password", username="admin@wagner.example.com", password="password").json()
    denied = live.http.put(f"{AUTH}/applications/{CLOUDLINK_APPLICATION_ID}", json=body,
                           headers={"Authorization": f"Bearer {admin['access_token']}"})
    assert (denied.status_code, denied.json()["name"]) == (403, "ForbiddenError")
