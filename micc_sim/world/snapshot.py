"""Saving a world to JSON and restoring it, exactly.

A snapshot holds the world's configuration and every piece of its running state: agents, waiting lists,
queue statistics and event logs, items (ended ones in the history too), the id generator and the pending
virtual-agent timers, plus the simulated time. It is plain data (the control API writes it as canonical
JSON); restoring a snapshot and taking a new one gives the same data, byte for byte once written.

Entities are encoded from their dataclass fields and type hints, so a field added to the model is saved
without touching this module.
"""

from __future__ import annotations

import base64
import dataclasses
import types
import typing
from collections import Counter, deque
from datetime import datetime
from enum import Enum
from typing import Any

from micc_sim.world import snapshot_ops
from micc_sim.world.clock import Clock
from micc_sim.world.config import WorldConfig
from micc_sim.world.core import World
from micc_sim.world.directory import Contact
from micc_sim.world.events import EventBus
from micc_sim.world.interactions import Interaction
from micc_sim.world.model import ConversationState, Employee, OpenMediaItem, Queue, QueueCounters
from micc_sim.world.queue_log import QueueEventKind
from micc_sim.world.quirks import Quirks
from micc_sim.world.waiting import WaitingList

FORMAT = "micc-sim-snapshot/1"


class SnapshotError(ValueError):
    pass


# -- generic codec over type hints ----------------------------------------------------------------
def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):  # binary content (chat attachments) as base64 text
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, set | frozenset):
        return sorted(encode(v) for v in value)
    if isinstance(value, list | tuple | deque):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(encode(k)): encode(v) for k, v in value.items()}
    return value


