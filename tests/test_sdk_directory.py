"""The directory as Mitel's contacts sample uses it: $search with and without a type filter (ADGroup, ADUser,
ADContact), contacts added and edited with PascalCase names and no siteId, every answer from the world."""

from __future__ import annotations

from contract import assert_conforms

AD = ("Type eq Mitel.MiccSdk.Models.DirectoryEntryType'ADGroup' or Type eq Mitel.MiccSdk.Models.DirectoryEntryType"
      "'ADUser' or Type eq Mitel.MiccSdk.Models.DirectoryEntryType'ADContact'")
JSON = {"content-type": "application/json"}


def names(r):
    assert r.status_code == 200, r.text
    return sorted(e["name"] for e in r.json()["_embedded"]["items"])


def test_search_any_type_finds_entries_with_every_word(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/directory", params={"$search": "'Lovelace'"})
    assert_conforms(r, "Directory_GetDirectoryEntries")
    assert names(r) == ["Ada Lovelace"]
    assert names(sdk.get("/directory", params={"$search": "'support acme'"})) == ["Acme Support"]
    assert names(sdk.get("/directory", params={"$search": "'Support Voice'"})) == ["Support Voice"]  # a queue
    assert names(sdk.get("/directory", params={"$search": "'nobody-by-that-name'"})) == []


def test_search_with_the_active_directory_filter_the_sample_sends(live):
    sdk = live.sdk(live.token())
    everything = sdk.get("/directory", params={"$filter": AD}).json()["_embedded"]["items"]
    assert {e["type"] for e in everything} == {"ADGroup", "ADUser", "ADContact"}
    assert names(sdk.get("/directory", params={"$search": "'corp'", "$filter": AD})) == ["Grace Hopper", "Sales Team"]
    elastic = sdk.get("/directory", params={
        "$search": "'a'", "$filter": "Type eq Mitel.MiccSdk.Models.DirectoryEntryType'ElasticContact'"})
    assert {e["type"] for e in elastic.json()["_embedded"]["items"]} == {"ElasticContact"}


def test_a_contact_added_and_edited_as_the_sample_sends_it(live):
    sdk = live.sdk(live.token())
    body = """{
\t\t\t"Name":"Jane Roe",
\t\t\t"Email":"jane@roe.example",
\t\t\t"Phone":"+1 (555) 0199",
\t\t\t"Extension":"",
\t\t\t"MobilePhone":"+1 555 0123"
\t\t}"""
    r = sdk.post("/directory", content=body, headers=JSON)
    assert r.status_code == 201, r.text
    assert_conforms(r, "Directory_PostDirectoryEntry")
    created = r.json()
    assert created["type"] == "ElasticContact" and created["siteId"] == live.world()["site"]["id"]
    assert created["phoneDialable"] == "+15550199" and created["extension"] is None
    assert names(sdk.get("/directory", params={"$search": "'Roe'"})) == ["Jane Roe"]
    edited = body.replace("Jane Roe", "Jane Doe").replace('"Extension":""', '"Extension":"4242"')
    r = sdk.put(f"/directory/{created['id']}", content=edited, headers=JSON)
    assert r.status_code == 200, r.text
    assert_conforms(r, "Directory_PutDirectoryEntry")
    again = sdk.get(f"/directory/{created['id']}").json()
    assert (again["name"], again["extension"], again["createdOn"]) == ("Jane Doe", "4242", created["createdOn"])
    assert names(sdk.get("/directory", params={"$search": "'Roe'"})) == ["Jane Doe"]


def test_what_the_directory_cannot_change_is_a_400(live):
    sdk = live.sdk(live.token())
    entries = sdk.get("/directory").json()["_embedded"]["items"]
    ad_user = next(e for e in entries if e["type"] == "ADUser")
    employee = next(e for e in entries if e["type"] == "Employee")
    r = sdk.put(f"/directory/{ad_user['id']}", json={"Name": "Someone Else"})
    assert r.status_code == 400 and "read-only" in r.json()["message"]
    assert sdk.put(f"/directory/{employee['id']}", json={"Name": "X"}).status_code == 400
    assert sdk.put("/directory/not-an-entry", json={"Name": "X"}).status_code == 404
    assert sdk.post("/directory", json={"Name": "Y", "Type": "ADGroup"}).status_code == 400
    assert sdk.post("/directory", json={"Email": "no-name@example.com"}).status_code == 400
    r = sdk.post("/directory", json={"Name": "Z", "SiteId": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 400 and "model.siteId" in r.json()["modelState"]
    assert sdk.get("/directory", params={"$search": "x" * 300}).status_code == 400


def test_contacts_survive_a_snapshot_and_restore(live):
    sdk = live.sdk(live.token())
    created = sdk.post("/directory", json={"Name": "Kept Contact"}).json()
    snapshot = live.http.get("/_sim/snapshot").json()
    live.http.post("/_sim/reset")
    assert sdk.get(f"/directory/{created['id']}").status_code in (401, 404)
    assert live.http.post("/_sim/restore", json=snapshot).status_code == 200
    token = live.token()
    assert live.sdk(token).get(f"/directory/{created['id']}").json()["name"] == "Kept Contact"
