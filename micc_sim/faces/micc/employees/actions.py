"""ConversationAction -> world command, for the conversations of an agent's inbox or a queue.

Only the actions that make sense for open media items are simulated; the others (voice's Dtmf, email's
Forward, ...) are refused with a 400 that says so, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from micc_sim.spec.router import ApiError, Call
from micc_sim.world import calls
from micc_sim.world.core import World
from micc_sim.world.interactions import Interaction
from micc_sim.world.model import ConversationState, Employee, OpenMediaItem
from micc_sim.world.sessions import InteractionError


def _need_agent(agent: Employee | None, action: str) -> Employee:
    if agent is None:
        raise ApiError(403, f"{action} needs an employee's token; third-party (client) requests are denied.")
    return agent


def _transfer(world: World, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    destination = update.get("transferDestination")
    kind = update.get("transferDestinationType", "Queue")
    if not destination:
        raise ApiError(400, "The request is invalid.", {"model.transferDestination": [
            "A Transfer needs a transferDestination (a queue or an employee)."]})
    if kind == "Queue":
        world.transfer_open_media(item.id, queue=world.queue(destination))
    elif kind == "Employee":
        world.transfer_open_media(item.id, employee=world.employee(destination))
    else:
        raise ApiError(400, f"Open media items cannot be transferred to a destination of type {kind}.")


def _end(world: World, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    if item.state is ConversationState.Offered and agent is not None and item.agent_id == agent.id:
        world.decline_open_media(item.id, agent)  # ending an offer one never accepted declines it
    elif item.state in (ConversationState.Acd, ConversationState.Held):
        world.end_open_media(item.id)
    else:
        world.complete_open_media(item.id)  # a supervisor ending a waiting item abandons it


def _classify(world: World, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    codes = [p.get("value") or p.get("key") for p in update.get("tags") or [] if isinstance(p, dict)]
    if not any(codes):
        raise ApiError(400, "EnterClassificationCode needs the codes, as tags: [{key, value}, ...].")
    world.classify_open_media(item.id, [str(c) for c in codes if c])


def _accept(world: World, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    """Accept an offer. An item the agent already picked is theirs already: Mitel's "Pick & Reply" sends Pick,
    then Accept, and that Accept is a no-op here (*inferred*)."""
    agent = _need_agent(agent, "Accept")
    if item.state in (ConversationState.Acd, ConversationState.Held) and item.agent_id == agent.id:
        return
    world.accept_open_media(item.id, agent.id)


def _close_unanswered(world: World, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    """NoReply and Junk, which Mitel's queueConversationControl sample offers on open media in a queue: the
    agent takes the item (out of the queue, or the offer ringing for them) and closes it, handled without a
    reply (*inferred*: the real server's bookkeeping of junk is not documented)."""
    agent = _need_agent(agent, str(update.get("conversationAction")))
    if item.state is ConversationState.InQueue:
        world.pick_open_media(item.id, agent)
    elif item.state is ConversationState.Offered and item.agent_id == agent.id:
        world.accept_open_media(item.id, agent.id)
    elif item.agent_id != agent.id:
        raise ApiError(400, f"The conversation '{item.id}' is with another agent.")
    world.end_open_media(item.id)


ACTIONS: dict[str, Callable[[World, OpenMediaItem, dict[str, Any], Employee | None], None]] = {
    "NoReply": _close_unanswered,
    "Junk": _close_unanswered,
    "Accept": _accept,
    "Decline": lambda w, i, u, a: w.decline_open_media(i.id, _need_agent(a, "Decline")),
    "Hold": lambda w, i, u, a: w.hold_open_media(i.id, _need_agent(a, "Hold")),
    "RemoveHold": lambda w, i, u, a: w.hold_open_media(i.id, _need_agent(a, "RemoveHold"), hold=False),
    "Transfer": _transfer,
    "Pick": lambda w, i, u, a: w.pick_open_media(i.id, _need_agent(a, "Pick")),
    "End": _end,
    "Reroute": lambda w, i, u, a: w.reroute_open_media(i.id),
    "EnterClassificationCode": _classify,
}


def apply_action(call: Call, item: OpenMediaItem, update: dict[str, Any], agent: Employee | None) -> None:
    action = update.get("conversationAction")
    handler = ACTIONS.get(action or "")
    if handler is None:
        simulated = ", ".join(ACTIONS)
        raise ApiError(400, f"The action {action} does not apply to open media conversations "
                            f"(simulated: {simulated}).")
    handler(call.world, item, update, agent)
    if agent is not None:
        call.world.note_agent_action(item, action)


CALL_ACTIONS: dict[str, Callable[[World, Interaction, Employee], None]] = {
    "Accept": lambda w, it, a: w.sessions.answer(it, a),
    "End": lambda w, it, a: w.sessions.hangup(it, a),
    "Hold": lambda w, it, a: calls.hold(w, a, it),
    "RemoveHold": lambda w, it, a: calls.retrieve(w, a, it),
}


def apply_call_action(call: Call, it: Interaction, update: dict[str, Any], agent: Employee | None) -> None:
    """A conversation action on a call (or chat, e-mail, SMS) of the agent's: answer, hang up, hold, retrieve."""
    action = update.get("conversationAction")
    handler = CALL_ACTIONS.get(action or "")
    if handler is None:
        raise ApiError(400, f"The action {action} is not simulated for {it.media.name} conversations "
                            f"(simulated: {', '.join(CALL_ACTIONS)}).")
    agent = _need_agent(agent, str(action))
    if it.agent_id != agent.id:
        raise ApiError(404, f"The conversation '{it.id}' is not in the inbox of {agent.username}.")
    try:
        handler(call.world, it, agent)
    except InteractionError as exc:
        raise ApiError(400, str(exc)) from exc