def decode(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return decode(next(a for a in args if a is not type(None)), value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is bytes:
        return base64.b64decode(value, validate=True)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint[value]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return decode_entity(hint, value)
    if origin in (set, frozenset):
        return {decode(args[0], v) for v in value}
    if origin is list:
        return [decode(args[0], v) for v in value]
    if origin is dict:
        return {decode(args[0], k): decode(args[1], v) for k, v in value.items()}
    return value


def decode_entity(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - fields
    if unknown:
        raise SnapshotError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
    return cls(**{name: decode(hints[name], value) for name, value in data.items()})


# -- the world ------------------------------------------------------------------------------------
def dump(world: World, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "now": world.clock.now().isoformat(),
        "config": world.config.model_dump(mode="json"),
        "employees": [encode(e) for e in world.employees.values()],
        "queues": [{"id": q.id, "waiting": list(q.waiting), "stats": encode(q.stats),
                    "log": [[at.isoformat(), kind.value, seconds] for at, kind, seconds in q.log.entries]}
                   for q in world.queues.values()],
        "items": [encode(i) for i in world.items.values()],
        "ended": list(world._ended),
        "ended_counts": {state.name: n for state, n in sorted(world.ended_counts.items()) if n},
        "id_generator": encode(world._ids.getstate()),
        "draw_seed": world.agents.draws.seed,
        "timers": [{"item": item_id, "action": action, "agent": agent, "due": due.isoformat()}
                   for item_id, action, agent, due in world.agents.pending()],
        "interactions": _dump_sessions(world),
        "contacts": [encode(c) for c in world.contacts.values()],
        "records": snapshot_ops.dump(world, encode),  # cases, history, templates, web hooks, ... (SDK writes)
        **(extra or {}),
    }


def load(data: dict[str, Any], clock: Clock, bus: EventBus | None = None, quirks: Quirks | None = None) -> World:
    """A world exactly as ``data`` (from :func:`dump`) describes it; the clock is set to its time."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(f"not a micc-sim snapshot (expected \"format\": \"{FORMAT}\")")
    try:
        clock.cancel_all()
        clock.set(datetime.fromisoformat(data["now"]))
        world = World(WorldConfig.model_validate(data["config"]), clock, bus, quirks, seed=data.get("draw_seed", 0))
        world.employees = {e["id"]: decode_entity(Employee, e) for e in data["employees"]}
        for q in data["queues"]:
            queue: Queue = world.queues[q["id"]]
            queue.waiting = WaitingList()
            queue.stats = decode_entity(QueueCounters, q["stats"])
            queue.log.replace((datetime.fromisoformat(at), QueueEventKind(kind), seconds)
                              for at, kind, seconds in q["log"])
        world.items = {i["id"]: decode_entity(OpenMediaItem, i) for i in data["items"]}
        for q in data["queues"]:
            for item_id in q["waiting"]:
                item = world.items[item_id]
                world.queues[q["id"]].waiting.add(item_id, (item.time_offered_to_queue, item.queue_seq))
        world._queue_seq = max((i.queue_seq for i in world.items.values()), default=0)
        world._waiting_in = None  # items were put in waiting lists directly: dispatch looks at every queue again
        world._folded_ids = {item_id.lower(): item_id for item_id in world.items}
        world._ended = deque(data["ended"])
        world.ended_counts = Counter({ConversationState[k]: v for k, v in data["ended_counts"].items()})
        world._ids.setstate(_tuples(data["id_generator"]))
        world.agents.cancel_all()  # the snapshot's timers, not the ones a fresh world starts with
        world._agents_changed()  # its agents were replaced: nothing derived from the old ones may stay
        for timer in data["timers"]:
            world.agents.restore(timer["item"], timer["action"], timer["agent"],
                                 datetime.fromisoformat(timer["due"]))
        _load_sessions(world, data.get("interactions"))
        if "contacts" in data:  # snapshots taken before the directory kept contacts have the config's
            world.contacts = {c["id"]: decode_entity(Contact, c) for c in data["contacts"]}
        snapshot_ops.load(world, data.get("records"), decode, decode_entity)
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"the snapshot is damaged: {type(exc).__name__}: {exc}") from exc
    return world


def _tuples(value: Any) -> Any:
    """JSON made the random generator's state tuples into lists; give them back."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _dump_sessions(world: World) -> dict[str, Any]:
    """Calls, chats, e-mails and SMS (sessions.py): entities, waiting lists, readiness and their timers."""
    sessions = world.sessions
    return {
        "items": [encode(i) for i in sessions.interactions.values()],
        "waiting": {queue_id: list(ids) for queue_id, ids in sessions.waiting.items()},
        "common_hold": list(sessions.common_hold),
        "next_number": sessions.next_number,
        "not_ready_reasons": dict(sessions.not_ready_reasons),
        "recording_modes": dict(sessions.recording_modes),
        "item_cq_codes": {k: list(v) for k, v in sessions.item_cq_codes.items()},
        "ended": list(sessions.ended),
        "timers": [{"interaction": it_id, "action": action, "due": due.isoformat()}
                   for it_id, action, due in sessions.pending()],
    }


def _load_sessions(world: World, data: dict[str, Any] | None) -> None:
    if data is None:  # a snapshot from before calls and chats were simulated
        return
    sessions = world.sessions
    sessions.interactions = {i["id"]: decode_entity(Interaction, i) for i in data["items"]}
    sessions.by_number = {i.number: i.id for i in sessions.interactions.values()}
    sessions.open = {i.id for i in sessions.interactions.values() if i.live}
    sessions.waiting = {queue_id: list(ids) for queue_id, ids in data["waiting"].items()}
    sessions.common_hold = list(data["common_hold"])
    sessions.next_number = int(data["next_number"])
    sessions.not_ready_reasons = dict(data["not_ready_reasons"])
    sessions.recording_modes = dict(data["recording_modes"])
    sessions.item_cq_codes = {k: [int(c) for c in v] for k, v in data["item_cq_codes"].items()}
    sessions.ended = deque(data["ended"])
    for timer in data["timers"]:
        sessions.restore_timer(timer["interaction"], timer["action"], datetime.fromisoformat(timer["due"]))
