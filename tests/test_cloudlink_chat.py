"""CloudLink Chat (Conversations API): the guide's working conversation, streams, invitations, unread counts,
attachments, commands, access, and what every change publishes on platform-api-conversations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from jsonpath_ng.ext import parse as jsonpath

from micc_sim.faces.cloudlink.auth.models import Principal
from micc_sim.world.seed import ACCOUNT_NUMBER

AUTH = "/authentication/2017-09-01"
CHAT = "/chat/2017-09-01"
TOPIC = "platform-api-conversations"
ADMIN = "admin@wagner.example.com"


@dataclass
class Person:
    """Someone with a token, talking to the Chat API as that person."""

    id: str
    name: str
    http: httpx.Client


@pytest.fixture
def login(live) -> Iterator[Callable[..., Person]]:
    """``login(email)`` or ``login(guest="principal id")``: a Chat API client with that person's token."""
    opened: list[httpx.Client] = []

    def person(username: str | None = None, *, guest: str | None = None, account_id: str | None = None) -> Person:
        if guest:
            account = live.sim.cloudlink.directory.account(ACCOUNT_NUMBER).account_id
            token = live.sim.cloudlink.sessions.issue(Principal("guest", guest, account, "GUEST", "Bob Smith"),
                                                      live.sim.clock.now()).access_token
        else:
            token = live.cloudlink_token(username, **({"account_id": account_id} if account_id else {}))
        me = live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {token}"}).json()
        client = httpx.Client(base_url=live.base_url + CHAT, headers={"Authorization": f"Bearer {token}"},
                              timeout=30)
        opened.append(client)
        return Person(me["principalId"], me["name"], client)

    yield person
    for client in opened:
        client.close()


@pytest.fixture
def agents(live, login) -> list[Person]:
    """Three users of the default tenant (MiCC agents)."""
    emails = sorted(u.email for u in live.sim.cloudlink.directory.users.values() if u.micc_employee)[:3]
    return [login(email) for email in emails]


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def items(response: httpx.Response) -> list[dict]:
    return ok(response)["_embedded"]["items"]


def direct(creator: Person, *others: Person, **properties) -> dict:
    return ok(creator.http.post("/conversations", json={
        "originalParticipants": [{"type": "USER", "participantId": p.id} for p in (creator, *others)],
        **properties}), 201)


def published(live, subject: str) -> list:
    """Publications on the chat topic whose subject matches the regular expression ``subject``."""
    return [p for p in live.sim.cloudlink.notify.log if p.topic == TOPIC and re.search(subject, p.subject)]


def test_the_guides_working_conversation_create_message_react_and_what_it_publishes(live, agents):
    ann, bea, _ = agents
    conversation = ok(ann.http.post("/conversations", json={
        "stream": False, "hidden": True, "generateSystemMessages": False,
        "originalParticipants": [{"type": "USER", "participantId": ann.id},
                                 {"type": "USER", "participantId": bea.id}]}), 201)
    cid = conversation["conversationId"]
    assert conversation["visibility"] == "PRIVATE" and conversation["participantCount"] == 2
    message = ok(ann.http.post(f"/conversations/{cid}/messages", json={"body": "Hello World!",
                                                                        "contentType": "text/plain"}), 201)
    reaction = ok(bea.http.post(f"/conversations/{cid}/messages/{message['messageId']}/reactions",
                                json={"reaction": "😊"}), 201)
    assert reaction["participantId"] == bea.id and reaction["reaction"] == "😊"

    seen_by_bea = items(bea.http.get(f"/conversations/{cid}/messages"))
    assert [(m["body"], m["senderId"], m["senderName"], m["reactionCount"]) for m in seen_by_bea] == [
        ("Hello World!", ann.id, ann.name, 1)]
    assert [p["status"] for p in items(bea.http.get(f"/conversations/{cid}/participants"))] == ["ACCEPTED"] * 2

    [created] = published(live, rf"^/conversations/{cid}$")
    assert (created.method, created.content) == ("POST", conversation)
    assert sorted(created.principal_filter) == sorted([ann.id, bea.id])  # a private conversation's people only
    [posted] = published(live, "^/conversations/[^/]+/messages/[^/]+$")  # the CloudLink guides' example subscription
    assert (posted.method, posted.subject, posted.content) == (
        "POST", f"/conversations/{cid}/messages/{message['messageId']}", message)
    assert posted.principal_id == ann.id and posted.account_id == conversation["accountId"]
    [reacted] = published(live, r"/reactions/[^/]+$")
    assert reacted.content == reaction and reacted.principal_id == bea.id

    ok(bea.http.post(f"/conversations/{cid}/messages", json={"body": "agent"}), 201)
    batch = {"publications": [{"subject": p.subject, "content": p.content} for p in published(live, "")]}
    matches = jsonpath("$.publications[?(@.content.body == 'agent')]").find(batch)
    assert [m.value["content"]["senderId"] for m in matches] == [bea.id]


