"""The Presence API's resources as JSON (answers and publications alike).

``base`` is the service's base URL for links: the request's in answers, ``/presence/2017-09-01`` (a
reference against the simulator's origin) in publications.
"""

from __future__ import annotations

from typing import Any

from micc_sim.faces.cloudlink.common import iso
from micc_sim.faces.cloudlink.presence.models import Presence, Presentity, Source

PUBLICATION_BASE = "/presence/2017-09-01"


def presence_to_wire(presence: Presence) -> dict[str, Any]:
    return {"status": presence.status.value, "reason": presence.reason, "enteredOn": iso(presence.entered_on),
            "extended": presence.extended}


def presentity_to_wire(presentity: Presentity, base: str) -> dict[str, Any]:
    href = f"{base}/presentities/{presentity.principal_id}"
    links: dict[str, Any] = {
        "self": {"href": href},
        "categories": [{"href": f"{href}/categories/{c}", "name": c} for c in sorted(presentity.categories)],
        "sources": [{"href": f"{href}/categories/{s.key}"} for s in presentity.sources()],
    }
    if presentity.aggregate_source and presentity.aggregate_source != "principal":
        links["source"] = {"href": f"{href}/categories/{presentity.aggregate_source}"}
    return {
        "principalId": presentity.principal_id,
        "accountId": presentity.account_id,
        "type": presentity.type.value,
        "presences": {"aggregate": presence_to_wire(presentity.aggregate),
                      "principal": presence_to_wire(presentity.principal)},
        "overridden": presentity.overridden,
        "createdOn": iso(presentity.created_on),
        "_links": links,
    }


def source_to_wire(source: Source, base: str) -> dict[str, Any]:
    return {
        "principalId": source.principal_id,
        "categoryId": source.category_id,
        "sourceId": source.source_id,
        "presence": presence_to_wire(source.presence),
        "automatic": source.automatic,
        "createdOn": iso(source.created_on),
        "_links": {"self": {"href": f"{base}/presentities/{source.principal_id}/categories/{source.key}"}},
    }


def category_to_wire(presentity: Presentity, category_id: str, base: str) -> dict[str, Any]:
    href = f"{base}/presentities/{presentity.principal_id}/categories/{category_id}"
    return {"categoryId": category_id, "principalId": presentity.principal_id,
            "count": len(presentity.categories.get(category_id, {})), "_links": {"self": {"href": href}}}
