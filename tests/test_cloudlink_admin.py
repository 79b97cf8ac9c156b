"""CloudLink Admin: the directory through the real server, with roles, account scoping and publications."""

from __future__ import annotations

import re

import httpx
import pytest

from micc_sim.world.seed import ACCOUNT_NUMBER, CLOUDLINK_APPLICATION_ID

AUTH = "/authentication/2017-09-01"
ADMIN = "/admin/2017-09-01"
PARTNER_ADMIN = "partner.admin@partner.example.com"
ACCOUNT_ADMIN = "admin@wagner.example.com"
AGENT = "tristan.cervantes@wagner.example.com"
OTHER_AGENT = "emily.wilson@wagner.example.com"


def login(live, username: str, password: str = "password", account: str | None = None) -> httpx.Response:
    body = {"grant_type": "password", "username": username, "password": password}
    return live.http.post(f"{AUTH}/token", json={**body, **({"account_id": account} if account else {})})


def as_(live, username: str) -> httpx.Client:
    """An Admin API client with ``username``'s token, as an integration would hold one."""
    return live.cloudlink(username, ADMIN)


def account_id(live, ref: str = ACCOUNT_NUMBER) -> str:
    return live.sim.cloudlink.directory.account(ref).account_id


def publications(live, method: str | None = None) -> list:
    return [p for p in live.sim.cloudlink.notify.log
            if p.topic == "platform-api-admin" and method in (None, p.method)]


def items(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["_embedded"]["items"]


def test_a_partner_admin_creates_a_customer_user_who_logs_in_at_once_and_the_creation_is_published(live):
    partner = as_(live, PARTNER_ADMIN)
    r = partner.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={
        "email": "new.hire@wagner.example.com", "password": "s3cret", "firstName": "New", "lastName": "Hire",
        "extension": "8801"})
    assert r.status_code == 201, r.text
    user = r.json()
    customer = account_id(live)
    assert user == {**user, "accountId": customer, "name": "New Hire", "role": "USER", "extension": "8801"}
    assert login(live, "new.hire@wagner.example.com", "s3cret").status_code == 200
    assert live.sim.cloudlink.directory.user_for_extension("8801").user_id == user["userId"]
    # the same account by id, number and label
    for ref in (customer, ACCOUNT_NUMBER, "wagner"):
        assert partner.get(f"/accounts/{ref}/users/{user['userId']}").json() == user
    [published] = publications(live, "POST")
    assert published.subject == f"/accounts/{customer}/users/{user['userId']}"
    assert published.content == user and published.account_id == customer
    # the CloudLink guides' "User Provisioning Automation" subscription filters
    assert re.search(f"^/accounts/{customer}/users", published.subject)


def test_a_user_reads_its_own_account_directory_but_changes_nothing(live):
    agent = as_(live, AGENT)
    users = items(agent.get(f"/accounts/{ACCOUNT_NUMBER}/users", params={"$filter": f"email eq '{AGENT}'"}))
    assert [u["email"] for u in users] == [AGENT]
    assert agent.get(f"/accounts/{ACCOUNT_NUMBER}/users/{users[0]['userId']}").status_code == 200
    assert [a["accountNumber"] for a in items(agent.get("/accounts"))] == [ACCOUNT_NUMBER]
    refused = agent.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={"email": "x@wagner.example.com"})
    assert refused.status_code == 403 and refused.json()["name"] == "ForbiddenError"
    assert agent.put(f"/accounts/{ACCOUNT_NUMBER}/users/{users[0]['userId']}", json={"role": "ACCOUNT_ADMIN"}
                     ).status_code == 403
    assert agent.get(f"/accounts/{ACCOUNT_NUMBER}/clients").status_code == 403
    assert agent.get("/accounts/wagner-partners/users").status_code == 403
    guest = live.http.post(f"{AUTH}/guest/token", headers=agent.headers, json={
        "principalId": "7688c81e-c6ea-4777-a1a2-8163ed318a19", "accountId": ACCOUNT_NUMBER}).json()
    assert agent.get(f"/accounts/{ACCOUNT_NUMBER}/users", headers={
        "Authorization": f"Bearer {guest['access_token']}"}).status_code == 403
    assert not publications(live)


