"""The MiCC server's configuration tags (WarningReason, MailServer, Prompt, Variables, ApplicationProfile, Dnis,
Extension) answer from the world: a list and a get agree, a world file's entries are what they show, and a change
of the world (an employee's new extension) shows at once."""

from __future__ import annotations

import pytest

from micc_sim.world.catalog_config import CatalogConfig, DnisConfig, NamedConfig, VariableConfig
from micc_sim.world.seed import default_world

COVERS = ["ApplicationProfile_GetApplicationProfiles", "ApplicationProfile_GetApplicationProfile"]
TAGS = [("/warningreasons", "name"), ("/prompts", "name"), ("/mailservers", "name"), ("/variables", "name"),
        ("/dnis", "phoneNumber"), ("/extensions", "reporting"), ("/applicationprofiles/Ignite", "name")]


@pytest.mark.parametrize(("path", "field"), TAGS)
def test_each_listed_entry_is_the_entry_its_link_and_id_answer(live, path, field):
    sdk = live.sdk(live.token())
    listed = sdk.get(path).json()["_embedded"]["items"]
    assert listed, path
    for entry in listed:
        one = sdk.get(f"{path}/{entry['id']}")
        assert one.status_code == 200, one.text
        assert one.json() == entry
        assert entry["_links"]["self"]["href"].endswith(f"{path}/{entry['id']}")
    assert sdk.get(f"{path}/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_world_files_catalog_is_what_the_sdk_shows(live_with):
    config = default_world()
    config.catalog = CatalogConfig(
        warning_reasons=[NamedConfig(name="Rude customer")], prompts=[NamedConfig(name="Queue music")],
        variables=[VariableConfig(name="OrderNumber", type="Number")],
        dnis=[DnisConfig(name="Support line", number="+15551230000", reporting="D1", queue="Support Voice")])
    live = live_with(world=config)
    sdk = live.sdk(live.token())
    assert [r["name"] for r in sdk.get("/warningreasons").json()["_embedded"]["items"]] == ["Rude customer"]
    assert [p["name"] for p in sdk.get("/prompts").json()["_embedded"]["items"]] == ["Queue music"]
    assert sdk.get("/variables/OrderNumber").json()["type"] == "Number"
    dnis = sdk.get("/dnis/+15551230000").json()
    queue = sdk.get("/queues/P9001").json()
    assert (dnis["name"], dnis["mediaServerRefId"], dnis["serviceLevel"]) == (
        "Support line", queue["mediaServerRefId"], queue["serviceLevel"])


def test_a_hot_desk_login_moves_the_agents_extension(live):
    sdk = live.sdk(live.token())
    agent = next(a for a in sdk.get("/agents").json()["_embedded"]["items"] if a["reporting"] == "1005")
    mine = sdk.get(f"/employees/{agent['id']}/extensions").json()["_embedded"]["items"]
    assert [e["reporting"] for e in mine] == [str(int(agent["reporting"]) + 4000)]
    assert sdk.get(f"/extensions/{mine[0]['reporting']}").json() == mine[0]
    login = sdk.put(f"/employees/{agent['id']}/state",
                    json={"availableReason": "Login", "hotDeskBaseExtension": "7777"})
    assert login.status_code == 200, login.text
    moved = sdk.get(f"/employees/{agent['id']}/extensions").json()["_embedded"]["items"]
    assert [e["reporting"] for e in moved] == ["7777"]
    assert sdk.get(f"/extensions/{mine[0]['id']}").status_code == 404


def test_every_queue_has_its_number_among_the_extensions(live):
    sdk = live.sdk(live.token())
    queues = {q["reporting"]: q for q in sdk.get("/queues").json()["_embedded"]["items"]}
    acd = {e["reporting"]: e for e in sdk.get("/extensions").json()["_embedded"]["items"] if e["acdEnabled"]}
    assert set(acd) == set(queues)
    for number, ext in acd.items():
        assert (ext["name"], ext["mediaType"], ext["mediaServerRefId"]) == (
            queues[number]["name"], queues[number]["mediaType"], queues[number]["mediaServerRefId"])


def test_application_profiles_belong_to_their_application(live):
    sdk = live.sdk(live.token())
    ignite = sdk.get("/applicationprofiles/Ignite").json()["_embedded"]["items"]
    assert {p["name"] for p in ignite} == {"Default", "Supervisor"}
    assert sdk.get("/applicationprofiles/ignite/Supervisor").json()["application"] == "Ignite"
    assert sdk.get("/applicationprofiles/Nothing").json()["count"] == 0