def test_a_property_the_api_does_not_know_is_a_400_and_a_message_needs_only_a_body(live, agents):
    ann, bea, _ = agents
    r = ann.http.post("/conversations", json={"stream": True, "topic": "x"})
    assert r.status_code == 400
    assert r.json() == {"name": "ValidationError", "message": "data should NOT have additional properties"}
    cid = direct(ann, bea)["conversationId"]
    r = ann.http.post(f"/conversations/{cid}/messages", json={"message": {"body": "hi"}})
    assert r.json()["message"] == "data should NOT have additional properties"
    assert ann.http.post(f"/conversations/{cid}/messages", json={}).json()["message"] == (
        "data should have required property 'body'")
    assert ok(ann.http.post(f"/conversations/{cid}/messages", json={"body": "hi"}), 201)["contentType"] == (
        "text/plain")


def test_message_rules_fallback_text_nesting_immutable_tag_order_and_paging(live, agents):
    ann, bea, _ = agents
    cid = direct(ann, bea)["conversationId"]
    url = f"/conversations/{cid}/messages"
    card = {"body": '{"type":"card"}', "contentType": "application/json"}
    assert "fallbackText is required" in ann.http.post(url, json=card).json()["message"]
    first = ok(ann.http.post(url, json={**card, "fallbackText": "a card", "tag": "cards"}), 201)
    assert ann.http.post(url, json={"body": "re", "parentMessageId": "nope"}).status_code == 400
    for n in range(4):
        live.advance(1)
        ok(bea.http.post(url, json={"body": f"reply {n}", "parentMessageId": first["messageId"]}), 201)

    mid = first["messageId"]
    assert ann.http.put(f"{url}/{mid}", json={"tag": "other"}).status_code == 400
    assert ann.http.put(f"{url}/{mid}", json={"contentType": "text/html"}).status_code == 200  # keeps its fallback
    assert bea.http.put(f"{url}/{mid}", json={"body": "mine now"}).status_code == 403  # only the sender edits
    edited = ok(ann.http.put(f"{url}/{mid}", json={"body": "edited", "tag": "cards"}))
    assert edited["tag"] == "cards" and edited["body"] == "edited"

    page = ok(ann.http.get(url, params={"$top": "2"}))
    assert [m["body"] for m in page["_embedded"]["items"]] == ["edited", "reply 0"]
    rest = ok(ann.http.get(page["_links"]["next"]["href"]))
    assert [m["body"] for m in rest["_embedded"]["items"]] == ["reply 1", "reply 2"]
    last = ok(ann.http.get(rest["_links"]["next"]["href"]))
    assert [m["body"] for m in last["_embedded"]["items"]] == ["reply 3"] and "next" not in last["_links"]
    newest = items(ann.http.get(url, params={"$orderby": "createdOn desc", "$top": "1"}))
    assert newest[0]["body"] == "reply 3"
    replies = items(ann.http.get(url, params={"$filter": f"parentMessageId eq '{mid}'"}))
    assert len(replies) == 4

    assert ok(bea.http.delete(f"{url}/{replies[0]['messageId']}"))["body"] == "reply 0"
    assert ann.http.get(f"{url}/{replies[0]['messageId']}").status_code == 404
    [deleted] = [p for p in published(live, "/messages/") if p.method == "DELETE"]
    assert deleted.content["body"] == "reply 0"
    assert [p.method for p in published(live, f"/messages/{mid}$")] == ["POST", "PUT", "PUT"]


