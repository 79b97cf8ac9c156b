"""The integrator guide's quirks on the Open Media path (docs/quirks.md), each on and off."""

from __future__ import annotations

import re
from pathlib import Path

from micc_sim.world.quirks import Quirks
from micc_sim.world.seed import default_world

OPEN_MEDIA_AGENTS = ["1001", "1002", "1003", "1004", "1005"]


def queue_stats(live, name):
    return next(q for q in live.world()["queues"] if q["name"] == name)


def test_an_unvalidated_workflow_accepts_items_but_never_offers_them(live):
    sdk = live.sdk(live.client_token())
    r = sdk.post("/openmedia", json={"queue": "Unvalidated Tasks"})
    assert r.status_code == 201
    item = r.json()
    assert item["conversationState"] == "InQueue" and item["queueName"] == "Unvalidated Tasks"
    assert item["positionInQueue"] == 0 and item["timeOfferedToQueue"] is None

    live.advance(3600)
    sdk = live.sdk(live.client_token())  # the first token expired meanwhile
    again = sdk.get(f"/openmedia/{item['id']}").json()
    assert again["conversationState"] == "InQueue" and again["agentId"] is None
    queue = next(q for q in sdk.get("/openmedia/queues").json()["_embedded"]["items"]
                 if q["name"] == "Unvalidated Tasks")
    assert queue["waitingConversations"] == 0 and queue["_links"]["conversations"] == []
    assert queue_stats(live, "Unvalidated Tasks")["stats"]["offered"] == 0


def test_without_the_quirk_an_unvalidated_queue_routes_normally(live_with):
    sim = live_with(quirks={"unvalidated_workflow_swallows_items": False})
    item = sim.sdk(sim.token()).post("/openmedia", json={"queue": "P7003"}).json()
    assert item["conversationState"] == "Offered"


def test_a_queue_whose_agent_group_has_no_members_is_offline_and_sends_items_to_the_failure_destination(live):
    sdk = live.sdk(live.token())
    queues = {q["name"]: q for q in sdk.get("/openmedia/queues").json()["_embedded"]["items"]}
    assert queues["Training"]["isInDoNotDisturb"] is True and queues["Training"]["agentsAvailable"] == 0
    assert queues["Web Chat"]["isInDoNotDisturb"] is False

    item = sdk.post("/openmedia", json={"queue": "Training"}).json()
    assert item["queueName"] == "Overflow" and item["conversationState"] == "Offered"
    training = queue_stats(live, "Training")
    assert training["online"] is False and "no members" in training["offline_reason"]
    assert training["stats"]["transfers_to_unavailable"] == 1


def test_a_queue_with_no_logged_in_available_agent_is_offline(live):
    sdk = live.sdk(live.token())
    live.set_agent("1001", presence="DoNotDisturb")
    for agent in OPEN_MEDIA_AGENTS[1:]:
        live.set_agent(agent, logged_in=False)
    web = queue_stats(live, "Web Chat")
    assert web["online"] is False and "available and ready for OpenMedia" in web["offline_reason"]

    # the failure destination is the last resort: it takes the item even though it is offline too
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
    assert item["queueName"] == "Overflow" and item["conversationState"] == "InQueue"
    assert item["positionInQueue"] == 1

    live.set_agent("1002", logged_in=True)  # an agent logs in: the waiting item is offered at once
    offered = sdk.get(f"/openmedia/{item['id']}").json()
    assert offered["conversationState"] == "Offered" and offered["agentReporting"] == "1002"


def test_busy_agents_keep_a_queue_online_availability_is_not_idleness(live):
    sdk = live.sdk(live.token())
    for _ in range(4):  # every ready agent gets an item
        sdk.post("/openmedia", json={"queue": "Web Chat"})
    web = next(q for q in sdk.get("/openmedia/queues").json()["_embedded"]["items"] if q["name"] == "Web Chat")
    assert web["agentsIdle"] == 0 and web["agentsAvailable"] == 4 and web["isInDoNotDisturb"] is False
    assert sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["queueName"] == "Web Chat"


def test_without_the_offline_quirk_items_wait_in_the_offline_queue(live_with):
    sim = live_with(quirks={"queue_offline_without_available_agents": False})
    item = sim.sdk(sim.token()).post("/openmedia", json={"queue": "Training"}).json()
    assert item["queueName"] == "Training" and item["conversationState"] == "InQueue"


def test_an_unknown_queue_goes_to_the_routing_failure_destination(live):
    item = live.sdk(live.token()).post("/openmedia", json={"queue": "No Such Queue"}).json()
    assert item["queueName"] == "Overflow"


def test_without_a_failure_destination_an_unroutable_item_fails_and_get_answers_404(live_with):
    world = default_world()
    world.media_servers[0].routing_failure_queue = None
    sim = live_with(world=world)
    sdk = sim.sdk(sim.token())
    r = sdk.post("/openmedia", json={"queue": "No Such Queue"})
    assert r.status_code == 201 and r.json()["conversationState"] == "Failed"
    assert sdk.get(f"/openmedia/{r.json()['id']}").status_code == 404
    failed = next(i for i in sim.world()["open_media"]["items"] if i["id"] == r.json()["id"])
    assert failed["failed_reason"] == "QueueNotFound"


def test_with_the_failure_destination_quirk_off_unroutable_items_fail(live_with):
    sim = live_with(quirks={"routing_failure_destination": False})
    sdk = sim.sdk(sim.token())
    assert sdk.post("/openmedia", json={"queue": "Training"}).json()["conversationState"] == "Failed"


def test_an_employee_can_reroute_a_failed_item_and_a_client_cannot(live_with):
    sim = live_with(quirks={"routing_failure_destination": False})
    client = sim.sdk(sim.client_token())
    item = client.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    sim.http.post("/_sim/iis/restart")  # drops it: Failed (and ends the client's session)
    assert client.put(f"/openmedia/{item}", json={"action": "Reroute"}).status_code == 401
    client = sim.sdk(sim.client_token())
    assert client.put(f"/openmedia/{item}", json={"action": "Reroute"}).status_code == 403
    admin = sim.sdk(sim.token())
    r = admin.put(f"/openmedia/{item}", json={"action": 1})
    assert r.status_code == 200 and r.json() == "Offered"  # routed again, and a free agent was there
    assert admin.get(f"/openmedia/{item}").json()["queueName"] == "Web Chat"
    assert admin.put(f"/openmedia/{item}", json={"action": "Reroute"}).status_code == 400  # not failed now


def test_double_slash_and_case_quirks_can_be_turned_off(live_with):
    sim = live_with(quirks={"double_slash_paths": False, "case_insensitive_paths": False})
    form = {"grant_type": "password", "username": "_admin", "password": "_password"}
    assert sim.http.post("/authorizationserver/token", data=form).status_code == 200
    assert sim.http.post("//authorizationserver/token", data=form).status_code == 404
    assert sim.http.post("/AuthorizationServer/Token", data=form).status_code == 404


def test_every_quirk_is_documented_with_its_source():
    text = (Path(__file__).parent.parent / "docs" / "quirks.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^## (\w+)\s*$", text, re.MULTILINE))
    assert set(Quirks.names()) <= headings
