"""CloudLink Chat API (``/chat/2017-09-01``): wire <-> :mod:`micc_sim.faces.cloudlink.chat.models`, one handler per
operationId. Each change a request makes is published on ``platform-api-conversations`` with the resource path
as subject and the resource as this API returns it as content."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from micc_sim.faces.cloudlink.chat.models import (
    ATTACHMENT_LIMIT,
    Attachment,
    AttachmentMetadata,
    Caller,
    Chat,
    Command,
    CommandResult,
    Conversation,
    Message,
    Participant,
    Person,
    Reaction,
    Typing,
)
from micc_sim.faces.cloudlink.common import cloudlink, collection, iso, principal, publish
from micc_sim.spec.router import ApiError, Call, Handler, Reply

TOPIC = "platform-api-conversations"
_ATTACHMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")


# -- who and what ------------------------------------------------------------------------------------------------
def chat(call: Call) -> Chat:
    return cloudlink(call).chat


def caller(call: Call) -> Caller:
    who = principal(call)
    directory = cloudlink(call).directory
    return Caller(who.principal_id, who.account_id, who.name or None, who.role == "GUEST" or who.kind == "guest",
                  lambda account_id: directory.manages(who.role, who.account_id, account_id))


def person(call: Call, participant_id: str) -> Person:
    """A participant named on the wire: a directory user (name, account), else a guest or contact principal."""
    user = cloudlink(call).directory.users.get(participant_id)
    return Person(user.user_id, user.name, user.account_id) if user else Person(participant_id)


def _readable(call: Call) -> Conversation:
    """The path's conversation, if the caller may read it."""
    return chat(call).readable(caller(call), call.path["conversationId"])


def now(call: Call) -> datetime:
    return call.sim.clock.now()


def _date(text: str | None, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().upper())
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:  # not a time, or one that leaves the calendar in UTC
        raise ApiError(400, f'data.{field} should match format "date-time"', code="ValidationError") from exc


