"""Chat tag, CloudLink chats: the MiCC server reads CloudLink's chat service for a conversation's tags and
transcript. The SDK answers from the simulator's own CloudLink tenant (``sim.cloudlink``), read as data (no
import of the CloudLink face); the employee of a transcript must be the MiCC employee a participant's CloudLink
user is mapped to (``micc_employee``): the agent mapping of the integrator guide."""

from __future__ import annotations

from typing import Any

from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World


def _conversation(call: Call) -> Any:
    wanted = call.path["interactionId"].lower()
    chat = getattr(getattr(call.sim, "cloudlink", None), "chat", None)
    for conversation in (chat.conversations.values() if chat is not None else ()):
        if conversation.conversation_id.lower() == wanted:
            return conversation
    raise ApiError(404, f"The CloudLink chat '{call.path['interactionId']}' was not found.")


def _user_messages(conversation: Any) -> list[Any]:
    return [m for m in conversation.messages.values() if m.message_type == "USER"]


def get_transcript_ready(call: Call) -> bool:
    """Ready once anyone has written in the chat."""
    return bool(_user_messages(_conversation(call)))


def get_tag(call: Call) -> bool:
    conversation = _conversation(call)
    return call.path["tagId"].lower() in (t.lower() for t in conversation.tags)


def get_transcript(call: Call) -> dict[str, Any]:
    world: World = call.world
    conversation = _conversation(call)
    employee = world.employee(call.path["employeeId"])
    refs = {employee.id.lower(), employee.username.lower(), (employee.reporting or "").lower()} - {""}
    users = call.sim.cloudlink.directory.users
    mapped = {u.user_id for u in users.values() if (u.micc_employee or "").lower() in refs}
    if not mapped & set(conversation.participants):
        raise ApiError(403, f"The employee '{employee.username}' is not a participant of the CloudLink chat "
                            f"'{conversation.conversation_id}' (no CloudLink user of theirs is).")
    lines = [f"[{m.created_on.strftime('%Y-%m-%d %H:%M:%S')}] {m.sender_name or m.sender_id or 'system'}: "
             f"{m.body}" for m in _user_messages(conversation)]
    return {"body": "\n".join(lines)}


HANDLERS = {
    "Chat_GetCloudlinkTranscriptReady": get_transcript_ready,
    "Chat_GetCloudlinkChatTag": get_tag,
    "Chat_GetCloudlinkTranscript": get_transcript,
}
