"""The Admin API's resources on the wire (camelCase, ISO times) and request bodies as directory changes.

``*_FIELDS`` map the wire names a request may set to the model's attribute names; properties a body sends
that are not in the map (read-only ones from a GET-modify-PUT, unknown ones) are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from micc_sim.faces.cloudlink.admin.models import Account, Application, Client, Contact, Entity, Group, Site, User
from micc_sim.faces.cloudlink.common import iso

ACCOUNT_FIELDS = {"name": "name", "label": "label", "description": "description"}
USER_FIELDS = {"email": "email", "name": "name", "firstName": "first_name", "lastName": "last_name",
               "role": "role", "password": "password", "extension": "extension"}
CLIENT_FIELDS = {"name": "name", "role": "role", "type": "type", "active": "active", "description": "description",
                 "clientId": "client_id"}
GROUP_FIELDS = {"name": "name", "description": "description", "extension": "extension", "siteId": "site_id"}
SITE_FIELDS = {"name": "name", "description": "description", "address": "address", "latitude": "latitude",
               "longitude": "longitude", "timezone": "timezone", "inboundDigits": "inbound_digits",
               "outboundDigits": "outbound_digits"}
CONTACT_FIELDS = {"type": "type", "name": "name", "firstName": "first_name", "lastName": "last_name",
                  "email": "email", "phone": "phone", "company": "company"}
APPLICATION_FIELDS = {"name": "name", "description": "description", "active": "active",
                      "redirectUris": "redirect_uris"}
_BLANK_IS_NONE = {"extension", "site_id", "label"}  # "" clears these, as null does


def changes(body: dict[str, Any] | None, fields: dict[str, str]) -> dict[str, Any]:
    """The model changes a request body asks for."""
    found = {attr: (body or {})[name] for name, attr in fields.items() if name in (body or {})}
    return {attr: (None if attr in _BLANK_IS_NONE and value == "" else value) for attr, value in found.items()}


def account(a: Account) -> dict[str, Any]:
    return {"accountId": a.account_id, "accountNumber": a.number, "name": a.name, "label": a.label,
            "description": a.description, "partnerId": a.partner_id, "createdOn": iso(a.created_on),
            "modifiedOn": iso(a.modified_on)}


def user(u: User) -> dict[str, Any]:
    return {"userId": u.user_id, "accountId": u.account_id, "email": u.email, "name": u.name,
            "firstName": u.first_name, "lastName": u.last_name, "role": u.role, "extension": u.extension,
            "active": u.active, "createdOn": iso(u.created_on), "modifiedOn": iso(u.modified_on)}


def client(c: Client, with_secret: bool = False) -> dict[str, Any]:
    body = {"clientId": c.client_id, "accountId": c.account_id, "name": c.name, "role": c.role, "type": c.type,
            "active": c.active, "description": c.description, "createdOn": iso(c.created_on),
            "modifiedOn": iso(c.modified_on)}
    return {**body, "clientSecret": c.secret} if with_secret else body


def group(g: Group) -> dict[str, Any]:
    return {"groupId": g.group_id, "accountId": g.account_id, "name": g.name, "description": g.description,
            "extension": g.extension, "siteId": g.site_id, "memberCount": len(g.members),
            "createdOn": iso(g.created_on), "modifiedOn": iso(g.modified_on)}


def member(g: Group, u: User) -> dict[str, Any]:
    return {**user(u), "memberId": u.user_id, "groupId": g.group_id}


def site(s: Site) -> dict[str, Any]:
    return {"siteId": s.site_id, "accountId": s.account_id, "name": s.name, "description": s.description,
            "address": dict(s.address), "latitude": s.latitude, "longitude": s.longitude, "timezone": s.timezone,
            "inboundDigits": s.inbound_digits, "outboundDigits": s.outbound_digits,
            "createdOn": iso(s.created_on), "modifiedOn": iso(s.modified_on)}


def contact(c: Contact) -> dict[str, Any]:
    return {"contactId": c.contact_id, "accountId": c.account_id, "type": c.type, "name": c.name,
            "firstName": c.first_name, "lastName": c.last_name, "email": c.email, "phone": c.phone,
            "company": c.company, "createdBy": c.created_by, "createdOn": iso(c.created_on),
            "modifiedOn": iso(c.modified_on)}


def application(p: Application) -> dict[str, Any]:
    return {"clientId": p.client_id, "applicationId": p.client_id, "name": p.name, "description": p.description,
            "active": p.active, "redirectUris": list(p.redirect_uris), "accountId": p.account_id,
            "enabledAccounts": list(p.enabled_accounts), "modifiedOn": iso(p.modified_on)}


_WIRE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "account": account, "user": user, "client": client, "group": group, "site": site, "contact": contact,
    "application": application}
_ENTITY_ID = {"user": "userId", "contact": "contactId", "group": "groupId", "client": "clientId"}


def resource(kind: str, e: Any) -> dict[str, Any]:
    """A directory resource of ``kind`` (``user``, ``site``, ...) as the API answers it."""
    return _WIRE[kind](e)


def entity(kind: str, e: Entity) -> dict[str, Any]:
    body = resource(kind, e)
    return {"entityId": body[_ENTITY_ID[kind]], "entityType": kind.upper(), **body}


_SUBJECTS = {
    "user": lambda e: f"/accounts/{e.account_id}/users/{e.user_id}",
    "client": lambda e: f"/accounts/{e.account_id}/clients/{e.client_id}",
    "group": lambda e: f"/accounts/{e.account_id}/groups/{e.group_id}",
    "site": lambda e: f"/accounts/{e.account_id}/sites/{e.site_id}",
    "contact": lambda e: f"/accounts/{e.account_id}/contacts/{e.contact_id}",
    "account": lambda e: f"/accounts/{e.account_id}",
    "application": lambda e: f"/applications/{e.client_id}",
}


def subject(kind: str, e: Any) -> str:
    """The publication subject of a directory resource: its path, with the account's id (CloudLink guides' form)."""
    return _SUBJECTS[kind](e)
