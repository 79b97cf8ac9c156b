"""Workflow telling the bot that an agent joined, wrote or left its conversation (the other half of the handoff).

As the bot-handoff sample's interface file says, Workflow sends the bot a ``conversationUpdate`` with the agent
(``role: "agent"``) in ``membersAdded`` when the agent is ready, and in ``membersRemoved`` when the agent
leaves, as Bot Framework activities to the bot's messaging endpoint (the world file's
``cloudlink.workflow_bots``); what the agent writes (and their typing) in the handoff's chat conversation
goes the same way, as ``message`` (``typing``) activities from the agent. Their ``serviceUrl`` is the
simulator's Bot Connector stand-in (``/workflow/2017-09-01/botconnector``), which takes the bot's replies.
Sends go out on a thread of their own, at most :data:`IN_FLIGHT` at once (more are dropped and counted),
never to any other URL, and through the delivery guard (:mod:`micc_sim.outbound`): never to the simulator
itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from datetime import datetime
from typing import Any

import httpx

from micc_sim.faces.cloudlink.common import iso
from micc_sim.faces.cloudlink.workflow.models import BotConversation
from micc_sim.outbound import OwnSockets, delivery_client

log = logging.getLogger(__name__)
IN_FLIGHT = 8
CHANNEL = "mitel-workflow"  # the channelId of Workflow's activities (inferred)
_slots = threading.BoundedSemaphore(IN_FLIGHT)
dropped = 0


def agent_activity(conversation: BotConversation, agent: dict[str, Any], joined: bool, now: datetime
                   ) -> dict[str, Any]:
    member = {"id": agent["id"], "name": agent["name"], "role": "agent"}
    return {"type": "conversationUpdate", "id": str(uuid.uuid4()), "timestamp": iso(now), "channelId": CHANNEL,
            "serviceUrl": conversation.connector_url, "from": member,
            "recipient": {"id": conversation.client_id, "name": conversation.client_name, "role": "user"},
            "conversation": {"id": conversation.conversation_id},
            "membersAdded": [member] if joined else [], "membersRemoved": [] if joined else [member]}


def agent_said(conversation: BotConversation, agent: dict[str, Any], now: datetime, text: str | None = None
               ) -> dict[str, Any]:
    """The agent's chat message (``text``) relayed to the bot as a ``message`` activity; without text, the
    agent typing (a ``typing`` activity)."""
    member = {"id": agent["id"], "name": agent["name"], "role": "agent"}
    activity = {"type": "message" if text is not None else "typing", "id": str(uuid.uuid4()), "timestamp": iso(now),
                "channelId": CHANNEL, "serviceUrl": conversation.connector_url, "from": member,
                "recipient": {"id": conversation.client_id, "name": conversation.client_name, "role": "user"},
                "conversation": {"id": conversation.conversation_id}}
    if text is not None:
        activity.update(text=text, textFormat="plain")
    return activity


def send(url: str, activity: dict[str, Any], own: OwnSockets) -> None:
    """POST ``activity`` to the bot at ``url`` (a configured endpoint) without holding the caller."""
    global dropped
    if not _slots.acquire(blocking=False):
        dropped += 1
        return

    async def deliver() -> None:
        async with delivery_client(own, timeout=10) as client:
            await client.post(url, json=activity)

    def post() -> None:
        try:
            asyncio.run(deliver())
        except httpx.HTTPError as exc:
            log.info("workflow: the bot at %s did not take %s: %s", url, activity["type"], exc)
        finally:
            _slots.release()

    threading.Thread(target=post, name="micc-sim-workflow-bot", daemon=True).start()