def test_a_direct_conversation_keeps_its_participants_and_a_group_is_a_direct_one_of_three(live, agents):
    ann, bea, cy = agents
    group = direct(ann, bea, cy, generateSystemMessages=True)
    cid = group["conversationId"]
    assert group["stream"] is False and group["participantCount"] == 3
    assert ann.http.post("/conversations", json={"originalParticipants": []}).status_code == 400  # alone
    r = ann.http.post(f"/conversations/{cid}/participants", json={"userId": "someone-else"})
    assert r.status_code == 400 and "fixed participants" in r.json()["message"]
    assert ann.http.put(f"/conversations/{cid}", json={"visibility": "PUBLIC"}).status_code == 400

    ok(cy.http.delete(f"/conversations/{cid}/participants/{cy.id}"))  # leaving is allowed
    assert cy.http.get(f"/conversations/{cid}").status_code == 404
    assert cy.http.post(f"/conversations/{cid}/participants", json={}).status_code == 404  # no way back
    system = [m for m in items(ann.http.get(f"/conversations/{cid}/messages")) if m["messageType"] == "SYSTEM"]
    assert [(m["body"], m["senderId"]) for m in system] == [(f"{cy.name} has left the chat", None)]


def test_a_private_stream_takes_invitations_and_a_blocked_participant_cannot_rejoin(live, agents):
    owner, guest_of_owner, outsider = agents
    stream = ok(owner.http.post("/conversations", json={
        "stream": True, "visibility": "PRIVATE", "name": "Escalations", "generateSystemMessages": True}), 201)
    cid = stream["conversationId"]
    assert outsider.http.get(f"/conversations/{cid}").status_code == 404
    assert outsider.http.post(f"/conversations/{cid}/participants", json={}).status_code == 404
    assert cid not in [c["conversationId"] for c in items(outsider.http.get("/conversations"))]

    invited = ok(owner.http.post(f"/conversations/{cid}/participants", json={"userId": guest_of_owner.id}), 201)
    assert invited["status"] == "INVITED" and invited["name"] == guest_of_owner.name
    member = guest_of_owner.http
    assert member.get(f"/conversations/{cid}/messages").status_code == 200  # an invitation lets you look
    r = member.post(f"/conversations/{cid}/messages", json={"body": "hi"})
    assert r.status_code == 403 and "accept the invitation" in r.json()["message"]
    assert member.put(f"/conversations/{cid}/participants/{owner.id}", json={"status": "DECLINED"}).status_code == 403
    ok(member.put(f"/conversations/{cid}/participants/{guest_of_owner.id}", json={"status": "ACCEPTED"}))
    ok(member.post(f"/conversations/{cid}/messages", json={"body": "hi"}), 201)

    blocked = ok(owner.http.put(f"/conversations/{cid}/participants/{guest_of_owner.id}",
                                json={"status": "BLOCKED"}))
    assert blocked["status"] == "BLOCKED"
    assert member.get(f"/conversations/{cid}").status_code == 404
    assert member.post(f"/conversations/{cid}/participants", json={}).status_code == 404
    while_blocked = ok(owner.http.post(f"/conversations/{cid}/messages", json={"body": "between us"}), 201)
    r = owner.http.post(f"/conversations/{cid}/participants", json={"userId": guest_of_owner.id})
    assert r.status_code == 409 and "cannot rejoin" in r.json()["message"]
    assert owner.http.put(f"/conversations/{cid}/participants/{guest_of_owner.id}",
                          json={"status": "ACCEPTED"}).status_code == 403  # nobody accepts for them
    ok(owner.http.put(f"/conversations/{cid}/participants/{guest_of_owner.id}", json={"status": "INVITED"}))
    assert member.get(f"/conversations/{cid}").status_code == 200

    bodies = [m["body"] for m in items(owner.http.get(f"/conversations/{cid}/messages"))]
    assert bodies == [f"{guest_of_owner.name} has joined the chat", "hi", "between us"]
    changes = published(live, f"/participants/{guest_of_owner.id}$")
    assert [p.content["status"] for p in changes] == ["INVITED", "ACCEPTED", "BLOCKED", "INVITED"]
    assert guest_of_owner.id in changes[2].principal_filter  # told of its own block, not of what follows
    [said] = published(live, f"/messages/{while_blocked['messageId']}$")
    assert said.principal_filter == [owner.id]


