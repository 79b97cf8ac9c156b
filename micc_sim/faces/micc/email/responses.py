"""Email tag: the e-mails of a conversation, their attachments and images, reusable e-mails, the queues an
agent may answer from, and the caller's personal e-mail reply templates."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.conversations.responses import find_conversation
from micc_sim.faces.micc.replytemplates.responses import personal_handlers
from micc_sim.faces.micc.sms.responses import sender_queue_to_wire
from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.core import World
from micc_sim.world.model import MediaType


def get_queue_emails(call: Call) -> dict[str, Any]:
    """The e-mail queues the agent may answer the conversation from (every e-mail queue of the site)."""
    world: World = call.world
    conversation = find_conversation(world, call.path["conversationId"])
    return listing(call, f"/emails/{path_segment(conversation.id)}/queueemails", sender_queue_to_wire,
                   [q for q in world.queues.values() if q.media_type is MediaType.Email])


HANDLERS = {"Email_GetQueueEmails": get_queue_emails, **personal_handlers("Email", "Email")}
