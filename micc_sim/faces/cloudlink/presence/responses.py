"""CloudLink Presence API: presentities, the principal (override) presence, categories and sources.

Access: anyone of an account reads its presentities (a PARTNER_ADMIN its customers' too); a USER changes
only their own presentity and its sources, an admin any of the accounts they manage; creating and
deleting presentities (groups, external ones) is for admins.
"""

from __future__ import annotations

from typing import Any

from micc_sim.faces.cloudlink.callers import manages, require_self_or_admin, signed, visible_accounts
from micc_sim.faces.cloudlink.common import cloudlink, collection, principal
from micc_sim.faces.cloudlink.presence import wire
from micc_sim.faces.cloudlink.presence.models import Presence, Presences, Presentity, PresentityType, Status
from micc_sim.spec.router import ApiError, Call, Handler, Reply


def _presences(call: Call) -> Presences:
    return cloudlink(call).presence


def _base(call: Call) -> str:
    return call.url_for("")


def _presentity(call: Call) -> Presentity:
    principal_id = call.path["principalId"]
    found = _presences(call).find(principal_id)
    if found is None or found.account_id not in visible_accounts(call):
        raise ApiError(404, f"presentity {principal_id!r} not found", code="NotFoundError")
    return found


def _changeable(call: Call) -> Presentity:
    presentity = _presentity(call)
    require_self_or_admin(call, presentity.account_id, presentity.principal_id,
                          f"the presence of {presentity.principal_id}")
    return presentity


def _presence(body: dict[str, Any]) -> Presence:
    return Presence(Status(body["status"]), str(body.get("reason") or ""), None, dict(body.get("extended") or {}))


# -- presentities ------------------------------------------------------------------------------
def get_presentities(call: Call) -> dict[str, Any]:
    presentities = _presences(call).in_accounts(set(visible_accounts(call)))
    return collection((wire.presentity_to_wire(p, _base(call)) for p in presentities), call, "/presentities")


@signed
def create_presentity(call: Call) -> Reply:
    body = call.body or {}
    account_id = str(body.get("accountId") or principal(call).account_id)
    if not manages(call, account_id):
        raise ApiError(403, f"a {principal(call).role} may not create presentities in account {account_id}",
                       code="ForbiddenError")
    presentity = _presences(call).create(str(body["principalId"]), account_id,
                                         PresentityType(body.get("type", "group")))
    return Reply(wire.presentity_to_wire(presentity, _base(call)), 201)


def get_presentity(call: Call) -> dict[str, Any]:
    return wire.presentity_to_wire(_presentity(call), _base(call))


@signed
def update_presentity(call: Call) -> dict[str, Any]:
    presentity = _changeable(call)
    _presences(call).set_principal(presentity.principal_id, _presence(call.body or {}))
    return wire.presentity_to_wire(presentity, _base(call))


@signed
def delete_presentity(call: Call) -> Reply:
    presentity = _presentity(call)
    if not manages(call, presentity.account_id):
        raise ApiError(403, "only an admin deletes presentities", code="ForbiddenError")
    _presences(call).delete(presentity.principal_id)
    return Reply(None, 204)


# -- categories and sources --------------------------------------------------------------------
def get_categories(call: Call) -> dict[str, Any]:
    presentity = _presentity(call)
    return collection((wire.category_to_wire(presentity, c, _base(call)) for c in sorted(presentity.categories)),
                      call, f"/presentities/{presentity.principal_id}/categories")


def get_category(call: Call) -> dict[str, Any]:
    presentity = _presentity(call)
    category_id = call.path["categoryId"]
    sources = presentity.categories.get(category_id, {}).values()
    return collection((wire.source_to_wire(s, _base(call)) for s in sources), call,
                      f"/presentities/{presentity.principal_id}/categories/{category_id}")


@signed
def create_source(call: Call) -> Reply:
    presentity = _changeable(call)
    body = call.body or {}
    source = _presences(call).add_source(presentity.principal_id, call.path["categoryId"], str(body["sourceId"]),
                                         _presence(body.get("presence") or {"status": "Available"}))
    return Reply(wire.source_to_wire(source, _base(call)), 201)


def get_source(call: Call) -> dict[str, Any]:
    presentity = _presentity(call)
    source = _presences(call).source(presentity.principal_id, call.path["categoryId"], call.path["sourceId"])
    return wire.source_to_wire(source, _base(call))


@signed
def update_source(call: Call) -> dict[str, Any]:
    presentity = _changeable(call)
    source = _presences(call).update_source(presentity.principal_id, call.path["categoryId"], call.path["sourceId"],
                                            _presence(call.body or {}))
    return wire.source_to_wire(source, _base(call))


@signed
def delete_source(call: Call) -> Reply:
    presentity = _changeable(call)
    _presences(call).delete_source(presentity.principal_id, call.path["categoryId"], call.path["sourceId"])
    return Reply(None, 204)


HANDLERS: dict[str, Handler] = {
    "Presentities_GetPresentities": get_presentities,
    "Presentities_CreatePresentity": create_presentity,
    "Presentities_GetPresentity": get_presentity,
    "Presentities_UpdatePresentity": update_presentity,
    "Presentities_DeletePresentity": delete_presentity,
    "Categories_GetCategories": get_categories,
    "Categories_GetCategory": get_category,
    "Sources_CreateSource": create_source,
    "Sources_GetSource": get_source,
    "Sources_UpdateSource": update_source,
    "Sources_DeleteSource": delete_source,
}