def test_an_account_admin_manages_its_account_but_not_the_partners(live):
    admin, partner = as_(live, ACCOUNT_ADMIN), as_(live, PARTNER_ADMIN)
    assert [a["accountNumber"] for a in items(admin.get("/accounts"))] == [ACCOUNT_NUMBER]
    assert sorted(a["label"] for a in items(partner.get("/accounts"))) == ["wagner", "wagner-partners"]
    for r in (admin.get("/accounts/wagner-partners"), admin.put("/accounts/wagner-partners", json={"name": "Mine"}),
              admin.get("/accounts/wagner-partners/users"),
              admin.post("/accounts/wagner-partners/users", json={"email": "spy@partner.example.com"})):
        assert r.status_code == 403, r.text
    renamed = admin.put(f"/accounts/{ACCOUNT_NUMBER}", json={"name": "Wagner Group AG", "accountId": "ignored"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Wagner Group AG"
    assert partner.put("/accounts/wagner", json={"label": "wagner-partners"}).status_code == 409
    [published] = publications(live, "PUT")
    assert published.subject == f"/accounts/{account_id(live)}"


def test_roles_are_granted_only_up_to_the_callers_own(live):
    admin, partner = as_(live, ACCOUNT_ADMIN), as_(live, PARTNER_ADMIN)
    assert admin.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={
        "email": "boss@wagner.example.com", "role": "PARTNER_ADMIN"}).status_code == 403
    assert admin.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={
        "email": "second.admin@wagner.example.com", "role": "ACCOUNT_ADMIN"}).status_code == 201
    customer_partner_admin = partner.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={
        "email": "boss@wagner.example.com", "role": "PARTNER_ADMIN"})
    assert customer_partner_admin.status_code == 400 and "partner account" in customer_partner_admin.json()["message"]
    assert partner.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={"email": AGENT}).status_code == 409
    taken = partner.post(f"/accounts/{ACCOUNT_NUMBER}/users", json={"email": "x@wagner.example.com",
                                                                   "extension": "5001"})
    assert taken.status_code == 409 and "5001" in taken.json()["message"]


def test_a_deleted_user_loses_its_tokens_its_login_and_its_groups(live):
    admin = as_(live, ACCOUNT_ADMIN)
    agent_token = login(live, AGENT).json()["access_token"]
    user_id = items(admin.get(f"/accounts/{ACCOUNT_NUMBER}/users", params={"$filter": f"email eq '{AGENT}'"}))[0]
    group = admin.post(f"/accounts/{ACCOUNT_NUMBER}/groups", json={"name": "Sales"}).json()
    assert admin.post(f"/accounts/{ACCOUNT_NUMBER}/groups/{group['groupId']}/members",
                      json={"userId": user_id["userId"]}).status_code == 201
    assert admin.delete(f"/accounts/{ACCOUNT_NUMBER}/users/{user_id['userId']}").status_code == 204
    assert live.http.get(f"{AUTH}/token", headers={"Authorization": agent_token}).status_code == 401
    assert login(live, AGENT).status_code == 401
    assert items(admin.get(f"/accounts/{ACCOUNT_NUMBER}/groups/{group['groupId']}/members")) == []
    assert admin.get(f"/accounts/{ACCOUNT_NUMBER}/users/{user_id['userId']}").status_code == 404
    [deleted] = publications(live, "DELETE")
    assert deleted.subject.endswith(f"/users/{user_id['userId']}") and deleted.content["email"] == AGENT


