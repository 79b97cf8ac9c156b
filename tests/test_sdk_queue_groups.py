"""Queue groups answer from the world (their member queues, their summed Queue Now, the conversations waiting
in them), and deleting a queue removes it, except while conversations wait in it (refused, nothing changes)."""

from __future__ import annotations

from conftest import only_1001_world

from micc_sim.world.catalog_config import CatalogConfig, QueueGroupConfig

# the operations these tests exercise (the suite's guard looks for each id)
COVERS = [
    "Queue_GetQueueGroupMembers", "Queue_GetGroupConversation", "Queue_GetGroupState", "Queue_DeleteQueue"
]

def grouped_world():
    config = only_1001_world("never")
    config.catalog = CatalogConfig(queue_groups=[QueueGroupConfig(name="Digital", reporting="G1",
                                                                  queues=["Web Chat", "Social Media"])])
    return config


def test_a_groups_state_is_its_member_queues_added_up(live_with):
    live = live_with(world=grouped_world())
    sdk = live.sdk(live.token())
    group = sdk.get("/queuegroups/states").json()["_embedded"]["items"][0]
    assert (group["name"], group["isGroup"], group["waitingConversations"]) == ("Digital", True, 0)
    members = sdk.get(f"/queuegroups/{group['id']}/members").json()["_embedded"]["items"]
    assert [q["name"] for q in members] == ["Web Chat", "Social Media"]
    client = live.sdk(live.client_token())
    items = [client.post("/openmedia", json={"queue": q}).json() for q in ("Web Chat", "Social Media", "Social Media")]
    live.advance(5)
    state = sdk.get(f"/queuegroups/{group['id']}/state").json()
    queues = [sdk.get(f"/queues/{q['id']}/state").json() for q in members]
    assert state["waitingConversations"] == sum(q["waitingConversations"] for q in queues) == 2
    assert state["offeredConversationsToday"] == sum(q["offeredConversationsToday"] for q in queues) == 3
    assert state["longestWaitingConversationDuration"] == max(q["longestWaitingConversationDuration"] for q in queues)
    waiting = [i for i in items if sdk.get(f"/openmedia/{i['id']}").json()["conversationState"] == "InQueue"]
    conversation = sdk.get(f"/queuegroups/G1/conversations/{waiting[0]['id']}")
    assert conversation.status_code == 200 and conversation.json()["conversationId"] == waiting[0]["id"]
    offered = next(i for i in items if i not in waiting)
    assert sdk.get(f"/queuegroups/G1/conversations/{offered['id']}").status_code == 404
    assert sdk.get("/queuegroups/nope/state").status_code == 404


def test_a_queue_with_waiting_conversations_is_not_deleted_an_empty_one_is(live_with):
    live = live_with(world=grouped_world())
    sdk = live.sdk(live.token())
    client = live.sdk(live.client_token())
    client.post("/openmedia", json={"queue": "Web Chat"})
    client.post("/openmedia", json={"queue": "Social Media"})  # waits: 1001 has the first one
    social = sdk.get("/queues/P7002").json()
    refused = sdk.delete(f"/queues/{social['id']}")
    assert refused.status_code == 409 and "waiting" in refused.json()["message"]
    assert sdk.get(f"/queues/{social['id']}").status_code == 200
    training = sdk.get("/queues/P7004").json()
    assert sdk.delete(f"/queues/{training['id']}").status_code == 200
    assert sdk.get(f"/queues/{training['id']}").status_code == 404
    assert training["id"] not in {q["id"] for q in sdk.get("/queues").json()["_embedded"]["items"]}
    assert sdk.delete(f"/queues/{training['id']}").status_code == 404
    saved = live.http.get("/_sim/snapshot").content
    live.http.post("/_sim/restore", content=saved, headers={"Content-Type": "application/json"})
    assert sdk.get(f"/queues/{training['id']}").status_code == 404  # still deleted after a restore
    posted = client.post("/openmedia", json={"queue": "Training"}).json()
    assert sdk.get(f"/openmedia/{posted['id']}").json()["queueName"] != "Training"
    agent = live.sdk(live.token(next(e["username"] for e in sdk.get("/employees").json()["_embedded"]["items"]
                                     if e.get("reporting") == "1001"), "password"))
    assert agent.delete(f"/queues/{social['id']}").status_code == 403
