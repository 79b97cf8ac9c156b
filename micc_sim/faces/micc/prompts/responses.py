"""Prompt tag: the recorded prompts workflows play, from the world's catalog."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.warningreasons.responses import named_to_wire
from micc_sim.faces.micc.wire import listing
from micc_sim.spec.router import Call
from micc_sim.world.catalog import Named, find
from micc_sim.world.core import World


def _wire(world: World, prompt: Named, call: Call) -> dict[str, Any]:
    return named_to_wire("/prompts", prompt, call)


def get_prompts(call: Call) -> dict[str, Any]:
    return listing(call, "/prompts", _wire, call.world.catalog.prompts.values())


def get_prompt(call: Call) -> dict[str, Any]:
    world: World = call.world
    return _wire(world, find(world.catalog.prompts, call.path["id"], "prompt"), call)


HANDLERS = {"Prompt_GetPrompts": get_prompts, "Prompt_GetPrompt": get_prompt}
