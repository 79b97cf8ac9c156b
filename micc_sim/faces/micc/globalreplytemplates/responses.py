"""GlobalReplyTemplate tag: the site's shared reply templates, created, changed and deleted through the SDK;
every list, get and tag count shows what the last write left."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from micc_sim.faces.micc.wire import dotnet_datetime, listing, path_segment
from micc_sim.spec.router import ApiError, Call, Reply
from micc_sim.world.core import NotFound, World
from micc_sim.world.reply_templates import GlobalTemplate

MEDIA = ("Unspecified", "Email", "Chat", "Sms", "OpenMedia", "Voice")


def template_to_wire(world: World, t: GlobalTemplate, call: Call) -> dict[str, Any]:
    queues = [world.queues[q] for q in t.queue_ids if q in world.queues]
    return {
        "_links": {"self": {"href": call.url_for(f"/globalreplytemplates/{path_segment(t.id)}")}},
        "_embedded": None,
        "id": t.id,
        "siteId": t.site_id,
        "createdOn": dotnet_datetime(t.created_on),
        "modifiedOn": dotnet_datetime(t.modified_on),
        "customerText": t.customer_text or None,
        "template": t.template,
        "templateText": t.template_text,
        "media": t.media,
        "tags": ",".join(t.tags) or None,
        "queues": [{"_links": {"self": {"href": call.url_for(f"/queues/{q.id}")}}, "id": q.id, "name": q.name,
                    "reporting": q.reporting} for q in queues],
    }


def get_templates(call: Call) -> dict[str, Any]:
    world: World = call.world
    q = {k.lower(): v for k, v in call.query.items()}
    found = list(world.reply_templates.global_templates.values())
    if q.get("media"):
        found = [t for t in found if t.media.lower() == q["media"].lower()]
    if q.get("siteid"):
        found = [t for t in found if t.site_id.lower() == q["siteid"].lower()]
    if q.get("search"):
        term = q["search"].lower()
        found = [t for t in found if any(term in text.lower() for text in (t.template, t.template_text, *t.tags))]
    start = _int(q.get("offset") or q.get("skip"), "skip")
    found = found[start:]
    if q.get("top"):
        found = found[:_int(q["top"], "top")]
    return listing(call, "/globalreplytemplates", template_to_wire, found)


def _int(value: str | None, name: str) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        number = -1
    if number < 0:
        raise ApiError(400, "The request is invalid.", {name: [f"The value '{value}' is not valid for {name}."]})
    return number


def _from_body(world: World, body: dict[str, Any], template_id: str, created: datetime | None) -> GlobalTemplate:
    """A template from a create or update body, checked whole before anything is stored."""
    b = {k.lower(): v for k, v in (body or {}).items()}
    problems: dict[str, list[str]] = {}
    site = str(b.get("siteid") or "")
    if site.lower() != world.site.id.lower():
        problems["model.SiteId"] = [f"The site '{site}' does not exist." if site else "The SiteId field is required."]
    media = b.get("media") or "Unspecified"
    if media not in MEDIA:
        problems["model.Media"] = [f"The media '{media}' is not one of {', '.join(MEDIA)}."]
    queue_ids = []
    for entry in b.get("queues") or []:
        ref = str((entry or {}).get("id") or (entry or {}).get("Id") or "") if isinstance(entry, dict) else ""
        try:
            queue_ids.append(world.queue(ref).id)
        except NotFound:
            problems.setdefault("model.Queues", []).append(f"The queue '{ref}' does not exist.")
    if problems:
        raise ApiError(400, "The request is invalid.", problems)
    now = world.clock.now()
    tags = [t.strip() for t in str(b.get("tags") or "").split(",") if t.strip()]
    return GlobalTemplate(template_id, world.site.id, str(b.get("template") or ""), str(b.get("templatetext") or ""),
                          media, tags, queue_ids, str(b.get("customertext") or ""), created or now, now)


def post_template(call: Call) -> Reply:
    world: World = call.world
    wanted = str((call.body or {}).get("id") or "")
    if wanted and any(t.id.lower() == wanted.lower() for t in world.reply_templates.global_templates.values()):
        raise ApiError(400, "The request is invalid.", {"model.Id": [
            f"The global reply template '{wanted}' already exists."]})
    template = world.reply_templates.save_global(_from_body(world, call.body, wanted or str(uuid.uuid4()), None))
    wire = template_to_wire(world, template, call)
    return Reply(wire, 201, {"Location": wire["_links"]["self"]["href"]})


def get_template(call: Call) -> dict[str, Any]:
    world: World = call.world
    return template_to_wire(world, world.reply_templates.global_template(call.path["id"]), call)


def put_template(call: Call) -> dict[str, Any]:
    world: World = call.world
    old = world.reply_templates.global_template(call.path["id"])
    template = world.reply_templates.save_global(_from_body(world, call.body, old.id, old.created_on))
    return template_to_wire(world, template, call)


def delete_template(call: Call) -> str:
    call.world.reply_templates.delete_global(call.path["id"])
    return "OK"


def get_tags(call: Call) -> dict[str, Any]:
    world: World = call.world
    return listing(call, "/globalreplytemplates/tags", lambda w, tag, c: {"name": tag[0], "count": tag[1]},
                   world.reply_templates.tags())


HANDLERS = {
    "GlobalReplyTemplate_GetGlobalReplyTemplates": get_templates,
    "GlobalReplyTemplate_PostGlobalReplyTemplate": post_template,
    "GlobalReplyTemplate_GetGlobalReplyTemplateTags": get_tags,
    "GlobalReplyTemplate_GetGlobalReplyTemplate": get_template,
    "GlobalReplyTemplate_PutGlobalReplyTemplate": put_template,
    "GlobalReplyTemplate_DeleteGlobalReplyTemplate": delete_template,
}