def test_a_public_stream_is_listed_for_the_account_and_anyone_there_can_join(live, agents):
    owner, joiner, _ = agents
    public = ok(owner.http.post("/conversations", json={"stream": True, "visibility": "PUBLIC", "name": "Lunch",
                                                        "tags": ["social"], "languageCode": "en-US"}), 201)
    hidden = ok(owner.http.post("/conversations", json={"stream": True, "visibility": "PUBLIC", "hidden": True}),
                201)
    listed = [c["conversationId"] for c in items(joiner.http.get("/conversations"))]
    assert public["conversationId"] in listed and hidden["conversationId"] not in listed
    with_hidden = [c["conversationId"] for c in items(joiner.http.get("/conversations", params={"hidden": "true"}))]
    assert hidden["conversationId"] in with_hidden
    cid = public["conversationId"]
    assert joiner.http.post(f"/conversations/{cid}/messages", json={"body": "me too"}).status_code == 403
    joined = ok(joiner.http.post(f"/conversations/{cid}/participants", json={}), 201)
    assert joined["status"] == "ACCEPTED" and joined["participantId"] == joiner.id
    ok(joiner.http.post(f"/conversations/{cid}/messages", json={"body": "me too"}), 201)
    assert published(live, f"^/conversations/{cid}/messages/")[0].principal_filter is None  # public: anyone
    assert joiner.http.put(f"/conversations/{cid}", json={"name": "Mine"}).status_code == 403
    assert ok(owner.http.put(f"/conversations/{cid}", json={"name": "Lunch at noon"}))["name"] == "Lunch at noon"


def test_unread_counts_come_from_each_participants_last_read_message_date(live, agents):
    ann, bea, _ = agents
    cid = direct(ann, bea)["conversationId"]
    for text in ("one", "two", "three"):
        live.advance(1)
        ok(ann.http.post(f"/conversations/{cid}/messages", json={"body": text}), 201)
    live.advance(1)
    ok(bea.http.post(f"/conversations/{cid}/messages", json={"body": "mine"}), 201)

    def unread(person: Person) -> int:
        [entry] = items(person.http.get("/users/me/conversations"))
        return entry["unreadCount"]

    assert (unread(ann), unread(bea)) == (1, 3)  # one's own messages are never unread
    two = items(bea.http.get(f"/conversations/{cid}/messages", params={"$filter": "body eq 'two'"}))[0]
    ok(bea.http.put(f"/conversations/{cid}/participants/{bea.id}", json={"lastReadMessageDate": two["createdOn"]}))
    assert unread(bea) == 1
    [entry] = items(bea.http.get(f"/users/{bea.id}/conversations"))
    assert entry["lastReadMessageDate"] == two["createdOn"] and entry["lastMessage"]["body"] == "mine"
    assert ann.http.put(f"/conversations/{cid}/participants/{bea.id}",
                        json={"lastReadMessageDate": two["createdOn"]}).status_code == 403  # bea's own to set
    assert ann.http.get(f"/users/{bea.id}/conversations").status_code == 403


