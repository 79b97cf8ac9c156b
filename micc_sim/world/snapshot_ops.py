"""The part of a snapshot that holds what the MiCC SDK's writes and the world's records added beside the
entities: cases, history, call details, recordings and contacts; web-hook registrations; global reply
templates; greetings and pictures; diagnostics monitors and problem reports; e-mail files. Encoded with the
snapshot's own codec (``encode`` / ``decode``), so restoring and saving again gives the same data."""

from __future__ import annotations

from typing import Any

from micc_sim.world.contacts import Contact
from micc_sim.world.diagnostics import ProblemReport
from micc_sim.world.greetings import AgentGreetings
from micc_sim.world.mail import MailFile
from micc_sim.world.records import Case, HistoryEntry, Recording
from micc_sim.world.reply_templates import GlobalTemplate
from micc_sim.world.webhooks import WebHook


def dump(world: Any, encode: Any) -> dict[str, Any]:
    r = world.records
    return {
        "cases": [encode(c) for c in r.cases.values()],
        "case_of": dict(r.case_of),
        "case_numbers": r._numbers,
        "history": [encode(h) for h in r.history],
        "call_details": {k: [list(p) for p in v] for k, v in r.call_details.items()},
        "recordings": [encode(x) for x in r.recordings.values()],
        "recording_of": dict(r._recording_of),
        "contacts": [encode(c) for c in r.contacts.contacts.values()],
        "contact_links": {k: list(v) for k, v in r.contacts._of.items()},  # directory contacts' too
        "webhooks": [encode(h) for h in world.webhooks.registrations.values()],
        "global_templates": [encode(t) for t in world.reply_templates.global_templates.values()],
        "greetings": {k: encode(v) for k, v in world.greetings.of.items()},
        "pictures": {k: encode(v) for k, v in world.greetings.pictures.items()},
        "greeting_calls": {k: list(v) for k, v in world.greetings.pending.items()},
        "monitors": [[kind, employee, n] for (kind, employee), n in sorted(world.diagnostics.monitors.items())],
        "problem_reports": [encode(p) for p in world.diagnostics.reports],
        "mail": {k: [encode(f) for f in v] for k, v in world.mail.files.items()},
        "deleted_queues": list(world.deleted_queue_ids),
    }


def load(world: Any, data: dict[str, Any] | None, decode: Any, decode_entity: Any) -> None:
    if not data:
        return
    r = world.records
    r.cases = {c["key"]: decode_entity(Case, c) for c in data["cases"]}
    r.case_of = dict(data["case_of"])
    r._numbers = data["case_numbers"]
    r.history.clear()
    r.history.extend(decode_entity(HistoryEntry, h) for h in data["history"])
    r._ended_ids = {h.conversation_id for h in r.history}
    r.call_details = {k: [(a, b) for a, b in v] for k, v in data["call_details"].items()}
    r.recordings = {x["id"]: decode_entity(Recording, x) for x in data["recordings"]}
    r._recording_of = dict(data["recording_of"])
    contacts = r.contacts
    for c in (decode_entity(Contact, c) for c in data["contacts"]):
        contacts.contacts[c.id] = c
        contacts._index(c)
        for conversation_id in c.conversation_ids:
            contacts._of.setdefault(conversation_id, []).append(c.id)
    for conversation_id, ids in data.get("contact_links", {}).items():  # snapshots before it: customers' only
        for contact_id in ids:
            contacts._link(conversation_id, contact_id)
    world.webhooks.registrations = {h["id"].lower(): decode_entity(WebHook, h) for h in data["webhooks"]}
    world.reply_templates.global_templates = {t["id"]: decode_entity(GlobalTemplate, t)
                                              for t in data["global_templates"]}
    world.greetings.of = {k: decode_entity(AgentGreetings, v) for k, v in data["greetings"].items()}
    world.greetings.pictures = {k: decode(bytes, v) for k, v in data["pictures"].items()}
    world.greetings.pending = {k: (a, b, c) for k, (a, b, c) in data["greeting_calls"].items()}
    world.diagnostics.monitors.clear()
    for kind, employee, n in data["monitors"]:
        world.diagnostics.monitors[(kind, employee)] = n
    world.diagnostics.reports.clear()
    world.diagnostics.reports.extend(decode_entity(ProblemReport, p) for p in data["problem_reports"])
    world.mail.files = {k: [decode_entity(MailFile, f) for f in v] for k, v in data["mail"].items()}
    for queue_id in data.get("deleted_queues", []):
        if queue_id in world.queues:
            world.delete_queue(world.queues[queue_id])
