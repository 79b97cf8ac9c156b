"""Admin's photos (users, contacts, groups), the SCIM key and the caller's GET /users (the Admin API Guide)."""

from __future__ import annotations

import struct
import zlib

from tests.test_cloudlink_admin import ACCOUNT_ADMIN, ADMIN, AGENT, OTHER_AGENT, PARTNER_ADMIN, account_id, items


def png(width: int = 1, height: int = 1) -> bytes:
    """A real (tiny, grey) PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_user_uploads_a_photo_and_every_get_of_the_user_names_where_it_is_served(live):
    account = account_id(live)
    with live.cloudlink(AGENT) as agent, live.cloudlink(OTHER_AGENT) as other:
        me = agent.get("/authentication/2017-09-01/token").json()["principalId"]
        path = f"{ADMIN}/accounts/{account}/users/{me}"
        assert "photoUrl" not in agent.get(path).json()
        image = png(4, 4)
        r = agent.put(f"{path}/photo", content=image, headers={"Content-Type": "image/png"})
        assert r.status_code == 200, r.text
        url = r.json()["photoUrl"]
        assert url == f"{live.base_url}{path}/photo"
        [published] = [p for p in live.sim.cloudlink.notify.log if p.topic == "platform-api-admin"]
        assert (published.method, published.content["photoUrl"]) == ("PUT", url)  # the user changed
        assert other.get(path).json()["photoUrl"] == url
        listed = {u["userId"]: u.get("photoUrl") for u in items(other.get(f"{ADMIN}/accounts/{account}/users"))}
        assert listed[me] == url
        served = other.get(url)
        assert (served.status_code, served.headers["content-type"], served.content) == (200, "image/png", image)
        assert other.put(f"{path}/photo", content=image, headers={"Content-Type": "image/png"}).status_code == 403
        assert agent.post(f"{path}/photo", content=b"not an image", headers={"Content-Type": "image/png"}
                          ).json()["name"] == "BadRequestError"
        assert agent.post(f"{path}/photo", content=image, headers={"Content-Type": "text/plain"}
                          ).status_code == 415
        huge = agent.post(f"{path}/photo", content=image + b"\x00" * (1024 * 1024),
                          headers={"Content-Type": "image/png"})
        assert (huge.status_code, huge.json()["name"]) == (413, "PayloadTooLargeError")
        assert agent.delete(f"{path}/photo").status_code == 204
        assert "photoUrl" not in agent.get(path).json() and other.get(url).status_code == 404


def test_an_admin_sets_photos_of_groups_and_contacts_and_they_survive_a_snapshot(live):
    account = account_id(live)
    with live.cloudlink(ACCOUNT_ADMIN) as admin:
        group = admin.post(f"{ADMIN}/accounts/{account}/groups", json={"name": "Sales"}).json()["groupId"]
        contact = admin.post(f"{ADMIN}/accounts/{account}/contacts", json={"name": "Ada"}).json()["contactId"]
        for kind, entity in (("groups", group), ("contacts", contact)):
            r = admin.post(f"{ADMIN}/accounts/{account}/{kind}/{entity}/photo", content=png(),
                           headers={"Content-Type": "image/png"})
            assert r.status_code == 200, r.text
        saved = live.http.get("/_sim/snapshot").content
        live.http.post("/_sim/reset")
        restored = live.http.post("/_sim/restore", content=saved, headers={"Content-Type": "application/json"})
        assert restored.status_code == 200, restored.text
    with live.cloudlink(AGENT) as agent:
        assert agent.get(f"{ADMIN}/accounts/{account}/groups/{group}").json()["photoUrl"].endswith(
            f"/groups/{group}/photo")
        assert agent.get(f"{ADMIN}/accounts/{account}/contacts/{contact}/photo").content == png()
        assert agent.put(f"{ADMIN}/accounts/{account}/groups/{group}/photo", content=png(),
                         headers={"Content-Type": "image/png"}).status_code == 403


def test_the_scim_key_is_for_the_accounts_admins_and_a_new_one_replaces_the_last(live):
    account = account_id(live)
    with (live.cloudlink(ACCOUNT_ADMIN) as admin, live.cloudlink(AGENT) as agent,
          live.cloudlink(PARTNER_ADMIN) as partner):
        first = admin.post(f"{ADMIN}/accounts/{account}/scimkey")
        assert first.status_code == 201, first.text
        assert first.json()["accountId"] == account and len(first.json()["scimKey"]) >= 32
        second = partner.post(f"{ADMIN}/accounts/105444491/scimkey").json()  # the account's number works too
        assert second["scimKey"] != first.json()["scimKey"]
        assert live.sim.cloudlink.directory.scim_keys[account].key == second["scimKey"]
        denied = agent.post(f"{ADMIN}/accounts/{account}/scimkey")
        assert (denied.status_code, denied.json()["name"]) == (403, "ForbiddenError")


def test_get_users_is_the_callers_view_across_its_accounts(live):
    with live.cloudlink(AGENT) as agent, live.cloudlink(PARTNER_ADMIN) as partner:
        own = {u["accountId"] for u in items(agent.get(f"{ADMIN}/users"))}
        assert own == {account_id(live)}
        emails = {u["email"] for u in items(partner.get(f"{ADMIN}/users"))}
        assert {PARTNER_ADMIN, ACCOUNT_ADMIN, AGENT} <= emails
        page = agent.get(f"{ADMIN}/users?$top=2").json()
        assert page["count"] == 2 and "next" in page["_links"]
