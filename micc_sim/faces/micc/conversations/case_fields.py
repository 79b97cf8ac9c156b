"""The fields every conversation model shows of its case and contacts (world/records.py, world/contacts.py)."""

from __future__ import annotations

from typing import Any

from micc_sim.world.core import World


def case_fields(world: World, conversation_id: str, directory: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``caseId``, ``case`` (its number), and the contacts it is linked to, also as light directory entries after
    ``directory`` (the conversation's queue and agent)."""
    records = world.records
    case = records.cases.get(records.case_of.get(conversation_id, ""))
    contacts = [{"id": c.id, "name": c.name, "type": "ElasticContact", "email": c.email, "phone": c.phone,
                 "mobilePhone": c.mobile} for c in records.contacts.of_conversation(conversation_id)]
    return {"caseId": case.id if case else None, "case": str(case.number) if case else None,
            "contacts": contacts, "directory": [*(directory or []), *contacts]}
