"""WarningReason tag: the reasons a supervisor may give when warning about a case, from the world's catalog."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import Named, find
from micc_sim.world.core import World


def named_to_wire(base: str, thing: Named, call: Call) -> dict[str, Any]:
    """The id-and-name models (warning reasons, prompts) under ``base``."""
    return {"_links": {"self": {"href": call.url_for(f"{base}/{path_segment(thing.id)}")}}, "_embedded": None,
            "id": thing.id, "name": thing.name}


def _wire(world: World, reason: Named, call: Call) -> dict[str, Any]:
    return named_to_wire("/warningreasons", reason, call)


def get_warning_reasons(call: Call) -> dict[str, Any]:
    return listing(call, "/warningreasons", _wire, call.world.catalog.warning_reasons.values())


def get_warning_reason(call: Call) -> dict[str, Any]:
    world: World = call.world
    return _wire(world, find(world.catalog.warning_reasons, call.path["id"], "warning reason"), call)


HANDLERS = {
    "WarningReason_GetWarningReasons": get_warning_reasons,
    "WarningReason_GetWarningReason": get_warning_reason,
}
