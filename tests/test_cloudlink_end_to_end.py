"""CloudLink end to end: the CloudLink guides' subscription examples, fed by the real services.

Every subscription example of the Notifications API Guide's "Use Cases" is created through the API, with a
real transport: the call-routing ones over MQTT (paho, over WebSocket, the guide's deviceId as its client id),
the others as webhooks to receivers on loopback that verify ``x-notify-signature`` over the raw body. Then
the services do the things: calls made, answered, rejected and ended between extensions 1000-1005 and
2001/2002 (Media API), chat messages in direct conversations and a public stream (Chat API), users created,
changed and deleted (Admin API), presence changed by a MiCC agent going Busy over the MiCC SDK and by the
Presence API. Each subscription must get exactly what it should, and nothing else.

The world's account has the id of the guide's example, ``10000495``, so the provisioning example's
``^/accounts/10000495/users`` is used as printed; the users' extensions are the MiCC agents' reporting numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cloudlink_notify import DEVICE, Device, Receiver, connection_url, deliveries, wait_until
from conftest import LiveSim, manual_settings, run_live

from micc_sim.faces.cloudlink.config import AccountConfig, CloudLinkConfig, UserConfig
from micc_sim.world.seed import default_world

ACCOUNT = "10000495"  # the account of the guide's provisioning example, as its id
OTHER = "105000777"
RANGE = "^/2017-09-01/endpoints/100[0-5]"  # the guide's subject filters
ON_1005 = "^/2017-09-01/endpoints/1005"
MESSAGES = "^/conversations/[^/]+/messages/[^/]+$"
STATE = "$.publications[?(@.content.state == {})]"
CL = "/authentication/2017-09-01"
MEDIA, CHAT, ADMIN, PRESENCE, NOTIFY = (f"/{s}/2017-09-01" for s in ("media", "chat", "admin", "presence",
                                                                      "notifications"))
# extension -> (login, MiCC employee): the agents' reporting numbers are their extensions here
PEOPLE = {"1000": ("reception", None), "1001": ("tristan.cervantes", "tcervantes"),
          "1002": ("emily.wilson", "ewilson"), "1003": ("max.jackson", "mjackson"), "1004": ("eve.hall", "ehall"),
          "1005": ("mia.flores", "mflores"), "2001": ("mark.foster", "mfoster"), "2002": ("gina.guzman", "gguzman")}


def e2e_world():
    """The default MiCC world with a CloudLink tenant of its own: the guide's account, and another one whose
    phones have some of the same extensions (what account scoping is about)."""
    config = default_world()
    users = [UserConfig(email="admin@budd.example.com", name="Budd Admin", role="ACCOUNT_ADMIN", account=ACCOUNT)]
    users += [UserConfig(email=f"{login}@budd.example.com", name=login.replace(".", " ").title(), account=ACCOUNT,
                         extension=ext, micc_employee=employee) for ext, (login, employee) in PEOPLE.items()]
    users += [UserConfig(email="admin@other.example.com", name="Other Admin", role="ACCOUNT_ADMIN", account=OTHER)]
    users += [UserConfig(email=f"phone{ext}@other.example.com", name=f"Other {ext}", account=OTHER, extension=ext)
              for ext in ("1003", "1005")]
    config.cloudlink = CloudLinkConfig(
        accounts=[AccountConfig(number="100000495", name="Budd Partners", label="budd-partners"),
                  AccountConfig(id=ACCOUNT, number="105000495", name="Budd Telecom", label="budd",
                                partner="100000495"),
                  AccountConfig(number=OTHER, name="Other Telecom", label="other", partner="100000495")],
        users=users)
    return config


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201, 204), (response.request.method, response.request.url, response.text)
    return response.json() if response.content else None


def me(client: httpx.Client) -> str:
    return ok(client.get(f"{CL}/token"))["principalId"]


@dataclass
class Hook:
    """One webhook subscription's receiver and what it verified."""

    application_id: str
    receiver: Receiver = field(default_factory=Receiver)

    def notifications(self) -> list[dict[str, Any]]:
        bodies = []
        for headers, raw, _ in self.receiver.received:
            expected = hmac.new(self.application_id.encode(), raw, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(expected, headers["x-notify-signature"]), "a webhook failed its signature"
            bodies.append(json.loads(raw))
        return bodies


@dataclass
class Scenario:
    live: LiveSim
    subscriptions: dict[str, str] = field(default_factory=dict)  # name -> subscriptionId
    hooks: dict[str, Hook] = field(default_factory=dict)  # name -> receiver (webhook subscriptions)
    mqtt: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subscriptionId -> notifications
    ids: dict[str, str] = field(default_factory=dict)  # what the activity created: user ids, message ids, ...
    refused: httpx.Response | None = None

    def received(self, name: str) -> list[dict[str, Any]]:
        sid = self.subscriptions[name]
        got = self.hooks[name].notifications() if name in self.hooks else self.mqtt.get(sid, [])
        assert all(n["subscription"]["subscriptionId"] == sid for n in got)
        return got


def subscribe(scenario: Scenario, client: httpx.Client, name: str, body: dict[str, Any]) -> None:
    """The guide's body; a webhook gets a receiver of its own and an applicationId to sign with."""
    if body["transport"] == "webhook":
        hook = Hook(f"app-{len(scenario.hooks) + 1}-{name.replace(' ', '-')}")
        scenario.hooks[name] = hook
        body = {**body, "deviceId": hook.receiver.url, "applicationId": hook.application_id}
    scenario.subscriptions[name] = ok(client.post(f"{NOTIFY}/subscriptions", json=body))["subscriptionId"]


def call(media: httpx.Client, caller: str, callee: str, outcome: str) -> str:
    """``caller`` rings ``callee``, who answers and then hangs up ("answered") or rejects it ("rejected")."""
    call_id = ok(media.post(f"{MEDIA}/endpoints/{caller}/calls", json={"to": callee}))["callId"]
    if outcome == "answered":
        ok(media.put(f"{MEDIA}/endpoints/{callee}/calls/{call_id}", json={"action": "answer"}))
    ok(media.put(f"{MEDIA}/endpoints/{callee}/calls/{call_id}", json={"action": "end"}))
    return call_id


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    runner = run_live(manual_settings(), e2e_world())
    live = next(runner)
    s = Scenario(live)
    budd, other = live.cloudlink("admin@budd.example.com"), live.cloudlink("admin@other.example.com")
    people = {ext: live.cloudlink(f"{login_}@budd.example.com") for ext, (login_, _) in PEOPLE.items()}
    s.ids.update({ext: me(client) for ext, client in people.items()})
    device: Device | None = None
    try:
        # -- the guide's subscriptions --------------------------------------------------------------------
        media = {"transport": "websocket", "deviceId": DEVICE, "topic": "platform-api-media"}
        subscribe(s, budd, "routing: extensions 1000-1005", {**media, "subjectFilter": RANGE})
        # printed with unescaped inner quotes (not JSON): sent escaped, as docs/cloudlink-notifications.md says
        subscribe(s, budd, "routing: ended on 1005", {**media, "subjectFilter": ON_1005,
                                                      "publicationFilter": STATE.format('"ended"')})
        hook = {"transport": "webhook", "topic": "platform-api-media"}
        subscribe(s, budd, "logging: extensions 1000-1005", {**hook, "subjectFilter": RANGE})
        subscribe(s, budd, "logging: connected on 1005", {**hook, "subjectFilter": ON_1005,
                                                          "publicationFilter": STATE.format('"connected"')})
        subscribe(s, budd, "logging: completed on 1005", {**hook, "subjectFilter": ON_1005,
                                                          "publicationFilter": STATE.format("'completed'")})
        chat = {"transport": "webhook", "topic": "platform-api-conversations", "subjectFilter": MESSAGES}
        subscribe(s, people["2001"], "chat: new messages (2001)", chat)
        subscribe(s, people["2002"], "chat: new messages (2002)", chat)
        # printed without the ")" that closes the filter: refused; the closed one is what the guide means
        s.refused = people["2001"].post(f"{NOTIFY}/subscriptions", json={
            **chat, "deviceId": DEVICE, "transport": "websocket",
            "publicationFilter": "$.publications[?(@.content.body== 'agent']"})
        subscribe(s, people["2001"], "chat: 'agent' (2001)",
                  {**chat, "publicationFilter": "$.publications[?(@.content.body== 'agent')]"})
        subscribe(s, budd, "provisioning: new users", {
            "transport": "webhook", "topic": "platform-api-admin", "subjectFilter": "^/accounts/10000495/users",
            "methodFilter": "POST"})
        presence = {"transport": "webhook", "topic": "platform-api-presence",
                    "subjectFilter": f"^/presentities/{s.ids['1004']}$"}
        subscribe(s, budd, "presence: 1004", presence)
        subscribe(s, budd, "presence: 1004 busy", {
            **presence, "publicationFilter": "$.publications[?(@.content.presences.aggregate.status == 'Busy')]"})
        subscribe(s, other, "other account: extensions 1000-1005", {**hook, "subjectFilter": RANGE})

        device = Device(connection_url(httpx.Client(base_url=live.base_url + NOTIFY, headers=budd.headers)))
        on_mqtt = [s.subscriptions[n] for n in ("routing: extensions 1000-1005", "routing: ended on 1005")]
        for sid in on_mqtt:
            assert device.subscribe(sid) == 1

        # -- the services do things -------------------------------------------------------------------------
        s.ids["call 1001->1005"] = call(budd, "1001", "1005", "answered")
        s.ids["call 2001->1003"] = call(budd, "2001", "1003", "answered")
        s.ids["call 2001->2002"] = call(budd, "2001", "2002", "answered")
        s.ids["call 1000->1005"] = call(budd, "1000", "1005", "rejected")
        s.ids["other call 1003->1005"] = call(other, "1003", "1005", "answered")

        def direct(creator: str, *others: str) -> str:
            return ok(people[creator].post(f"{CHAT}/conversations", json={
                "stream": False, "generateSystemMessages": False,
                "originalParticipants": [{"type": "USER", "participantId": s.ids[e]} for e in (creator, *others)]}))[
                "conversationId"]

        def post(ext: str, conversation: str, body: str) -> str:
            return ok(people[ext].post(f"{CHAT}/conversations/{conversation}/messages", json={"body": body}))[
                "messageId"]

        s.ids["2001 and 1001"] = c1 = direct("2001", "1001")
        s.ids["hello"] = post("2001", c1, "Hello World!")
        s.ids["agent in c1"] = agent = post("1001", c1, "agent")
        ok(people["2001"].post(f"{CHAT}/conversations/{c1}/messages/{agent}/reactions", json={"reaction": "😊"}))
        ok(people["1001"].put(f"{CHAT}/conversations/{c1}/messages/{agent}", json={"body": "an agent, please"}))
        s.ids["1003 and 1004"] = c2 = direct("1003", "1004")
        s.ids["agent in c2"] = post("1003", c2, "agent")
        s.ids["stream"] = stream = ok(people["1002"].post(f"{CHAT}/conversations", json={
            "stream": True, "visibility": "PUBLIC", "name": "Help desk", "generateSystemMessages": False}))[
            "conversationId"]
        s.ids["agent in stream"] = post("1002", stream, "agent")

        new_user = ok(budd.post(f"{ADMIN}/accounts/10000495/users", json={
            "email": "new.hire@budd.example.com", "name": "New Hire", "password": "s3cret", "extension": "1006"}))
        s.ids["new user"] = new_user["userId"]
        ok(budd.put(f"{ADMIN}/accounts/10000495/users/{new_user['userId']}", json={"name": "New Hire Jr."}))
        ok(budd.delete(f"{ADMIN}/accounts/10000495/users/{new_user['userId']}"))
        ok(other.post(f"{ADMIN}/accounts/{OTHER}/users", json={"email": "hire@other.example.com", "name": "Hire"}))

        agent_sdk = live.sdk(live.token("ehall", "password"))
        ok(agent_sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"}))  # MiCC -> acd source
        ok(people["1004"].put(f"{PRESENCE}/presentities/{s.ids['1004']}", json={"status": "Away", "reason": "Out"}))
        ok(people["1004"].put(f"{PRESENCE}/presentities/{s.ids['1004']}", json={"status": "Available"}))
        ok(agent_sdk.put("/employees/me/state", json={"state": "Available"}))

        # -- everything owed is delivered: nothing under way, nothing failed ---------------------------------
        def settled() -> bool:
            counts = deliveries(live, limit=0)["counts"]
            return counts["pending"] + counts["sending"] + counts["retrying"] == 0
        wait_until(settled, what="every delivery to finish")
        counts = deliveries(live, limit=0)["counts"]
        assert counts["failed"] == counts["cancelled"] == 0, counts
        for sid in on_mqtt:
            s.mqtt[sid] = []
        while True:
            try:
                message = device.messages.get_nowait()
            except queue.Empty:
                break
            s.mqtt[message.topic].append(json.loads(message.payload))
        yield s
    finally:
        if device is not None:
            device.close()
        for h in s.hooks.values():
            h.receiver.close()
        next(runner, None)


def legs(notifications: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(extension, callId, state) of each call notification, in the order received."""
    return [(n["subject"].split("/")[3], n["content"]["callId"], n["content"]["state"]) for n in notifications]


def test_call_routing_range_gets_every_leg_of_extensions_1000_to_1005_over_mqtt(scenario):
    got = scenario.received("routing: extensions 1000-1005")
    a, b, c = (scenario.ids[k] for k in ("call 1001->1005", "call 2001->1003", "call 1000->1005"))
    assert legs(got) == [
        ("1001", a, "ringing"), ("1005", a, "ringing"), ("1005", a, "connected"), ("1001", a, "connected"),
        ("1005", a, "completed"), ("1001", a, "completed"),
        ("1003", b, "ringing"), ("1003", b, "connected"), ("1003", b, "completed"),
        ("1000", c, "ringing"), ("1005", c, "ringing"), ("1005", c, "completed"), ("1000", c, "completed")]
    assert {(n["topic"], n["method"], n["content"]["eventType"]) for n in got} == {
        ("platform-api-media", "PUT", "CallStateNotification")}


def test_call_logging_range_as_a_webhook_gets_the_same_legs_signed(scenario):
    assert legs(scenario.received("logging: extensions 1000-1005")) == legs(
        scenario.received("routing: extensions 1000-1005"))


def test_the_state_examples_on_1005_get_its_connected_and_completed_legs_and_ended_never_matches(scenario):
    a, c = scenario.ids["call 1001->1005"], scenario.ids["call 1000->1005"]
    assert legs(scenario.received("logging: connected on 1005")) == [("1005", a, "connected")]
    assert legs(scenario.received("logging: completed on 1005")) == [("1005", a, "completed"),
                                                                      ("1005", c, "completed")]
    # the CloudLink guides' Media guide and the vendor's Swagger call a finished call "completed": no leg "ended"
    assert scenario.received("routing: ended on 1005") == []


def test_chat_subscribers_get_new_and_changed_messages_of_their_conversations_and_public_streams(scenario):
    ids = scenario.ids
    got = [(n["method"], n["subject"], n["content"]["body"]) for n in scenario.received("chat: new messages (2001)")]
    assert got == [
        ("POST", f"/conversations/{ids['2001 and 1001']}/messages/{ids['hello']}", "Hello World!"),
        ("POST", f"/conversations/{ids['2001 and 1001']}/messages/{ids['agent in c1']}", "agent"),
        ("PUT", f"/conversations/{ids['2001 and 1001']}/messages/{ids['agent in c1']}", "an agent, please"),
        ("POST", f"/conversations/{ids['stream']}/messages/{ids['agent in stream']}", "agent")]
    # 2002 is in neither direct conversation: the principal filter keeps their messages away
    assert [n["subject"] for n in scenario.received("chat: new messages (2002)")] == [
        f"/conversations/{ids['stream']}/messages/{ids['agent in stream']}"]


def test_the_agent_example_gets_messages_whose_body_is_agent_once_closed(scenario):
    assert scenario.refused.status_code == 400 and "is not closed" in scenario.refused.json()["message"]
    got = [(n["method"], n["content"]["messageId"]) for n in scenario.received("chat: 'agent' (2001)")]
    assert got == [("POST", scenario.ids["agent in c1"]), ("POST", scenario.ids["agent in stream"])]


def test_provisioning_example_gets_each_new_user_of_account_10000495(scenario):
    [created] = scenario.received("provisioning: new users")
    assert (created["method"], created["subject"]) == ("POST", f"/accounts/10000495/users/{scenario.ids['new user']}")
    assert created["content"]["email"] == "new.hire@budd.example.com"
    assert created["publisher"]["accountId"] == ACCOUNT


def test_presence_subscribers_see_a_micc_agent_go_busy_and_the_override_come_and_go(scenario):
    got = scenario.received("presence: 1004")
    aggregate = [(n["content"]["presences"]["aggregate"]["status"], n["content"]["presences"]["aggregate"]["reason"])
                 for n in got]
    assert aggregate == [("Busy", "Lunch"), ("Away", "Out"), ("Busy", "Lunch"), ("Available", "")]
    me = scenario.ids["1004"]
    # the MiCC side signs nothing; the Presence API's changes are signed by the user who made them
    assert [n["publisher"]["principalId"] for n in got] == [None, me, me, None]
    busy = scenario.received("presence: 1004 busy")
    assert [n["publicationId"] for n in busy] == [got[0]["publicationId"], got[2]["publicationId"]]


def test_another_accounts_subscription_gets_only_its_own_accounts_calls(scenario):
    other_call = scenario.ids["other call 1003->1005"]
    assert {n["publisher"]["accountId"] for n in scenario.received("other account: extensions 1000-1005")} != {ACCOUNT}
    assert legs(scenario.received("other account: extensions 1000-1005")) == [
        ("1003", other_call, "ringing"), ("1005", other_call, "ringing"), ("1005", other_call, "connected"),
        ("1003", other_call, "connected"), ("1005", other_call, "completed"), ("1003", other_call, "completed")]
    assert other_call not in {n["content"]["callId"] for n in scenario.received("routing: extensions 1000-1005")}


def test_each_notification_was_delivered_once_as_the_delivery_log_says(scenario):
    for name, sid in scenario.subscriptions.items():
        log = deliveries(scenario.live, subscription_id=sid)["deliveries"]
        assert {d["status"] for d in log} <= {"delivered"}, name
        assert sorted(d["publication_id"] for d in log) == sorted(
            n["publicationId"] for n in scenario.received(name)), name
    assert scenario.received("routing: extensions 1000-1005")  # the MQTT client heard them all
