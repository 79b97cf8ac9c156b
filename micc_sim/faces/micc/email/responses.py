"""Email tag: the e-mails of a conversation, their attachments and images, reusable e-mails, the queues an
agent may answer from, and the caller's personal e-mail reply templates."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from micc_sim.faces.micc.conversations.responses import find_conversation
from micc_sim.faces.micc.replytemplates.responses import personal_handlers
from micc_sim.faces.micc.sms.responses import sender_queue_to_wire
from micc_sim.faces.micc.wire import dotnet_datetime, hal_collection, listing, path_segment
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.config import stable_id
from micc_sim.world.core import World
from micc_sim.world.interactions import Interaction
from micc_sim.world.model import MediaType

DRAFTS = ("ReplyDraft", "ForwardDraft", "NewDraft")
SHOWN = ("Preview", "PreviewQueueDraft", "Worktimer")  # the e-mail as received
NONE_YET = ("FailedSendDraft", "BounceDetectedDraft")  # drafts of sends that never failed or bounced here


def _email(world: World, ref: str) -> Interaction:
    found = find_conversation(world, ref)
    if not isinstance(found, Interaction) or found.media is not MediaType.Email:
        raise ApiError(404, f"The conversation '{ref}' is not an e-mail.")
    return found


def email_to_wire(world: World, it: Interaction, kind: str, call: Call) -> dict[str, Any]:
    """The e-mail as received (``Preview``), or a draft made from it."""
    queue = world.queues.get(it.queue_id or "")
    base = f"/emails/{path_segment(it.id)}"
    files = world.mail.attachments(it.id) if kind != "ReplyDraft" else []
    subject = it.subject or ""
    if kind == "ReplyDraft":
        to, subject = it.from_address, f"RE: {subject}"
    elif kind == "ForwardDraft":
        to, subject = None, f"FW: {subject}"
    elif kind == "NewDraft":
        to, subject = None, ""
    else:
        to = it.to_address
    drafted = kind in DRAFTS
    quoted = "\n".join(f"> {line}" for line in (it.body or "").splitlines())
    return {
        "_links": {"self": {"href": call.url_for(f"{base}/{kind}/{it.created.month:02d}{it.created.year}")}},
        "id": it.id if not drafted else stable_id("draft", f"{it.id}:{kind}"),
        "conversationId": it.id,
        "type": kind,
        "from": queue.name if drafted and queue else it.from_address,
        "fromName": (queue.name if queue else None) if drafted else it.from_name or None,
        "to": to,
        "subject": subject,
        "body": "" if kind == "NewDraft" else (f"\n\n{quoted}" if drafted else it.body),
        "dateTime": dotnet_datetime(it.created),
        "attachments": [{"name": f.name, "contentType": f.content_type, "size": len(f.data),
                         "_links": {"self": {"href": call.url_for(f"{base}/attachments?fileName={quote(f.name)}")}}}
                        for f in files],
        "images": [{"resourceId": f.resource_id, "name": f.name, "contentType": f.content_type,
                    "_links": {"self": {"href": call.url_for(f"{base}/images/{f.resource_id}")}}}
                   for f in world.mail.images(it.id)] if kind not in ("NewDraft", "ReplyDraft") else [],
    }


def get_email(call: Call) -> dict[str, Any]:
    world: World = call.world
    it = _email(world, call.path["conversationId"])
    kind = call.path["getEmailType"]
    month = call.path["monthYearCreated"]
    if month and month.lower() != "null" and month != f"{it.created.month:02d}{it.created.year}":
        raise ApiError(404, f"The e-mail '{it.id}' was not created in {month}.")
    found = [] if kind in NONE_YET else [email_to_wire(world, it, kind, call)]
    return hal_collection(found, call.url_for(f"/emails/{path_segment(it.id)}/{kind}/{month}"))


def get_attachment(call: Call) -> str:
    """The attachment's content, Base64."""
    world: World = call.world
    it = _email(world, call.path["conversationId"])
    name = next((v for k, v in call.query.items() if k.lower() == "filename"), "")
    if not name:
        raise ApiError(400, "The request is invalid.", {"fileName": ["The fileName field is required."]})
    return base64.b64encode(world.mail.attachment(it.id, name).data).decode("ascii")


def get_image(call: Call) -> str:
    world: World = call.world
    it = _email(world, call.path["conversationId"])
    return base64.b64encode(world.mail.image(it.id, call.path["resourceId"]).data).decode("ascii")


def get_reusable_emails(call: Call) -> dict[str, Any]:
    """E-mails earlier exchanged with the recipient ``to`` (any case), newest first, to reuse an answer."""
    world: World = call.world
    to = next((v for k, v in call.query.items() if k.lower() == "to"), "").strip().lower()
    if not to:
        raise ApiError(400, "The request is invalid.", {"to": ["The to field is required."]})
    mails = [i for i in world.sessions.interactions.values() if i.media is MediaType.Email
             and to in (i.from_address.lower(), i.to_address.lower())]
    mails.sort(key=lambda i: i.created, reverse=True)
    return hal_collection([email_to_wire(world, i, "Preview", call) for i in mails], call.url_for("/emails/reusable"))


def get_queue_emails(call: Call) -> dict[str, Any]:
    """The e-mail queues the agent may answer the conversation from (every e-mail queue of the site)."""
    world: World = call.world
    conversation = find_conversation(world, call.path["conversationId"])
    return listing(call, f"/emails/{path_segment(conversation.id)}/queueemails", sender_queue_to_wire,
                   [q for q in world.queues.values() if q.media_type is MediaType.Email])


HANDLERS = {"Email_GetQueueEmails": get_queue_emails, "Email_GetEmail": get_email,
            "Email_GetEmailAttachment": get_attachment, "Email_GetEmailImage": get_image,
            "Email_GetReusableEmails": get_reusable_emails, **personal_handlers("Email", "Email")}
