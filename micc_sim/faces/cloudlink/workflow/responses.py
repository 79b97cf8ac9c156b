"""Workflow (``workflow``): the generic bot webhook ``POST /webhooks/accounts/{accountId}/workers``.

As the bot-handoff sample calls it: no bearer token (the URL is the secret), a JSON body sent without a JSON
content type. Each activity is published on Notify (topic ``platform-api-workflow``, subject the webhook's
path; inferred) so that integrations and tests see what the bot sent. A handoff opens the conversation's
CloudLink Chat conversation, and the client's messages after it are written there (:mod:`.handoff_chat`).
"""

from __future__ import annotations

import uuid
from typing import Any

from micc_sim.faces.cloudlink.common import cloudlink, correlation_id, iso
from micc_sim.faces.cloudlink.workflow import handoff_chat
from micc_sim.faces.cloudlink.workflow.models import BotConversation, HandoffState, item_id_of, keep
from micc_sim.spec.router import ApiError, Call, Handler
from micc_sim.world.core import OpenMediaRequest

TOPIC = "platform-api-workflow"
TRANSCRIPT_TEXT = 4_000  # characters of the transcript the MiCC item carries in its variable data


def conversation_to_wire(conversation: BotConversation) -> dict[str, Any]:
    return {"conversationId": conversation.conversation_id, "accountId": conversation.account_id,
            "state": conversation.state.value, "itemId": conversation.item_id, "agentId": conversation.agent_id,
            "client": {"id": conversation.client_id, "name": conversation.client_name},
            "chatConversationId": conversation.chat_id, "createdOn": iso(conversation.created_on),
            "transcriptLength": len(conversation.transcript),
            "messageCount": len(conversation.messages)}


def _handoff(call: Call, conversation: BotConversation, body: dict[str, Any]) -> None:
    if conversation.state in (HandoffState.queued, HandoffState.agent):
        return  # asked again while waiting or with an agent: the same handoff
    transcript = [t for t in body.get("transcript") or [] if isinstance(t, dict)]
    conversation.transcript = transcript[-500:]
    conversation.custom = body.get("custom") if isinstance(body.get("custom"), dict) else {}
    text = "\n".join(f"{(t.get('from') or {}).get('name', '?')}: {t.get('text', '')}" for t in transcript)
    conversation.handoffs += 1
    conversation.connector_url = call.url_for("/botconnector")  # where the bot answers Workflow's activities
    conversation.chat_id = handoff_chat.open_chat(cloudlink(call), conversation, call.sim.clock.now())
    item = call.sim.world.post_open_media(OpenMediaRequest(
        id=item_id_of(conversation.account_id, conversation.conversation_id, conversation.handoffs),
        from_=conversation.client_name or conversation.client_id, subject="Chat handed off by a bot",
        variable_data={"conversationId": conversation.conversation_id, "chatConversationId": conversation.chat_id,
                       "transcript": text[-TRANSCRIPT_TEXT:],
                       **{f"custom.{k}": v for k, v in conversation.custom.items() if isinstance(v, str | int)}}),
        posted_by="workflow")
    conversation.item_id, conversation.state, conversation.agent_id = item.id, HandoffState.queued, None


def _client_left(call: Call, conversation: BotConversation, body: dict[str, Any]) -> None:
    removed = {str((m or {}).get("id")) for m in body.get("membersRemoved") or [] if isinstance(m, dict)}
    if conversation.client_id not in removed or conversation.state is HandoffState.ended:
        return
    if conversation.item_id:
        item = call.sim.world.items.get(conversation.item_id)
        if item is not None and item.live:
            call.sim.world.complete_open_media(item.id)
    conversation.state = HandoffState.ended


def post_worker_activity(call: Call) -> dict[str, Any]:
    platform, now = cloudlink(call), call.sim.clock.now()
    account = platform.directory.account(call.path["accountId"])
    body = call.body if isinstance(call.body, dict) else {}
    kind = str(body.get("type") or "")
    conversation_id = str((body.get("conversation") or {}).get("id") or "")
    if not conversation_id:
        raise ApiError(400, "conversation.id is required", code="BadRequestError")
    sender = body.get("from") if isinstance(body.get("from"), dict) else {}
    conversation = platform.workflow.conversation(account.account_id, conversation_id, sender, now)
    if kind == "handoff":
        _handoff(call, conversation, body)
    elif kind == "conversationUpdate":
        _client_left(call, conversation, body)
    elif kind == "message" and conversation.state in (HandoffState.queued, HandoffState.agent):
        keep(conversation.messages, {"from": sender, "text": body.get("text"), "textFormat": body.get("textFormat"),
                                     "timestamp": body.get("timestamp") or iso(now)})
        handoff_chat.client_said(platform, conversation, sender, body.get("text"), now)
    elif kind not in ("message", "typing", "event"):
        raise ApiError(400, f"type {kind!r} is not an activity the webhook takes (message, handoff, "
                            "conversationUpdate, typing)", code="BadRequestError")
    answer = conversation_to_wire(conversation)
    handoff_chat.publish(platform, account.account_id, correlation_id(call))
    platform.notify.publish(TOPIC, "POST", f"/webhooks/accounts/{account.account_id}/workers",
                            {"activity": body, "conversation": answer}, account_id=account.account_id,
                            correlation_id=correlation_id(call))
    return answer


def post_connector_activity(call: Call) -> dict[str, Any]:
    """The Bot Connector stand-in: a bot's reply to one of Workflow's activities is taken (and published)."""
    platform = cloudlink(call)
    conversation_id = call.path["conversationId"]
    found = next((c for c in platform.workflow.conversations.values() if c.conversation_id == conversation_id), None)
    if found is None:
        raise ApiError(404, f"conversation {conversation_id!r} not found", code="NotFoundError")
    activity_id = str(uuid.uuid4())
    platform.notify.publish(TOPIC, "POST", f"/botconnector/v3/conversations/{conversation_id}/activities",
                            {"activity": call.body, "conversation": conversation_to_wire(found)},
                            account_id=found.account_id, correlation_id=correlation_id(call))
    return {"id": activity_id}


HANDLERS: dict[str, Handler] = {"Workers_PostActivity": post_worker_activity,
                                "BotConnector_PostActivity": post_connector_activity,
                                "BotConnector_ReplyToActivity": post_connector_activity}