def test_attachments_round_trip_their_bytes_and_stop_at_10_mb(live, agents):
    ann, bea, _ = agents
    cid = direct(ann, bea)["conversationId"]
    url = f"/conversations/{cid}/attachments/scan.png"
    png = bytes(range(256)) * 40
    created = ok(ann.http.put(url, content=png, headers={"content-type": "image/png"}), 201)
    assert created["size"] == len(png) and created["contentType"] == "image/png"
    r = bea.http.get(url)
    assert r.status_code == 200 and r.content == png and r.headers["content-type"] == "image/png"

    meta = ok(ann.http.put(f"{url}/metadata", json={"fileName": "scan.png", "custom": {"pages": 1}}))
    assert meta["fileName"] == "scan.png" and meta["custom"] == {"pages": 1}
    assert ok(bea.http.get(f"{url}/metadata"))["fileName"] == "scan.png"
    assert bea.http.put(url, content=b"mine", headers={"content-type": "text/plain"}).status_code == 403

    limit = 10 * 1024 * 1024
    full = ok(ann.http.put(url, content=b"\x00" * limit, headers={"content-type": "application/pdf"}))
    assert full["size"] == limit and full["fileName"] == "scan.png"  # replaced: 200, metadata kept
    r = ann.http.put(f"/conversations/{cid}/attachments/big.bin", content=b"\x00" * (limit + 1))
    assert r.status_code == 413 and r.json()["name"] == "PayloadTooLargeError"
    assert ann.http.get(f"/conversations/{cid}/attachments/big.bin").status_code == 404

    small = ok(bea.http.put(f"/conversations/{cid}/attachments/note.txt", content="héllo".encode(),
                            headers={"content-type": "text/plain; charset=utf-8"}), 201)
    snapshot = live.http.get("/_sim/snapshot").content
    ok(bea.http.delete(f"/conversations/{cid}/attachments/note.txt"))
    assert ok(live.http.post("/_sim/restore", content=snapshot))["restored"]
    assert live.http.get("/_sim/snapshot").content == snapshot
    r = ann.http.get(f"/conversations/{cid}/attachments/note.txt")
    assert r.content == "héllo".encode() and r.headers["content-type"] == small["contentType"]
    assert [a["attachmentId"] for a in items(ann.http.get(f"/conversations/{cid}/attachments"))] == [
        "scan.png", "note.txt"]
    assert [(p.method, p.content["size"]) for p in published(live, "/attachments/scan.png$")] == [
        ("PUT", len(png)), ("PUT", limit)]


def test_commands_who_kick_leave_shrug_and_the_accounts_own(live, agents, login):
    owner, member, other = agents
    names = [c["name"] for c in items(member.http.get("/commands"))]
    assert names == ["WHO", "KICK", "LEAVE", "SHRUG"]
    cid = ok(owner.http.post("/conversations", json={"stream": True, "generateSystemMessages": True}), 201)[
        "conversationId"]
    for person in (member, other):
        ok(owner.http.post(f"/conversations/{cid}/participants", json={"userId": person.id}), 201)
        ok(person.http.put(f"/conversations/{cid}/participants/{person.id}", json={"status": "ACCEPTED"}))

    who = ok(member.http.post("/commands/WHO/execute", json={"conversationId": cid}))
    assert [p["participantId"] for p in who["participants"]] == [owner.id, member.id, other.id]
    shrug = ok(member.http.post("/commands/shrug/execute", json={"conversationId": cid, "arguments": "no idea"}))
    assert shrug["message"]["body"] == "no idea ¯\\_(ツ)_/¯" and shrug["message"]["senderId"] == member.id
    assert member.http.post("/commands/kick/execute", json={"conversationId": cid,
                                                           "arguments": other.id}).status_code == 403
    kicked = ok(owner.http.post("/commands/kick/execute", json={"conversationId": cid, "arguments": other.id}))
    assert kicked["participant"]["participantId"] == other.id
    assert other.http.get(f"/conversations/{cid}/messages").status_code == 404
    ok(member.http.post("/commands/LEAVE/execute", json={"conversationId": cid}))
    assert [p["participantId"] for p in items(owner.http.get(f"/conversations/{cid}/participants"))] == [owner.id]

    admin = login(ADMIN)
    assert member.http.post("/commands", json={"name": "TABLEFLIP", "action": "MESSAGE",
                                               "text": "(╯°□°)╯︵ ┻━┻"}).status_code == 403
    made = ok(admin.http.post("/commands", json={"name": "TABLEFLIP", "action": "MESSAGE",
                                                 "text": "(╯°□°)╯︵ ┻━┻"}), 201)
    assert admin.http.post("/commands", json={"name": "shrug", "action": "WHO"}).status_code == 409
    assert admin.http.delete("/commands/shrug").status_code == 403
    flipped = ok(owner.http.post(f"/commands/{made['commandId']}/execute", json={"conversationId": cid}))
    assert flipped["message"]["body"] == "(╯°□°)╯︵ ┻━┻"
    bodies = [m["body"] for m in items(owner.http.get(f"/conversations/{cid}/messages"))]
    assert bodies[-3:] == [f"{other.name} was removed from the chat by {owner.name}",
                           f"{member.name} has left the chat", "(╯°□°)╯︵ ┻━┻"]
    assert [p.method for p in published(live, f"^/commands/{made['commandId']}$")] == ["POST"]


