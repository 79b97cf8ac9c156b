"""Extension tag: the devices of the world, every employee's extension and every queue's number."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import Extension
from micc_sim.world.core import World


def extension_to_wire(world: World, ext: Extension, call: Call) -> dict[str, Any]:
    server = world.media_servers.get(ext.media_server_id or "")
    return {
        "_links": {"self": {"href": call.url_for(f"/extensions/{path_segment(ext.id)}")}},
        "_embedded": None,
        "id": ext.id,
        "reporting": ext.reporting,
        "mediaType": ext.media.name,
        "mediaServer": server.name if server else None,
        "mediaServerRefId": ext.media_server_id,
        "name": ext.name,
        "isMitaiEnabled": ext.media.name == "Voice",
        "acdEnabled": ext.acd,
    }


def get_extensions(call: Call) -> dict[str, Any]:
    return listing(call, "/extensions", extension_to_wire, call.world.catalog.extensions())


def get_extension(call: Call) -> dict[str, Any]:
    world: World = call.world
    return extension_to_wire(world, world.catalog.extension(call.path["id"]), call)


HANDLERS = {"Extension_GetExtensions": get_extensions, "Extension_GetExtension": get_extension}
