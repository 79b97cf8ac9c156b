"""The workflow service's generic bot webhook, as Mitel's bot-handoff sample (``mitel-networks/third-party-chat-
bots``, ``azure-bot-handoff``) uses it: a bot posts its conversations' activities to
``/webhooks/accounts/{accountId}/workers``, and a ``handoff`` puts the conversation in the contact center.

A conversation is ``bot`` until a ``handoff`` (with the transcript) makes it ``queued``: the simulator posts a
MiCC open-media item for it (routed like any other); once an agent has it, it is ``agent``; the client
leaving (a ``conversationUpdate`` removing them) or the item ending makes it ``ended``. Messages and typing
sent meanwhile are kept with the conversation (the newest :data:`MESSAGES_KEPT`).

Each handoff also opens a CloudLink Chat conversation (``chat_id``, see :mod:`.handoff_chat`): the transcript
and the client's messages are written into it, the accepting agent's CloudLink user joins it, and what that
user writes there is relayed to the bot. Workflow keeps the newest :data:`CHATS_KEPT` of them (``chats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from micc_sim.world.cloudlink_config import cl_id

MESSAGES_KEPT = 500
CONVERSATIONS_KEPT = 2_000
CHATS_KEPT = 2_000  # the chat conversations of handoffs Workflow keeps; over it the oldest is deleted


class HandoffState(StrEnum):
    bot = "bot"
    queued = "queued"
    agent = "agent"
    ended = "ended"


@dataclass
class BotConversation:
    conversation_id: str
    account_id: str
    client_id: str
    client_name: str
    state: HandoffState
    created_on: datetime
    item_id: str | None = None  # the MiCC open-media item of the (latest) handoff
    handoffs: int = 0
    connector_url: str | None = None  # the Bot Connector base the bot answers Workflow's activities at
    agent_id: str | None = None
    chat_id: str | None = None  # the CloudLink Chat conversation of the (latest) handoff
    transcript: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # what the client sent after the handoff
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class WorkflowState:
    conversations: dict[str, BotConversation] = field(default_factory=dict)
    chats: list[str] = field(default_factory=list)  # the handoffs' chat conversations, oldest first

    def conversation(self, account_id: str, conversation_id: str, client: dict[str, Any], now: datetime
                     ) -> BotConversation:
        key = f"{account_id}/{conversation_id}"
        found = self.conversations.get(key)
        if found is None:
            if len(self.conversations) >= CONVERSATIONS_KEPT:
                ended = [k for k, c in self.conversations.items() if c.state is HandoffState.ended]
                for k in ended[: max(1, len(ended) // 2)] or list(self.conversations)[:1]:
                    del self.conversations[k]
            found = BotConversation(conversation_id, account_id, str(client.get("id") or ""),
                                    str(client.get("name") or ""), HandoffState.bot, now)
            self.conversations[key] = found
        return found

    def by_item(self, item_id: str) -> BotConversation | None:
        return next((c for c in self.conversations.values() if c.item_id == item_id), None)

    def by_chat(self, chat_id: str) -> BotConversation | None:
        """The bot conversation whose latest handoff's chat conversation is ``chat_id``."""
        if chat_id not in self.chats:
            return None
        return next((c for c in self.conversations.values() if c.chat_id == chat_id), None)


def item_id_of(account_id: str, conversation_id: str, handoff: int) -> str:
    """The open-media item of a conversation's ``handoff``-th handoff (stable across runs)."""
    return cl_id("workflow-handoff", f"{account_id}/{conversation_id}/{handoff}")


def keep(messages: list[dict[str, Any]], message: dict[str, Any]) -> None:
    messages.append(message)
    del messages[:-MESSAGES_KEPT]
