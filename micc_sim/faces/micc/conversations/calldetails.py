"""Conversations tag, call details: key/value pairs an integration stores on the enterprise server for a
conversation (shown in WebIgnite); each PUT replaces the pairs, and the answer is what is stored."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.conversations.responses import find_conversation
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World


def put_call_details(call: Call) -> dict[str, Any]:
    world: World = call.world
    conversation = find_conversation(world, call.path["id"])
    body = call.body if isinstance(call.body, dict) else {}
    variables = next((v for k, v in body.items() if k.lower() == "variables"), None) or []
    pairs: list[tuple[str, str]] = []
    for n, pair in enumerate(variables):
        lowered = {k.lower(): v for k, v in pair.items()} if isinstance(pair, dict) else {}
        key = lowered.get("key")
        if not isinstance(key, str) or not key:
            raise ApiError(400, "The request is invalid.", {f"model.Variables[{n}].Key": ["A key is required."]})
        value = lowered.get("value")
        pairs.append((key, "" if value is None else str(value)))
    world.records.call_details[conversation.id] = pairs
    return {"variables": [{"key": k, "value": v} for k, v in pairs]}


HANDLERS = {"Conversations_PutCallDetails": put_call_details}