def test_guests_take_part_only_where_they_are_participants(live, agents, login):
    agent, _, _ = agents
    guest = login(guest="7688c81e-c6ea-4777-a1a2-8163ed318a19")
    assert guest.http.post("/conversations", json={"stream": True}).status_code == 403
    elsewhere = ok(agent.http.post("/conversations", json={"stream": True, "visibility": "PUBLIC"}), 201)
    assert guest.http.get(f"/conversations/{elsewhere['conversationId']}").status_code == 404  # public is for users
    chat = ok(agent.http.post("/conversations", json={"stream": True, "name": "Web chat"}), 201)
    cid = chat["conversationId"]
    ok(agent.http.post(f"/conversations/{cid}/participants", json={"userId": guest.id}), 201)
    assert [c["conversationId"] for c in items(guest.http.get("/users/me/conversations"))] == [cid]
    ok(guest.http.put(f"/conversations/{cid}/participants/{guest.id}", json={"status": "ACCEPTED"}))
    ok(guest.http.post(f"/conversations/{cid}/participants/{guest.id}/typing", json={"action": "START"}), 204)
    said = ok(guest.http.post(f"/conversations/{cid}/messages", json={"body": "I need help"}), 201)
    assert said["senderId"] == guest.id and said["senderName"] == "Bob Smith"
    assert guest.http.post(f"/conversations/{cid}/participants", json={"userId": "a-friend"}).status_code == 403
    assert guest.http.post(f"/conversations/{cid}/participants/{agent.id}/typing",
                           json={"action": "START"}).status_code == 403
    [typing] = published(live, "/typing$")
    assert (typing.method, typing.content) == ("POST", {"conversationId": cid, "participantId": guest.id,
                                                        "action": "START", "name": "Bob Smith"})
    assert typing.principal_id == guest.id


def test_admins_see_their_accounts_private_conversations_and_nobody_else_does(live, agents, login):
    ann, bea, cy = agents
    cid = direct(ann, bea, hidden=True)["conversationId"]
    admin, partner = login(ADMIN), login("partner.admin@partner.example.com")
    assert admin.http.get(f"/conversations/{cid}").status_code == 200
    assert partner.http.get(f"/conversations/{cid}").status_code == 200  # manages the customer account
    assert cid in [c["conversationId"] for c in items(admin.http.get("/conversations", params={"hidden": "true"}))]
    assert len(items(admin.http.get(f"/users/{ann.id}/conversations"))) == 1
    consultant = login("consultant@partner.example.com", account_id="wagner-partners")
    r = admin.http.get("/conversations/%0A/messages")  # a newline no route pattern takes still answers in shape
    assert r.status_code == 404 and r.json()["name"] == "NotFoundError"
    for stranger in (cy, consultant):
        assert stranger.http.get(f"/conversations/{cid}").status_code == 404
        assert stranger.http.get(f"/conversations/{cid}/messages").status_code == 404
    assert bea.http.delete(f"/conversations/{cid}").status_code == 403  # only its creator or an admin
    assert ok(admin.http.delete(f"/conversations/{cid}"))["conversationId"] == cid
    assert ann.http.get(f"/conversations/{cid}").status_code == 404
    [deleted] = [p for p in published(live, f"^/conversations/{cid}$") if p.method == "DELETE"]
    assert deleted.principal_id == admin.id and deleted.content["conversationId"] == cid


def test_all_attachments_together_are_bounded_so_one_account_cannot_fill_the_memory(live, agents, monkeypatch):
    from micc_sim.faces.cloudlink.chat import models

    monkeypatch.setattr(models, "ATTACHMENTS_TOTAL", 1000)
    ann, bea, _ = agents
    cid = direct(ann, bea)["conversationId"]
    ok(ann.http.put(f"/conversations/{cid}/attachments/a.bin", content=b"a" * 600), 201)
    refused = ann.http.put(f"/conversations/{cid}/attachments/b.bin", content=b"b" * 600)
    assert refused.status_code == 413 and refused.json()["name"] == "PayloadTooLargeError"
    ok(ann.http.put(f"/conversations/{cid}/attachments/a.bin", content=b"a" * 900))  # a replacement counts once
