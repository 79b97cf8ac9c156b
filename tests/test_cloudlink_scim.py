"""SCIM 2.0 provisioning of an account's CloudLink users with the account's SCIM key, as Azure AD and Okta do it."""

from __future__ import annotations

import httpx

ADMIN = "/admin/2017-09-01"
SCIM = f"{ADMIN}/scim/v2"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
NEW = "nova.stone@wagner.example.com"


def _admin(live) -> httpx.Client:
    token = live.cloudlink_token("admin@wagner.example.com")
    return httpx.Client(base_url=live.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _scim(live, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{live.base_url}{SCIM}", timeout=30, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"})


def _password_grant(live, password: str) -> httpx.Response:
    return live.http.post("/authentication/2017-09-01/token", data={
        "grant_type": "password", "username": NEW, "password": password, "account_id": "105444491"})


def test_an_identity_provider_provisions_changes_deactivates_and_deletes_a_cloudlink_user(live):
    with _admin(live) as admin:
        key = admin.post(f"{ADMIN}/accounts/105444491/scimkey").json()["scimKey"]
        with _scim(live, key) as scim:
            # Azure AD first asks whether the user exists, then creates it
            found = scim.get("/Users", params={"filter": f'userName eq "{NEW.upper()}"'})
            assert found.status_code == 200 and found.headers["content-type"].startswith("application/scim+json")
            assert found.json()["totalResults"] == 0 and found.json()["Resources"] == []
            body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                    "userName": NEW, "externalId": "aad-0001", "active": True, "password": "Provisioned-1",
                    "name": {"givenName": "Nova", "familyName": "Stone"},
                    "emails": [{"value": NEW, "type": "work", "primary": True}],
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Support"}}
            made = scim.post("/Users", json=body)
            assert made.status_code == 201, made.text
            user = made.json()
            assert made.headers["location"] == user["meta"]["location"] and user["meta"]["location"].endswith(
                f"{SCIM}/Users/{user['id']}")
            assert (user["userName"], user["displayName"], user["active"]) == (NEW, "Nova Stone", True)
            again = scim.post("/Users", json=body)
            assert again.status_code == 409 and again.json()["schemas"] == [ERROR]
            assert (again.json()["status"], again.json()["scimType"]) == ("409", "uniqueness")
            # the Admin API sees the account's new user; the user can sign in
            listed = admin.get(f"{ADMIN}/accounts/105444491/users", params={"$filter": f"email eq '{NEW}'"})
            assert [u["userId"] for u in listed.json()["_embedded"]["items"]] == [user["id"]]
            signed_in = _password_grant(live, "Provisioned-1")
            assert signed_in.status_code == 200, signed_in.text
            assert scim.get("/Users", params={"filter": 'externalId eq "aad-0001"'}).json()["totalResults"] == 1
            assert scim.get("/Users", params={"filter": 'externalId eq "AAD-0001"'}).json()["totalResults"] == 0
            total = scim.get("/Users").json()["totalResults"]
            page = scim.get("/Users", params={"startIndex": "2", "count": "1"}).json()
            assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (total, 2, 1) and total > 2
            # Azure AD deprovisions: active as the string "False", in PascalCase operations
            patched = scim.patch(f"/Users/{user['id']}", json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                    {"op": "Replace", "path": "active", "value": "False"},
                    {"op": "Add", "path": "name.givenName", "value": "Nora"},
                    {"op": "replace", "path": 'emails[type eq "work"].value', "value": NEW}]})
            assert patched.status_code == 200, patched.text
            assert (patched.json()["active"], patched.json()["name"]["givenName"]) == (False, "Nora")
            assert _password_grant(live, "Provisioned-1").status_code == 401
            assert live.http.get("/authentication/2017-09-01/token", headers={
                "Authorization": signed_in.json()["access_token"]}).status_code == 401  # its token is revoked
            assert admin.get(f"{ADMIN}/accounts/105444491/users/{user['id']}").json()["active"] is False
            # Okta reactivates: an operation without a path, its value an object
            okta = scim.patch(f"/Users/{user['id']}", json={"Operations": [{"op": "replace", "value": {
                "active": True, "displayName": "Nora Stone"}}]})
            assert (okta.json()["active"], okta.json()["displayName"]) == (True, "Nora Stone")
            put = scim.put(f"/Users/{user['id']}", json={"userName": NEW, "name": {"givenName": "Nora"}})
            assert put.status_code == 200 and put.json()["name"]["familyName"] == "" and "externalId" not in put.json()
            assert scim.delete(f"/Users/{user['id']}").status_code == 204
            gone = scim.get(f"/Users/{user['id']}")
            assert (gone.status_code, gone.json()["status"], gone.json()["schemas"]) == (404, "404", [ERROR])
            assert admin.get(f"{ADMIN}/accounts/105444491/users/{user['id']}").status_code == 404


def test_scim_takes_only_the_accounts_latest_key_and_answers_errors_in_scims_shape(live):
    with _admin(live) as admin:
        first = admin.post(f"{ADMIN}/accounts/105444491/scimkey").json()["scimKey"]
        second = admin.post(f"{ADMIN}/accounts/105444491/scimkey").json()["scimKey"]
    for key, status in ((first, 401), ("nonsense", 401), (second, 200)):
        with _scim(live, key) as scim:
            r = scim.get("/Users", params={"count": "1"})
            assert r.status_code == status, (key, r.text)
            if status == 401:
                assert r.json()["schemas"] == [ERROR] and r.json()["status"] == "401"
    with _scim(live, second) as scim:
        for bad in ('userName sw "a"', 'title eq "x"', 'userName eq "open', "userName eq x"):
            r = scim.get("/Users", params={"filter": bad})
            assert (r.status_code, r.json()["scimType"]) == (400, "invalidFilter"), bad
        r = scim.post("/Users", content=b"{not json")
        assert r.status_code == 400 and r.json()["schemas"] == [ERROR]
        r = scim.patch("/Users/nobody", json={"Operations": [{"op": "replace", "path": "active", "value": False}]})
        assert r.status_code == 404
        partner_user = next(u for u in live.sim.cloudlink.directory.users.values()
                            if u.email == "partner.admin@partner.example.com")
        assert scim.get(f"/Users/{partner_user.user_id}").status_code == 404  # another account's user
    discovery = live.http.get(f"{SCIM}/ServiceProviderConfig").json()
    assert discovery["patch"]["supported"] is True and discovery["bulk"]["supported"] is False
    assert live.http.get(f"{SCIM}/ResourceTypes").json()["Resources"][0]["endpoint"] == "/Users"
    assert live.http.get(f"{SCIM}/Schemas").json()["Resources"][0]["id"].endswith(":core:2.0:User")
    hosted = live.http.get("/2017-09-01/scim/v2/ResourceTypes", headers={"Host": "admin.api.mitel.io"})
    assert hosted.json()["Resources"][0]["meta"]["location"] == "http://admin.api.mitel.io/2017-09-01/scim/v2/ResourceTypes/User"
