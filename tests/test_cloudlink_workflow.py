"""The workflow webhook as Mitel's bot-handoff sample posts to it: a bot conversation handed off to a MiCC agent."""

from __future__ import annotations

import json

from micc_sim.world.seed import ACCOUNT_NUMBER

WORKERS = f"/workflow/2017-09-01/webhooks/accounts/{ACCOUNT_NUMBER}/workers"
USER = {"id": "81af249a-cf92-4650-a9fd-4b5b241500ca", "name": "User", "role": "user"}
CONVERSATION = {"id": "b3bb18d0-3a2c-11ef-b520-7134a09df485|livechat"}


def send(live, activity: dict):
    """As the sample's fetch does: a JSON string body, no JSON content type, no bearer token."""
    return live.http.post(WORKERS, content=json.dumps(activity), headers={"Content-Type": "text/plain;charset=UTF-8"})


def test_a_handoff_puts_the_bot_conversation_in_the_contact_center_until_the_client_leaves(live):
    r = send(live, {"type": "message", "text": "hi", "from": USER, "conversation": CONVERSATION})
    assert (r.status_code, r.json()["state"]) == (200, "bot"), r.text
    transcript = [{"from": USER, "to": {"id": "bot", "name": "Bot"}, "text": "I want a human", "textFormat": "plain",
                   "timestamp": "2026-11-22T08:59:00.000Z"}]
    handed = send(live, {"type": "handoff", "conversation": CONVERSATION, "from": USER, "transcript": transcript,
                         "custom": {"topic": "billing"}}).json()
    assert handed["state"] in ("queued", "agent") and handed["itemId"]
    item = live.sim.world.items[handed["itemId"]]
    assert item.from_ == "User" and "I want a human" in item.variable_data["transcript"]
    assert item.variable_data["custom.topic"] == "billing"
    assert handed["state"] == "queued" and item.state.name in ("InQueue", "Offered")
    for e in live.world()["employees"]:  # one agent, who takes it: the default profile accepts after 3 s
        if e["role"] == "agent":
            live.set_agent(e["username"], logged_in=e["username"] == "tcervantes", ready_media=["OpenMedia"],
                           profile="default")
    live.advance(5)
    assert live.sim.world.items[handed["itemId"]].state.name == "Acd"
    with_agent = send(live, {"type": "typing", "from": USER, "conversation": CONVERSATION}).json()
    assert (with_agent["state"], with_agent["agentId"]) == ("agent", live.sim.world.employee("tcervantes").id)
    published = [p for p in live.sim.cloudlink.notify.log if p.topic == "platform-api-workflow"]
    assert [p.content["activity"]["type"] for p in published] == ["message", "handoff", "typing"]
    again = send(live, {"type": "handoff", "conversation": CONVERSATION, "from": USER}).json()
    assert again["itemId"] == handed["itemId"]  # the same handoff while it waits
    said = send(live, {"type": "message", "text": "still there?", "from": USER, "conversation": CONVERSATION})
    assert said.json()["messageCount"] == 1
    left = send(live, {"type": "conversationUpdate", "from": USER, "membersAdded": [], "membersRemoved": [USER],
                       "conversation": CONVERSATION}).json()
    assert left["state"] == "ended"
    assert not live.sim.world.items[handed["itemId"]].live


def test_the_webhook_refuses_what_is_not_an_activity_in_cloudlinks_error_shape(live):
    assert send(live, {"type": "message"}).json()["name"] == "ValidationError"
    bad = live.http.post(WORKERS, content="{not json", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 400 and set(bad.json()) == {"name", "message"}
    unknown = live.http.post("/workflow/2017-09-01/webhooks/accounts/999999999/workers",
                             content=json.dumps({"type": "typing", "conversation": CONVERSATION}))
    assert (unknown.status_code, unknown.json()["name"]) == (404, "NotFoundError")
