"""Sms tag: the SMS queues an agent may send from, and the caller's personal SMS reply templates."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.replytemplates.responses import personal_handlers
from micc_sim.faces.micc.wire import listing
from micc_sim.spec.router import Call
from micc_sim.world.core import World
from micc_sim.world.model import MediaType, Queue


def sender_queue_to_wire(world: World, queue: Queue, call: Call) -> dict[str, Any]:
    """A queue as the from-field lists (SMS and e-mail sender queues)."""
    return {"_links": {"self": {"href": call.url_for(f"/queues/{queue.id}")}}, "_embedded": None,
            "id": queue.id, "name": queue.name, "reporting": queue.reporting, "mediaType": queue.media_type.name}


def get_sms_queues(call: Call) -> dict[str, Any]:
    world: World = call.world
    return listing(call, "/sms/queues", sender_queue_to_wire,
                   [q for q in world.queues.values() if q.media_type is MediaType.Sms])


HANDLERS = {"Sms_GetSmsQueues": get_sms_queues, **personal_handlers("Sms", "Sms", access_checks=False)}
