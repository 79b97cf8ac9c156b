"""The workflow webhook as Mitel's bot-handoff sample posts to it: a bot conversation handed off to a MiCC agent."""

from __future__ import annotations

import json
import time

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


class _Bot:
    """A bot's messaging endpoint on loopback: it keeps what Workflow posts."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.got: list[dict] = []
        self.arrived = threading.Condition()
        bot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.end_headers()
                with bot.arrived:
                    bot.got.append(body)
                    bot.arrived.notify_all()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[dict]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.got) >= count, timeout=10), self.got
            return list(self.got)


def test_the_bot_hears_the_agent_join_and_leave_and_may_answer_at_the_service_url(live_with):
    from micc_sim.world.cloudlink_config import WorkflowBotConfig
    from micc_sim.world.seed import default_world

    bot = _Bot()
    world = default_world()
    world.cloudlink.workflow_bots.append(WorkflowBotConfig(account=ACCOUNT_NUMBER, url=bot.url))
    live = live_with(world=world)
    for e in live.world()["employees"]:
        if e["role"] == "agent":
            live.set_agent(e["username"], logged_in=e["username"] == "tcervantes", ready_media=["OpenMedia"],
                           profile="default")
    handed = send(live, {"type": "handoff", "conversation": CONVERSATION, "from": USER, "transcript": []}).json()
    live.advance(5)  # the agent accepts after 3 s
    [joined] = bot.wait_for(1)
    agent = live.sim.world.employee("tcervantes")
    assert (joined["type"], joined["membersAdded"], joined["membersRemoved"]) == (
        "conversationUpdate", [{"id": agent.id, "name": agent.name, "role": "agent"}], [])
    assert joined["conversation"] == CONVERSATION and joined["from"]["role"] == "agent"
    reply = live.http.post(joined["serviceUrl"].replace(live.base_url, "") + f"/v3/conversations/{CONVERSATION['id']}"
                           "/activities", json={"type": "message", "text": "Hello Tristan"})
    assert reply.status_code == 200 and reply.json()["id"]
    live.advance(125)  # the agent finishes the item (handle time 120 s): Workflow says the agent left
    joined, left = bot.wait_for(2)
    assert left["membersRemoved"] == joined["membersAdded"] and left["membersAdded"] == []
    assert live.sim.cloudlink.workflow.by_item(handed["itemId"]).state.value == "ended"


def test_after_the_handoff_the_agent_reads_the_client_in_cloudlink_chat_and_the_bot_gets_what_the_agent_writes(
        live_with):
    from micc_sim.world.cloudlink_config import WorkflowBotConfig
    from micc_sim.world.seed import default_world

    bot = _Bot()
    world = default_world()
    world.cloudlink.workflow_bots.append(WorkflowBotConfig(account=ACCOUNT_NUMBER, url=bot.url))
    live = live_with(world=world)
    for e in live.world()["employees"]:
        if e["role"] == "agent":
            live.set_agent(e["username"], logged_in=e["username"] == "tcervantes", ready_media=["OpenMedia"],
                           profile="default")
    transcript = [{"from": USER, "to": {"id": "bot", "name": "Bot"}, "text": "I want a human", "textFormat": "plain",
                   "timestamp": "2026-11-22T08:59:00.000Z"}]
    handoff = {"type": "handoff", "conversation": CONVERSATION, "from": USER, "transcript": transcript}
    handed = send(live, handoff).json()
    chat_id = handed["chatConversationId"]
    assert live.sim.world.items[handed["itemId"]].variable_data["chatConversationId"] == chat_id
    send(live, {"type": "message", "text": "is anyone there?", "from": USER, "conversation": CONVERSATION})
    live.advance(5)  # the agent accepts after 3 s and joins the chat
    [joined] = bot.wait_for(1)
    send(live, {"type": "message", "text": "my bill is wrong", "from": USER, "conversation": CONVERSATION})

    agent = live.sim.world.employee("tcervantes")
    user = live.sim.cloudlink.directory.user_for_micc_employee(agent.username)
    chat = live.cloudlink(user.email, "/chat/2017-09-01")
    conversation = chat.get(f"/conversations/{chat_id}").json()
    assert conversation["tags"] == ["bot-handoff"], conversation
    said = [(m["senderId"], m["body"]) for m in chat.get(f"/conversations/{chat_id}/messages").json()["_embedded"][
        "items"] if m["messageType"] == "USER"]
    assert said == [(USER["id"], "I want a human"), (USER["id"], "is anyone there?"), (USER["id"], "my bill is wrong")]
    sdk = live.sdk(live.token()).get(f"/chat/cloudlink/{chat_id}/transcripts/{agent.username}")
    assert sdk.status_code == 200 and sdk.json()["body"].endswith("User: my bill is wrong"), sdk.text

    wrote = chat.post(f"/conversations/{chat_id}/messages", json={"body": "Hello, I can help with that"})
    assert wrote.status_code == 201, wrote.text
    _, relayed = bot.wait_for(2)
    assert (relayed["type"], relayed["text"], relayed["from"], relayed["recipient"], relayed["conversation"]) == (
        "message", "Hello, I can help with that", joined["membersAdded"][0], {**USER}, CONVERSATION)
    assert relayed["channelId"] == joined["channelId"] and relayed["serviceUrl"] == joined["serviceUrl"]
    assert len(bot.got) == 2  # the client's lines, written into the chat by Workflow, are not sent back


def test_a_bot_url_naming_the_simulator_itself_gets_nothing(live):
    """Workflow's posts go through the delivery guard: a bot endpoint on the simulator's own socket (here its
    control API's reset) is never called, so the handoff survives."""
    from micc_sim.world.cloudlink_config import WorkflowBotConfig

    live.sim.cloudlink.config.workflow_bots.append(
        WorkflowBotConfig(account=ACCOUNT_NUMBER, url=f"{live.base_url}/_sim/reset"))
    for e in live.world()["employees"]:
        if e["role"] == "agent":
            live.set_agent(e["username"], logged_in=e["username"] == "tcervantes", ready_media=["OpenMedia"],
                           profile="default")
    handed = send(live, {"type": "handoff", "conversation": CONVERSATION, "from": USER, "transcript": []}).json()
    live.advance(5)  # the agent accepts: Workflow would post the conversationUpdate to the "bot"
    time.sleep(1)
    assert live.sim.cloudlink.workflow.by_item(handed["itemId"]).state.value == "agent"
