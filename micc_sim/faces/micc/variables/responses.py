"""Variables tag: the workflow variables (system and custom) the world's catalog declares."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import Variable, find
from micc_sim.world.core import World


def variable_to_wire(world: World, variable: Variable, call: Call) -> dict[str, Any]:
    c = variable.config
    return {
        "_links": {"self": {"href": call.url_for(f"/variables/{path_segment(variable.id)}")}},
        "_embedded": None,
        "id": variable.id,
        "name": variable.name,
        "description": c.description or None,
        "sendToDesktop": c.send_to_desktop,
        "showOnAgentToaster": c.show_on_agent_toaster,
        "displayName": c.display_name or variable.name,
        "isReadOnly": c.read_only,
        "type": c.type,
        "categoryType": c.category,
    }


def get_variables(call: Call) -> dict[str, Any]:
    return listing(call, "/variables", variable_to_wire, call.world.catalog.variables.values())


def get_variable(call: Call) -> dict[str, Any]:
    world: World = call.world
    variable = find(world.catalog.variables, call.path["id"], "variable")
    assert isinstance(variable, Variable)
    return variable_to_wire(world, variable, call)


HANDLERS = {"Variables_GetVariables": get_variables, "Variables_GetVariable": get_variable}