@pytest.mark.parametrize("path", ["clients", "client"])
def test_a_created_client_gets_a_token_at_once_and_loses_it_when_deactivated(live, path):
    admin = as_(live, ACCOUNT_ADMIN)
    r = admin.post(f"/accounts/{ACCOUNT_NUMBER}/{path}", json={
        "name": "My App Client", "role": "ACCOUNT_ADMIN", "type": "DEFAULT", "active": True})
    assert r.status_code == 201, r.text
    created = r.json()
    grant = {"grant_type": "client_credentials", "client_id": created["clientId"],
             "client_secret": created["clientSecret"], "account_id": ACCOUNT_NUMBER}
    pair = live.http.post(f"{AUTH}/token", json=grant)
    assert pair.status_code == 200, pair.text
    bearer = {"Authorization": f"Bearer {pair.json()['access_token']}"}
    listed = items(admin.get(f"/accounts/{ACCOUNT_NUMBER}/clients"))
    assert created["clientId"] in [c["clientId"] for c in listed]
    assert not any("clientSecret" in c for c in listed)
    assert "clientSecret" not in publications(live, "POST")[0].content
    # the client is an ACCOUNT_ADMIN itself
    assert httpx.get(f"{live.base_url}{ADMIN}/accounts/{ACCOUNT_NUMBER}/clients", headers=bearer).status_code == 200
    off = admin.put(f"/accounts/{ACCOUNT_NUMBER}/clients/{created['clientId']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert live.http.get(f"{AUTH}/token", headers=bearer).status_code == 401
    assert live.http.post(f"{AUTH}/token", json=grant).status_code == 401
    assert admin.delete(f"/accounts/{ACCOUNT_NUMBER}/clients/{created['clientId']}").status_code == 204
    assert admin.get(f"/accounts/{ACCOUNT_NUMBER}/clients/{created['clientId']}").status_code == 404


def test_bulk_user_operations_apply_all_or_nothing(live):
    admin = as_(live, ACCOUNT_ADMIN)
    users = f"/accounts/{ACCOUNT_NUMBER}/users"
    other = items(admin.get(users, params={"$filter": f"email eq '{OTHER_AGENT}'"}))[0]["userId"]
    failing = admin.patch(users, json={"operations": [
        {"op": "add", "value": {"email": "bulk.one@wagner.example.com"}},
        {"op": "remove", "userId": "no-such-user"}]})
    assert failing.status_code == 404 and failing.json()["message"].startswith("operations[1]: ")
    invalid = admin.patch(users, json={"operations": [{"op": "add", "value": {"role": "USER"}}]})
    assert invalid.status_code == 400 and invalid.json()["message"] == (
        "operations[0]: value should have required property 'email'")
    assert items(admin.get(users, params={"$filter": "email eq 'bulk.one@wagner.example.com'"})) == []
    assert not publications(live)
    done = admin.patch(users, json={"operations": [
        {"op": "add", "value": {"email": "bulk.one@wagner.example.com", "password": "pw"}},
        {"op": "replace", "userId": other, "value": {"name": "Mary F."}},
        {"op": "remove", "userId": other}]})
    assert done.status_code == 200, done.text
    assert [(o["op"], o["status"]) for o in done.json()["operations"]] == [("add", 201), ("replace", 200),
                                                                          ("remove", 204)]
    assert login(live, "bulk.one@wagner.example.com", "pw").status_code == 200
    assert admin.get(f"{users}/{other}").status_code == 404
    assert [p.method for p in publications(live)] == ["POST", "PUT", "DELETE"]


def test_groups_members_and_sites(live):
    admin, agent = as_(live, ACCOUNT_ADMIN), as_(live, AGENT)
    base = f"/accounts/{ACCOUNT_NUMBER}"
    site = admin.post(f"{base}/sites", json={"name": "Toronto", "timezone": "America/Toronto",
                                             "address": {"city": "Toronto", "country": "CA"}, "latitude": 43.65,
                                             "longitude": -79.38, "outboundDigits": "9"}).json()
    group = admin.post(f"{base}/groups", json={"name": "Support", "extension": "8810", "siteId": site["siteId"]})
    assert group.status_code == 201, group.text
    group_id = group.json()["groupId"]
    me = items(agent.get(f"{base}/users", params={"$filter": f"email eq '{AGENT}'"}))[0]
    members = f"{base}/groups/{group_id}/members"
    assert admin.post(members, json={"userId": me["userId"]}).status_code == 201
    assert admin.post(members, json={"userId": me["userId"]}).status_code == 200  # already a member
    assert [m["email"] for m in items(agent.get(members))] == [AGENT]
    assert agent.get(f"{base}/groups/{group_id}").json()["memberCount"] == 1
    assert agent.delete(f"{members}/{me['userId']}").status_code == 403
    assert admin.delete(f"{base}/sites/{site['siteId']}").status_code == 409
    assert admin.put(f"{base}/groups/{group_id}", json={"siteId": None}).json()["siteId"] is None
    assert admin.delete(f"{base}/sites/{site['siteId']}").status_code == 204
    assert admin.delete(f"{members}/{me['userId']}").status_code == 204
    assert admin.post(f"{base}/groups", json={"name": "Clash", "extension": "5001"}).status_code == 409
    subjects = [p.subject.removeprefix(f"/accounts/{account_id(live)}") for p in publications(live)]
    assert f"/groups/{group_id}/members/{me['userId']}" in subjects and f"/sites/{site['siteId']}" in subjects
    # what the API made is in snapshots, and comes back byte for byte
    admin.post(f"{base}/sites", json={"name": "Ottawa", "address": {"city": "Ottawa"}, "latitude": 45.4})
    saved = live.http.get("/_sim/snapshot").content
    live.http.post("/_sim/reset")
    assert live.http.post("/_sim/restore", content=saved).status_code == 200
    assert live.http.get("/_sim/snapshot").content == saved
    assert items(as_(live, ACCOUNT_ADMIN).get(f"{base}/groups"))[0]["groupId"] == group_id


def test_personal_contacts_are_seen_by_their_creator_only_and_entities_list_the_directory(live):
    admin, agent, colleague = as_(live, ACCOUNT_ADMIN), as_(live, AGENT), as_(live, OTHER_AGENT)
    contacts = f"/accounts/{ACCOUNT_NUMBER}/contacts"
    personal = agent.post(contacts, json={"type": "PERSONAL_CONTACT", "name": "Mum", "phone": "+15551234"})
    assert personal.status_code == 201, personal.text
    personal_id = personal.json()["contactId"]
    assert agent.post(contacts, json={"type": "CORPORATE", "name": "Supplier"}).status_code == 403
    corporate = admin.post(contacts, json={"type": "CORPORATE", "name": "Supplier", "email": "s@example.com"}).json()
    assert {c["contactId"] for c in items(agent.get(contacts))} == {personal_id, corporate["contactId"]}
    for other in (colleague, admin):
        assert [c["contactId"] for c in items(other.get(contacts))] == [corporate["contactId"]]
        assert other.get(f"{contacts}/{personal_id}").status_code == 404
        assert other.delete(f"{contacts}/{personal_id}").status_code == 404
    assert agent.put(f"{contacts}/{personal_id}", json={"name": "Mom"}).json()["name"] == "Mom"
    assert agent.put(f"{contacts}/{personal_id}", json={"type": "GUEST"}).status_code == 400
    assert [p.principal_filter for p in publications(live) if p.content["contactId"] == personal_id] == [
        [personal.json()["createdBy"]]] * 2

    entities = f"/accounts/{ACCOUNT_NUMBER}/entities"
    kinds = {e["entityType"] for e in items(admin.get(entities))}
    assert kinds == {"USER", "CONTACT", "CLIENT"}
    assert "CLIENT" not in {e["entityType"] for e in items(agent.get(entities))}
    assert agent.get(f"{entities}/{personal_id}").json()["name"] == "Mom"
    assert colleague.get(f"{entities}/{personal_id}").status_code == 404
    user = items(agent.get(entities, params={"$filter": f"email eq '{AGENT}'"}))[0]
    assert user["entityType"] == "USER" and user["entityId"] == user["userId"]


def test_applications_are_managed_by_the_partner_admins_of_their_prime_account(live):
    partner, admin = as_(live, PARTNER_ADMIN), as_(live, ACCOUNT_ADMIN)
    app = f"/applications/{CLOUDLINK_APPLICATION_ID}"
    uris = ["https://new.example.com/done"]
    assert admin.put(app, json={"redirectUris": uris}).status_code == 403
    r = partner.put(app, json={"redirectUris": uris, "description": "ours"})
    assert r.status_code == 200 and r.json()["redirectUris"] == uris
    assert partner.get(app).json()["description"] == "ours"
    form = {"client_id": CLOUDLINK_APPLICATION_ID, "response_type": "code", "username": AGENT,
            "password": "password"}
    assert live.http.post(f"{AUTH}/authorize", data={**form, "redirect_uri": uris[0]}).status_code == 201
    assert live.http.post(f"{AUTH}/authorize", data={**form, "redirect_uri": "https://app.example.com/loginsuccess"}
                          ).status_code == 400
    assert partner.put(app, json={"active": False}).status_code == 200
    assert live.http.post(f"{AUTH}/authorize", data=form).status_code == 401
    assert publications(live, "PUT")[-1].subject == app
