"""The CloudLink Chat conversation of a handoff: where the agent reads the client and writes to them.

At a ``handoff`` Workflow opens a private stream conversation in the account (tag :data:`TAG`, name after the
client), created by Workflow itself (:func:`workflow_caller`, a principal of the account that moderates what it
created), with the client as an accepted participant, and writes the transcript into it as messages from
whoever said them. What the client sends afterwards is written there too. When a MiCC agent accepts the item,
the CloudLink user mapped to that employee (``micc_employee``) joins as an accepted participant; what a
participant other than the client posts there is what Workflow relays to the bot (:mod:`micc_sim.faces.cloudlink.
flows`). The conversation's shape, its tag and Workflow's principal are *inferred* (docs/cloudlink-workflow.md).

Changes are published on ``platform-api-conversations`` like the Chat API's own (:func:`publish`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from micc_sim.faces.cloudlink.chat.models import ACCEPTED, PRIVATE, Caller, ChatError, Person
from micc_sim.faces.cloudlink.chat.responses import PUBLISHED, TOPIC
from micc_sim.faces.cloudlink.workflow.models import CHATS_KEPT, BotConversation
from micc_sim.world.cloudlink_config import cl_id

if TYPE_CHECKING:
    from micc_sim.faces.cloudlink.platform import CloudLink

log = logging.getLogger(__name__)
TAG = "bot-handoff"  # the tag of a handoff's chat conversation (inferred)
WORKFLOW_NAME = "Mitel Workflow"  # the name Workflow's principal writes under (inferred)
TEXT_LIMIT = 20_000  # characters of one message Workflow writes into the chat


def workflow_id(account_id: str) -> str:
    """Workflow's principal in ``account_id``: the creator of its handoffs' chat conversations."""
    return cl_id("workflow-principal", account_id)


def workflow_caller(account_id: str) -> Caller:
    """Workflow acting in the Chat service: it administers its own account's conversations (so it is no
    participant of those it creates, and may write in them for the bot's side)."""
    return Caller(workflow_id(account_id), account_id, WORKFLOW_NAME, False, lambda other: other == account_id)


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _person(member: Any, fallback: Person) -> Person:
    if not isinstance(member, dict) or not member.get("id"):
        return fallback
    return Person(str(member["id"]), str(member.get("name") or member["id"]))


def open_chat(platform: CloudLink, conversation: BotConversation, now: datetime) -> str:
    """Open the chat conversation of the conversation's new handoff (transcript written in); returns its id."""
    chat, workflow = platform.chat, workflow_caller(conversation.account_id)
    client = Person(conversation.client_id, conversation.client_name or conversation.client_id)
    opened = chat.create_conversation(workflow, now, [client] if client.principal_id else [], stream=True,
                                      visibility=PRIVATE, name=f"{client.name} (bot handoff)", tags=[TAG],
                                      generate_system_messages=True)
    if client.principal_id:
        chat.update_participant(workflow, opened.conversation_id, client.principal_id, now, status=ACCEPTED)
    for said in conversation.transcript:
        text = said.get("text")
        if isinstance(text, str) and text:
            chat.post_for(workflow, opened.conversation_id, _person(said.get("from"), client), now,
                          text[:TEXT_LIMIT], created_on=_when(said.get("timestamp")))
    state = platform.workflow
    state.chats.append(opened.conversation_id)
    while len(state.chats) > CHATS_KEPT:  # the oldest handoff's chat goes (published as deleted)
        oldest = chat.conversations.get(state.chats.pop(0))
        if oldest is not None:
            chat.delete_conversation(workflow_caller(oldest.account_id), oldest.conversation_id)
    return opened.conversation_id


def client_said(platform: CloudLink, conversation: BotConversation, sender: dict[str, Any], text: Any,
                now: datetime) -> None:
    """Write what the client sent to the webhook into the handoff's chat conversation."""
    if not conversation.chat_id or not isinstance(text, str) or not text:
        return
    client = Person(conversation.client_id, conversation.client_name or conversation.client_id)
    try:
        platform.chat.post_for(workflow_caller(conversation.account_id), conversation.chat_id,
                               _person(sender, client), now, text[:TEXT_LIMIT])
    except ChatError as exc:  # the chat conversation was deleted through the Chat API
        log.info("workflow: %s is not written to chat %s: %s", conversation.conversation_id, conversation.chat_id,
                 exc)


def agent_joins(platform: CloudLink, conversation: BotConversation, refs: tuple[str | None, ...],
                now: datetime) -> str | None:
    """The CloudLink user mapped to the accepting employee (any of ``refs``: id, username, reporting number)
    joins the chat conversation as an accepted participant; returns its user id (None: no such user)."""
    directory = platform.directory
    user = next((u for u in directory.users.values() if u.account_id == conversation.account_id
                 and (u.micc_employee or "").lower() in {r.lower() for r in refs if r}), None)
    if user is None or not conversation.chat_id:
        return None
    chat, workflow = platform.chat, workflow_caller(conversation.account_id)
    try:
        found = chat.conversation(workflow, conversation.chat_id)
        present = found.participant(user.user_id)
        if present is None:
            chat.add_participant(workflow, conversation.chat_id, Person(user.user_id, user.name, user.account_id),
                                 now, status=ACCEPTED, conversation_visibility=None, last_read_message_date=None)
        elif present.status != ACCEPTED:
            chat.update_participant(workflow, conversation.chat_id, user.user_id, now, status=ACCEPTED)
    except ChatError as exc:  # deleted, or the user BLOCKED there through the Chat API
        log.info("workflow: %s does not join chat %s: %s", user.user_id, conversation.chat_id, exc)
        return None
    return user.user_id


def publish(platform: CloudLink, account_id: str, correlation_id: str | None) -> None:
    """Publish what Workflow changed in the Chat service, as the Chat API publishes its own changes."""
    for change in platform.chat.drain():
        subject, content = PUBLISHED[type(change.resource)]
        platform.notify.publish(TOPIC, change.method, subject(change.resource), content(change.resource),
                                account_id=change.account_id, principal_id=workflow_id(account_id),
                                correlation_id=correlation_id, principal_filter=change.audience)