def _renamed(body: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The wire properties present in ``body``, under their model names."""
    return {model: body[wire] for wire, model in names.items() if wire in body}


# -- the wire shapes -------------------------------------------------------------------------------------------
def conversation_wire(c: Conversation) -> dict[str, Any]:
    return {
        "conversationId": c.conversation_id, "accountId": c.account_id, "name": c.name,
        "languageCode": c.language_code, "stream": c.stream, "visibility": c.visibility, "hidden": c.hidden,
        "generateSystemMessages": c.generate_system_messages, "thumbnailUrl": c.thumbnail_url,
        "accessCode": c.access_code, "tags": list(c.tags),
        "originalParticipants": [{"type": "USER", "participantId": p} for p in c.original_participants],
        "participantCount": len(c.participants), "createdBy": c.created_by, "createdOn": iso(c.created_on),
        "modifiedOn": iso(c.modified_on),
    }


def participant_wire(p: Participant) -> dict[str, Any]:
    return {
        "participantId": p.participant_id, "userId": p.participant_id, "conversationId": p.conversation_id,
        "participantType": p.participant_type, "status": p.status,
        "conversationVisibility": p.conversation_visibility,
        "lastReadMessageDate": iso(p.last_read_message_date), "name": p.name, "addedBy": p.added_by,
        "createdOn": iso(p.created_on), "modifiedOn": iso(p.modified_on),
    }


def message_wire(m: Message) -> dict[str, Any]:
    return {
        "messageId": m.message_id, "conversationId": m.conversation_id, "body": m.body,
        "contentType": m.content_type, "fallbackText": m.fallback_text, "parentMessageId": m.parent_message_id,
        "tag": m.tag, "messageType": m.message_type, "senderId": m.sender_id, "senderName": m.sender_name,
        "reactionCount": len(m.reactions), "createdOn": iso(m.created_on), "modifiedOn": iso(m.modified_on),
    }


def reaction_wire(r: Reaction) -> dict[str, Any]:
    return {"reactionId": r.reaction_id, "conversationId": r.conversation_id, "messageId": r.message_id,
            "participantId": r.participant_id, "reaction": r.reaction, "createdOn": iso(r.created_on)}


def metadata_wire(a: Attachment) -> dict[str, Any]:
    return {"attachmentId": a.attachment_id, "conversationId": a.conversation_id, "contentType": a.content_type,
            "size": a.size, "fileName": a.file_name, "description": a.description, "custom": dict(a.custom),
            "createdBy": a.created_by, "createdOn": iso(a.created_on), "modifiedOn": iso(a.modified_on)}


def typing_wire(t: Typing) -> dict[str, Any]:
    return {"conversationId": t.conversation_id, "participantId": t.participant_id, "action": t.action,
            "name": t.name}


def command_wire(c: Command) -> dict[str, Any]:
    return {"commandId": c.command_id, "name": c.name, "action": c.action, "description": c.description,
            "text": c.text, "builtIn": c.built_in, "accountId": c.account_id}


def command_result_wire(r: CommandResult) -> dict[str, Any]:
    body: dict[str, Any] = {"commandId": r.command.command_id, "name": r.command.name,
                            "action": r.command.action, "conversationId": r.conversation_id}
    if r.message is not None:
        body["message"] = message_wire(r.message)
    if r.participant is not None:
        body["participant"] = participant_wire(r.participant)
    if r.participants is not None:
        body["participants"] = [participant_wire(p) for p in r.participants]
    return body


def _base(conversation_id: str) -> str:
    return f"/conversations/{conversation_id}"


# resource type -> (subject, content) of its publication
PUBLISHED: dict[type, tuple[Callable[[Any], str], Callable[[Any], Any]]] = {
    Conversation: (lambda c: _base(c.conversation_id), conversation_wire),
    Participant: (lambda p: f"{_base(p.conversation_id)}/participants/{p.participant_id}", participant_wire),
    Typing: (lambda t: f"{_base(t.conversation_id)}/participants/{t.participant_id}/typing", typing_wire),
    Message: (lambda m: f"{_base(m.conversation_id)}/messages/{m.message_id}", message_wire),
    Reaction: (lambda r: f"{_base(r.conversation_id)}/messages/{r.message_id}/reactions/{r.reaction_id}",
               reaction_wire),
    Attachment: (lambda a: f"{_base(a.conversation_id)}/attachments/{a.attachment_id}", metadata_wire),
    AttachmentMetadata: (lambda m: f"{_base(m.attachment.conversation_id)}/attachments/"
                                   f"{m.attachment.attachment_id}/metadata", lambda m: metadata_wire(m.attachment)),
    Command: (lambda c: f"/commands/{c.command_id}", command_wire),
}


def publishing(handler: Handler) -> Handler:
    """Run ``handler``, then publish every change it made (none when it fails)."""

    async def run(call: Call) -> Any:
        store = chat(call)
        store.drain()
        result = handler(call)
        if hasattr(result, "__await__"):
            result = await result
        for change in store.drain():
            subject, content = PUBLISHED[type(change.resource)]
            publish(call, TOPIC, change.method, subject(change.resource), content(change.resource),
                    account_id=change.account_id, principal_filter=change.audience)
        return result

    return run


# -- conversations ---------------------------------------------------------------------------------------------
_CONVERSATION_FIELDS = {"name": "name", "languageCode": "language_code", "thumbnailUrl": "thumbnail_url",
                        "visibility": "visibility", "hidden": "hidden",
                        "generateSystemMessages": "generate_system_messages", "accessCode": "access_code",
                        "tags": "tags"}


def list_conversations(call: Call) -> dict[str, Any]:
    include_hidden = call.query.get("hidden", "").strip().lower() == "true"
    found = chat(call).listed(caller(call), include_hidden)
    return collection((conversation_wire(c) for c in found), call, "/conversations")


def create_conversation(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    properties = _renamed(body, _CONVERSATION_FIELDS)
    visibility = properties.pop("visibility", None)
    people = [person(call, p["participantId"]) for p in body.get("originalParticipants", [])]
    created = chat(call).create_conversation(caller(call), now(call), people, stream=bool(body.get("stream")),
                                             visibility=visibility, **properties)
    return Reply(conversation_wire(created), 201)


def get_conversation(call: Call) -> dict[str, Any]:
    return conversation_wire(chat(call).conversation(caller(call), call.path["conversationId"]))


def update_conversation(call: Call) -> dict[str, Any]:
    changes = _renamed(call.body or {}, _CONVERSATION_FIELDS)
    return conversation_wire(chat(call).update_conversation(caller(call), call.path["conversationId"], now(call),
                                                            **changes))


def delete_conversation(call: Call) -> dict[str, Any]:
    return conversation_wire(chat(call).delete_conversation(caller(call), call.path["conversationId"]))


def list_user_conversations(call: Call) -> dict[str, Any]:
    who = caller(call)
    user_id = call.path["userId"]
    principal_id = who.principal_id if user_id == "me" else user_id
    user = cloudlink(call).directory.users.get(principal_id)
    account_id = user.account_id if user else who.account_id
    if principal_id != who.principal_id and not who.administers(account_id):
        raise ApiError(403, "a user's conversations are for that user and the account's admins", code="ForbiddenError")
    items = []
    for conversation, participant in chat(call).of_participant(principal_id):
        if principal_id != who.principal_id and not who.admin_of(conversation):
            continue  # a guest id may be in other accounts' conversations too
        last = conversation.last_message()
        items.append({**conversation_wire(conversation), "participantId": participant.participant_id,
                      "status": participant.status,
                      "conversationVisibility": participant.conversation_visibility,
                      "lastReadMessageDate": iso(participant.last_read_message_date),
                      "unreadCount": conversation.unread_count(participant),
                      "lastMessage": message_wire(last) if last else None})
    return collection(items, call, f"/users/{user_id}/conversations")


# -- participants ----------------------------------------------------------------------------------------------
def list_participants(call: Call) -> dict[str, Any]:
    conversation = _readable(call)
    return collection((participant_wire(p) for p in conversation.participants.values()), call,
                      f"{_base(conversation.conversation_id)}/participants")


def add_participant(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    who = caller(call)
    added = chat(call).add_participant(
        who, call.path["conversationId"], person(call, body.get("userId") or who.principal_id), now(call),
        status=body.get("status"), conversation_visibility=body.get("conversationVisibility"),
        last_read_message_date=_date(body.get("lastReadMessageDate"), "lastReadMessageDate"))
    return Reply(participant_wire(added), 201)


def get_participant(call: Call) -> dict[str, Any]:
    return participant_wire(chat(call).participant(_readable(call), call.path["participantId"]))


def update_participant(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call.body or {}
    changes = _renamed(body, {"status": "status", "conversationVisibility": "conversation_visibility"})
    if "lastReadMessageDate" in body:
        changes["last_read_message_date"] = _date(body["lastReadMessageDate"], "lastReadMessageDate")
    return participant_wire(chat(call).update_participant(
        caller(call), call.path["conversationId"], call.path["participantId"], now(call), **changes))


def remove_participant(call: Call) -> dict[str, Any]:
    return participant_wire(chat(call).remove_participant(
        caller(call), call.path["conversationId"], call.path["participantId"], now(call)))


def post_typing(call: Call) -> Reply:
    chat(call).typing(caller(call), call.path["conversationId"], call.path["participantId"],
                      (call.body or {})["action"])
    return Reply(None, 204)


# -- messages --------------------------------------------------------------------------------------------------
_MESSAGE_FIELDS = {"contentType": "content_type", "fallbackText": "fallback_text",
                   "parentMessageId": "parent_message_id", "tag": "tag"}


def list_messages(call: Call) -> dict[str, Any]:
    conversation = _readable(call)
    return collection((message_wire(m) for m in conversation.messages.values()), call,
                      f"{_base(conversation.conversation_id)}/messages")


def post_message(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    message = chat(call).post_message(caller(call), call.path["conversationId"], now(call), body["body"],
                                      **_renamed(body, _MESSAGE_FIELDS))
    return Reply(message_wire(message), 201)


def get_message(call: Call) -> dict[str, Any]:
    return message_wire(chat(call).message(_readable(call), call.path["messageId"]))


def update_message(call: Call) -> dict[str, Any]:
    changes = _renamed(call.body or {}, {"body": "body", **_MESSAGE_FIELDS})
    return message_wire(chat(call).update_message(caller(call), call.path["conversationId"],
                                                  call.path["messageId"], now(call), **changes))


def delete_message(call: Call) -> dict[str, Any]:
    return message_wire(chat(call).delete_message(caller(call), call.path["conversationId"],
                                                  call.path["messageId"]))


# -- reactions -------------------------------------------------------------------------------------------------
def list_reactions(call: Call) -> dict[str, Any]:
    conversation = _readable(call)
    message = chat(call).message(conversation, call.path["messageId"])
    return collection((reaction_wire(r) for r in message.reactions.values()), call,
                      f"{_base(conversation.conversation_id)}/messages/{message.message_id}/reactions")


def add_reaction(call: Call) -> Reply:
    reaction = chat(call).react(caller(call), call.path["conversationId"], call.path["messageId"],
                                (call.body or {})["reaction"], now(call))
    return Reply(reaction_wire(reaction), 201)


def delete_reaction(call: Call) -> dict[str, Any]:
    return reaction_wire(chat(call).unreact(caller(call), call.path["conversationId"], call.path["messageId"],
                                            call.path["reactionId"]))


# -- attachments -----------------------------------------------------------------------------------------------
def _attachment_id(call: Call) -> str:
    attachment_id = call.path["attachmentId"]
    if not _ATTACHMENT_ID.match(attachment_id):
        raise ApiError(400, "an attachmentId is 1 to 128 letters, digits, '.', '_', '~' or '-', starting with a "
                            "letter or digit", code="BadRequestError")
    return attachment_id


async def _read_at_most(request: Request, limit: int) -> bytes:
    """The request body, or a 413 once it passes ``limit`` bytes (the rest is read and dropped, so the client
    gets the answer rather than a reset connection)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise ApiError(413, f"an attachment is at most {limit} bytes (10 MB); this one is {size}",
                       code="PayloadTooLargeError")
    return b"".join(chunks)


def list_attachments(call: Call) -> dict[str, Any]:
    conversation = _readable(call)
    return collection((metadata_wire(a) for a in conversation.attachments.values()), call,
                      f"{_base(conversation.conversation_id)}/attachments")


async def put_attachment(call: Call) -> Reply:
    attachment_id = _attachment_id(call)
    data = await _read_at_most(call.request, ATTACHMENT_LIMIT)
    content_type = call.request.headers.get("content-type", "").strip() or "application/octet-stream"
    attachment, created = chat(call).put_attachment(caller(call), call.path["conversationId"], attachment_id,
                                                    data, content_type, now(call))
    return Reply(metadata_wire(attachment), 201 if created else 200)


def _attachment(call: Call) -> Attachment:
    """The path's attachment, of a conversation the caller may read."""
    return chat(call).attachment(_readable(call), _attachment_id(call))


def get_attachment(call: Call) -> Reply:
    attachment = _attachment(call)
    return Reply(attachment.data, 200, {"content-type": attachment.content_type})


def delete_attachment(call: Call) -> dict[str, Any]:
    return metadata_wire(chat(call).delete_attachment(caller(call), call.path["conversationId"],
                                                      _attachment_id(call)))


def get_attachment_metadata(call: Call) -> dict[str, Any]:
    return metadata_wire(_attachment(call))


def update_attachment_metadata(call: Call) -> dict[str, Any]:
    changes = _renamed(call.body or {}, {"fileName": "file_name", "description": "description", "custom": "custom"})
    return metadata_wire(chat(call).update_attachment_metadata(caller(call), call.path["conversationId"],
                                                               _attachment_id(call), now(call), **changes))


# -- commands --------------------------------------------------------------------------------------------------
def list_commands(call: Call) -> dict[str, Any]:
    return collection((command_wire(c) for c in chat(call).account_commands(caller(call).account_id)), call,
                      "/commands")


def create_command(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    command = chat(call).create_command(caller(call), now(call), body["name"], body["action"],
                                        body.get("description"), body.get("text"))
    return Reply(command_wire(command), 201)


def get_command(call: Call) -> dict[str, Any]:
    return command_wire(chat(call).command(caller(call).account_id, call.path["commandId"]))


def update_command(call: Call) -> dict[str, Any]:
    changes = _renamed(call.body or {}, {"description": "description", "action": "action", "text": "text"})
    return command_wire(chat(call).update_command(caller(call), call.path["commandId"], **changes))


def delete_command(call: Call) -> dict[str, Any]:
    return command_wire(chat(call).delete_command(caller(call), call.path["commandId"]))


def execute_command(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call.body or {}
    result = chat(call).invoke(caller(call), call.path["commandId"], body["conversationId"],
                               body.get("arguments") or "", now(call))
    return command_result_wire(result)


HANDLERS: dict[str, Handler] = {name: publishing(handler) for name, handler in {
    "Conversations_List": list_conversations,
    "Conversations_Create": create_conversation,
    "Conversations_Get": get_conversation,
    "Conversations_Update": update_conversation,
    "Conversations_Delete": delete_conversation,
    "UserConversations_List": list_user_conversations,
    "Participants_List": list_participants,
    "Participants_Add": add_participant,
    "Participants_Get": get_participant,
    "Participants_Update": update_participant,
    "Participants_Remove": remove_participant,
    "Participants_Typing": post_typing,
    "Messages_List": list_messages,
    "Messages_Create": post_message,
    "Messages_Get": get_message,
    "Messages_Update": update_message,
    "Messages_Delete": delete_message,
    "Reactions_List": list_reactions,
    "Reactions_Add": add_reaction,
    "Reactions_Delete": delete_reaction,
    "Attachments_List": list_attachments,
    "Attachments_Put": put_attachment,
    "Attachments_Get": get_attachment,
    "Attachments_Delete": delete_attachment,
    "AttachmentMetadata_Get": get_attachment_metadata,
    "AttachmentMetadata_Update": update_attachment_metadata,
    "Commands_List": list_commands,
    "Commands_Create": create_command,
    "Commands_Get": get_command,
    "Commands_Update": update_command,
    "Commands_Delete": delete_command,
    "Commands_Execute": execute_command,
}.items()}
