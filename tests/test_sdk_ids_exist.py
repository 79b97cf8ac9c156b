"""No answer names an id the world does not have: after a busy morning (items, calls, e-mails, templates, web
hooks), every GUID any MiCC SDK GET answers under an id-like key (``id``, ``...Id``, ``...RefId``) is the id of
something in the world."""

from __future__ import annotations

import re
import uuid
from typing import Any

from micc_sim.faces.micc.sdk import CONTRACT, HANDLERS
from micc_sim.spec.contract import load_contract
from micc_sim.world import identity
from micc_sim.world.config import QueueConfig
from micc_sim.world.model import MediaType
from micc_sim.world.seed import default_world

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
ID_KEY = re.compile(r"(^id$|Id$|RefId$)")


def ids_in(value: Any, where: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str) and ID_KEY.search(key) and GUID.match(inner):
                found.append((f"{where}.{key}", inner))
            else:
                ids_in(inner, f"{where}.{key}", found)
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            ids_in(inner, f"{where}[{n}]", found)


def world_ids(world: Any) -> set[str]:
    ids = {world.site.id, *world.employees, *world.queues, *world.agent_groups, *world.media_servers,
           *world.reason_codes, *world.items, *world.sessions.interactions}
    catalog = world.catalog
    for things in (catalog.warning_reasons, catalog.prompts, catalog.mail_servers, catalog.variables,
                   catalog.application_profiles, catalog.dnis, catalog.account_codes, catalog.queue_groups):
        ids |= set(things)
    ids |= {e.id for e in catalog.extensions()}
    ids |= set(world.reply_templates.global_templates) | {c.id for c in world.records.cases.values()}
    ids |= set(world.records.recordings) | set(world.records.contacts.contacts) | set(world.contacts)
    ids |= {h.id for h in world.webhooks.registrations.values()}
    ids |= {f.resource_id for files in world.mail.files.values() for f in files}
    ids |= identity.security_role_ids()
    return {i.lower() for i in ids}


def test_every_id_an_answer_names_is_in_the_world(live_with):
    config = default_world()
    config.queues.append(QueueConfig(name="Mailbox", reporting="P6002", media_type=MediaType.Email,
                                     agent_groups=["Chat Agents"]))
    live = live_with(world=config)
    client = live.sdk(live.client_token())
    admin = live.sdk(live.token())
    for n in range(6):
        client.post("/openmedia", json={"queue": "Web Chat", "variableData": {"Email": f"c{n % 2}@example.com"}})
    live.http.post("/_sim/interactions", json={"media": "Voice", "queue": "Support Voice"})
    live.http.post("/_sim/interactions", json={"media": "Email", "queue": "Mailbox", "from": "ann@example.com"})
    admin.post("/webhooks", json={"id": str(uuid.uuid4()), "url": "http://127.0.0.1:9/h"})
    live.advance(200)  # offers accepted, some handled
    client.post("/openmedia", json={"queue": "Web Chat"})
    site = admin.get("/sites").json()["_embedded"]["items"][0]["id"]
    admin.post("/globalreplytemplates", json={"siteId": site, "template": "x", "queues": [
        {"id": admin.get("/queues/P7001").json()["id"]}]})

    known = world_ids(live.sim.world)
    operations = [op for op in load_contract(CONTRACT).operations if op.method == "GET" and op.operation_id in HANDLERS
                  and not op.param_names and not any(p.get("required") for p in op.parameters)]
    assert len(operations) >= 30
    found: list[tuple[str, str]] = []
    answered = 0
    for op in operations:
        r = admin.get(op.path)
        assert r.status_code < 500, (op.operation_id, r.text)
        if r.status_code == 200:
            answered += 1
            ids_in(r.json(), op.operation_id, found)
    # and each thing of a collection, through its own operation where it has one
    for path in ("/cases", "/queues", "/employees", "/globalreplytemplates", "/dnis", "/extensions"):
        for entry in admin.get(path).json()["_embedded"]["items"]:
            href = entry.get("_links", {}).get("self", {}).get("href")
            if href:
                ids_in(admin.get(href).json(), href, found)
    history = admin.get("/history", params={"$search": "_exists_:conversationid", "global": "true"}).json()
    ids_in(history, "history", found)
    assert answered >= 30 and len(found) > 100
    unknown = [(where, value) for where, value in found if value.lower() not in known]
    assert unknown == [], unknown[:10]
