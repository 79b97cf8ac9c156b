"""``/_sim/interactions``: ring a call, start a chat, deliver an e-mail or SMS, put a call on an agent's personal
queue, on common hold or on a campaign's list; list them; let the customer hang up or leave."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.harness.control.common import _enum, _json_body, _sim, error
from micc_sim.world.core import NotFound, World, WorldError
from micc_sim.world.interactions import CampaignCall, Interaction, InteractionKind
from micc_sim.world.mail import parse_files
from micc_sim.world.model import MediaType
from micc_sim.world.sessions import InteractionError, InteractionRequest

FIELDS = {"media", "kind", "queue", "agent", "from", "from_name", "to", "subject", "body", "customer_id", "email",
          "phone", "ivr", "private_data", "campaign", "attachments"}
CAMPAIGN_FIELDS = {"id", "name", "customer_id", "customer_name", "comment", "fields"}


def interaction_view(world: World, it: Interaction) -> dict[str, Any]:
    c = it.campaign
    return {
        "id": it.id, "number": it.number, "media": it.media.name, "kind": it.kind.value, "state": it.state.name,
        "call_type": it.call_type.name, "queue_id": it.queue_id, "agent_id": it.agent_id,
        "preferred_agent_id": it.preferred_agent_id, "reserved_by": it.reserved_by,
        "from": it.from_address, "from_name": it.from_name, "to": it.to_address, "subject": it.subject,
        "body": it.body, "ivr": dict(zip(it.ivr_labels, it.ivr_data, strict=False)), "private_data": it.private_data,
        "dtmf": it.dtmf, "recording": it.recording, "cq_codes": list(it.cq_codes), "peer_id": it.peer_id,
        "conference_id": it.conference_id,
        "campaign": None if c is None else {"id": c.campaign_id, "name": c.campaign_name, "customer_id": c.customer_id,
                                            "customer_name": c.customer_name, "comment": c.comment,
                                            "status": c.status, "fields": dict(c.fields),
                                            "callback_at": dotnet_datetime(c.callback_at)},
        "time_queued": dotnet_datetime(it.time_queued), "time_offered": dotnet_datetime(it.time_offered),
        "time_connected": dotnet_datetime(it.time_connected), "time_ended": dotnet_datetime(it.time_ended),
    }


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{name} must be a string")
    return str(value)


def _request(world: World, body: dict[str, Any]) -> InteractionRequest:
    unknown = set(body) - FIELDS
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}; use {', '.join(sorted(FIELDS))}")
    if "media" not in body:
        raise ValueError("media is required: Voice, Chat, Email or Sms")
    media = _enum(MediaType, body["media"])
    kind = _enum(InteractionKind, body["kind"]) if body.get("kind") is not None else None
    ivr = body.get("ivr") or {}
    if not isinstance(ivr, dict) or not all(isinstance(v, str | int | float) for v in ivr.values()):
        raise ValueError("ivr must be an object of labels and their data, e.g. {\"IVR1\": \"12345\"}")
    campaign = body.get("campaign")
    call = None
    if campaign is not None:
        if not isinstance(campaign, dict) or set(campaign) - CAMPAIGN_FIELDS:
            raise ValueError(f"campaign must be an object with {', '.join(sorted(CAMPAIGN_FIELDS))}")
        ids = {k: campaign.get(k) for k in ("id", "customer_id")}
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in ids.values()):
            raise ValueError("campaign.id and campaign.customer_id are required positive integers")
        fields = campaign.get("fields") or {}
        if not isinstance(fields, dict):
            raise ValueError("campaign.fields must be an object")
        call = CampaignCall(ids["id"], _text(campaign, "name") or f"Campaign {ids['id']}", ids["customer_id"],
                            _text(campaign, "customer_name"), _text(campaign, "comment"),
                            fields={str(k): str(v) for k, v in fields.items()})
    return InteractionRequest(
        media=media, kind=kind, queue=_text(body, "queue") or None, agent=_text(body, "agent") or None,
        from_address=_text(body, "from"), from_name=_text(body, "from_name"), to_address=_text(body, "to"),
        subject=_text(body, "subject"), body=_text(body, "body"), customer_id=_text(body, "customer_id"),
        customer_email=_text(body, "email"), customer_phone=_text(body, "phone"),
        ivr=[(str(k), str(v)) for k, v in ivr.items()], private_data=_text(body, "private_data"), campaign=call)


async def post_interaction(request: Request) -> JSONResponse:
    sim = _sim(request)
    try:
        body = await _json_body(request)
        files = parse_files(str(len(sim.world.sessions.interactions)), body.get("attachments"))  # checked first
        if files and _enum(MediaType, body.get("media")) is not MediaType.Email:
            raise ValueError("attachments are for e-mails")
        it = sim.world.sessions.deliver(_request(sim.world, body))
        sim.world.mail.attach(it.id, files)
    except NotFound as exc:
        return error(404, "not_found", str(exc))
    except (ValueError, TypeError, InteractionError, WorldError) as exc:
        return error(400, "invalid_body", str(exc))
    return JSONResponse(interaction_view(sim.world, it), status_code=201)


async def get_interactions(request: Request) -> JSONResponse:
    world = _sim(request).world
    live = request.query_params.get("live", "false").lower()
    if live not in ("true", "false"):
        return error(400, "invalid_query", "live must be true or false")
    shown = world.sessions.live() if live == "true" else sorted(world.sessions.interactions.values(),
                                                                  key=lambda i: i.number)
    return JSONResponse({"count": len(shown), "items": [interaction_view(world, i) for i in shown]})


def _find(request: Request) -> Interaction | JSONResponse:
    try:
        return _sim(request).world.sessions.get(request.path_params["ref"])
    except InteractionError as exc:
        return error(404, "not_found", str(exc))


async def get_interaction(request: Request) -> JSONResponse:
    found = _find(request)
    if isinstance(found, JSONResponse):
        return found
    return JSONResponse(interaction_view(_sim(request).world, found))


async def end_interaction(request: Request) -> JSONResponse:
    """The customer (or far end) hangs up or leaves."""
    found = _find(request)
    if isinstance(found, JSONResponse):
        return found
    world = _sim(request).world
    try:
        world.sessions.far_end_leaves(found)
    except InteractionError as exc:
        return error(409, "conflict", str(exc))
    return JSONResponse(interaction_view(world, found))


def interactions_summary(world: World) -> dict[str, Any]:
    """For GET /_sim/world: the live calls, chats, e-mails and SMS."""
    return {"items": [interaction_view(world, i) for i in world.sessions.live()]}
