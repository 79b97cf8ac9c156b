"""E-mails answer from the world: an e-mail a customer sent (with an attachment and an inline image) is shown as
received, as the reply and forward drafts made from it, its files are downloaded, and earlier e-mails with a
recipient are offered for reuse."""

from __future__ import annotations

import base64

from micc_sim.world.config import QueueConfig
from micc_sim.world.model import MediaType
from micc_sim.world.seed import default_world

PDF = b"%PDF-1.4 invoice"
PNG = b"\x89PNG logo"


# the operations these tests exercise (the suite's guard looks for each id)
COVERS = [
    "Email_GetEmail", "Email_GetEmailAttachment", "Email_GetEmailImage", "Email_GetReusableEmails"
]

def mail_world():
    config = default_world()
    config.queues.append(QueueConfig(name="Mailbox", reporting="P6002", media_type=MediaType.Email,
                                     agent_groups=["Chat Agents"]))
    return config


def test_an_email_its_drafts_and_its_files(live_with):
    live = live_with(world=mail_world())
    r = live.http.post("/_sim/interactions", json={
        "media": "Email", "queue": "Mailbox", "from": "ann@example.com", "from_name": "Ann", "to": "support@x.com",
        "subject": "Invoice", "body": "Please see attached.", "attachments": [
            {"name": "invoice.pdf", "content": base64.b64encode(PDF).decode(), "content_type": "application/pdf"},
            {"name": "logo.png", "content": base64.b64encode(PNG).decode(), "inline": True}]})
    assert r.status_code == 201, r.text
    mail = r.json()
    sdk = live.sdk(live.token())
    month = "112026"
    [shown] = sdk.get(f"/emails/{mail['id']}/Preview/{month}").json()["_embedded"]["items"]
    assert (shown["from"], shown["subject"], shown["body"]) == ("ann@example.com", "Invoice", "Please see attached.")
    assert [a["name"] for a in shown["attachments"]] == ["invoice.pdf"]
    [reply] = sdk.get(f"/emails/{mail['id']}/ReplyDraft/{month}").json()["_embedded"]["items"]
    assert (reply["to"], reply["subject"], reply["from"], reply["attachments"]) == (
        "ann@example.com", "RE: Invoice", "Mailbox", [])
    assert reply["body"].endswith("> Please see attached.")
    [forward] = sdk.get(f"/emails/{mail['id']}/ForwardDraft/{month}").json()["_embedded"]["items"]
    assert (forward["subject"], len(forward["attachments"])) == ("FW: Invoice", 1)
    assert sdk.get(f"/emails/{mail['id']}/BounceDetectedDraft/{month}").json()["count"] == 0
    assert sdk.get(f"/emails/{mail['id']}/Preview/012020").status_code == 404
    content = sdk.get(f"/emails/{mail['id']}/attachments", params={"fileName": "INVOICE.pdf"}).json()
    assert base64.b64decode(content) == PDF
    image = shown["images"][0]
    assert base64.b64decode(sdk.get(f"/emails/{mail['id']}/images/{image['resourceId']}").json()) == PNG
    assert sdk.get(f"/emails/{mail['id']}/attachments", params={"fileName": "nope"}).status_code == 404
    reusable = sdk.get("/emails/reusable", params={"to": "ANN@example.com"}).json()["_embedded"]["items"]
    assert [m["conversationId"] for m in reusable] == [mail["id"]]
    assert sdk.get("/emails/reusable", params={"to": "bob@example.com"}).json()["count"] == 0
    voice = live.http.post("/_sim/interactions", json={"media": "Voice", "queue": "Support Voice"}).json()
    assert sdk.get(f"/emails/{voice['id']}/Preview/{month}").status_code == 404


def test_a_bad_attachment_refuses_the_whole_email(live_with):
    live = live_with(world=mail_world())
    before = len(live.http.get("/_sim/interactions").json()["items"])
    r = live.http.post("/_sim/interactions", json={"media": "Email", "queue": "Mailbox",
                                                   "attachments": [{"name": "x", "content": "%%%"}]})
    assert r.status_code == 400 and "Base64" in r.json()["error"]["message"]
    assert len(live.http.get("/_sim/interactions").json()["items"]) == before
