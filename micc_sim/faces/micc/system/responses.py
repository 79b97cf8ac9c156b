"""Status, Site, MediaServer and ReasonCode tags: what the world's configuration says."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime, dotnet_timespan, hal_collection, listing
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.core import World
from micc_sim.world.model import MediaServer, MediaType, ReasonCode, ReasonKind

NODE_TYPES = {MediaType.OpenMedia: "MCCOpenMedia", MediaType.Chat: "MCCWebChat", MediaType.Email: "MCCEmail",
              MediaType.Sms: "MCCSms", MediaType.Voice: "ICP3300"}
NODE_TYPE_CODES = {"Unknown": 0, "MCCEmail": 7, "MCCWebChat": 14, "ICP3300": 15, "MCCOpenMedia": 17, "MCCSms": 22}


REASON_TYPES = {ReasonKind.Busy: "Busy", ReasonKind.DoNotDisturb: "Dnd"}
"""The MiCC SDK's ReasonCodeType names, as Mitel's agentPresence sample compares them (``type === 'Dnd'``)."""


def reason_code_to_wire(code: ReasonCode, call: Call) -> dict[str, Any]:
    return {"_links": {"self": {"href": call.url_for(f"/reasoncodes/{code.id}")}}, "_embedded": None,
            "id": code.id, "name": code.name, "type": REASON_TYPES[code.kind],
            "reporting": code.code, "siteRefId": call.world.site.id}  # the code is what a reason code reports


def media_server_to_wire(world: World, server: MediaServer, call: Call) -> dict[str, Any]:
    node = NODE_TYPES.get(server.media_type, "Unknown")
    return {
        "_links": {"self": {"href": call.url_for(f"/mediaservers/{server.id}")}},
        "_embedded": None,
        "id": server.id,
        "name": server.name,
        "siteRefId": world.site.id,
        "mediaType": server.media_type.name,
        "mediaServerType": node,
        "serverType": NODE_TYPE_CODES[node],
        "ipAddressOrDnsName": None,  # the simulator serves every media server itself
        "serverRefId": None,
        "ctiServer": None,
        "username": None,  # credentials are never shown
        "password": None,
        "inboundRoutingWorkflowRefId": None,  # the world routes by default queue, it has no workflow objects

        "outboundRoutingWorkflowRefId": None,
        "responseRoutingWorkflowRefId": None,
        "mailServers": [] if server.media_type is MediaType.Email else None,
        "minDigitsDialed": 0,
        "isDirectMediaEnabled": False,
        "isAgentGreetingWorkflowValidated": False,  # the world has no agent greetings
        "cloudlinkEnabled": False,
        "sessionIdleTimeout": 0,  # sessions never time out for being idle
        "useAgentNickname": False,
        "inboundRoutingEnabled": True,
        "outboundRoutingEnabled": True,
        "responseRoutingEnabled": True,
        "allowAgentPreview": True,
    }


def get_status(call: Call) -> dict[str, Any]:
    world: World = call.world
    up = dotnet_timespan((world.clock.now() - call.sim.started_at).total_seconds())
    return {"isReady": True, "isDataAccessConnected": True, "isRealtimeConnected": True,
            "serverTime": dotnet_datetime(world.clock.now()), "applicationUpTime": up, "serverUpTime": up}


def get_sites(call: Call) -> dict[str, Any]:
    world: World = call.world
    return hal_collection([_site(world, call)], call.url_for("/sites"))


def get_site(call: Call) -> dict[str, Any]:
    world: World = call.world
    ref = call.path["id"].lower()
    if ref not in (world.site.id.lower(), world.site.name.lower()):
        raise ApiError(404, f"The site '{call.path['id']}' was not found.")
    return _site(world, call)


def _site(world: World, call: Call) -> dict[str, Any]:
    site = world.site
    return {"_links": {"self": {"href": call.url_for(f"/sites/{site.id}")}}, "_embedded": None,
            "id": site.id, "name": site.name, "timeZone": site.time_zone, "language": site.language,
            "mailServerRefId": None, "storagePath": None, "isAgentGreetingEnabled": False}


def get_media_servers(call: Call) -> dict[str, Any]:
    return listing(call, "/mediaservers", media_server_to_wire, call.world.media_servers.values())


def get_media_server(call: Call) -> dict[str, Any]:
    world: World = call.world
    ref = call.path["id"].lower()
    for server in world.media_servers.values():
        if ref in (server.id.lower(), server.name.lower()):
            return media_server_to_wire(world, server, call)
    raise ApiError(404, f"The media server '{call.path['id']}' was not found.")


def get_media_server_times(call: Call) -> dict[str, Any]:
    world: World = call.world
    now = dotnet_datetime(world.clock.now())
    return {server.id: now for server in world.media_servers.values()}


def reason_codes(call: Call, path: str) -> dict[str, Any]:
    """Every reason code, as ``GET /reasoncodes`` and an employee's ``busyreasoncodes`` list them."""
    return hal_collection((reason_code_to_wire(c, call) for c in call.world.reason_codes.values()), call.url_for(path))


def get_reason_codes(call: Call) -> dict[str, Any]:
    return reason_codes(call, "/reasoncodes")


def get_reason_code(call: Call) -> dict[str, Any]:
    return reason_code_to_wire(call.world.reason_code(call.path["id"]), call)
