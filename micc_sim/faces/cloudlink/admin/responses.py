"""CloudLink Admin API: accounts, users (one by one or in bulk), clients, groups and members, sites,
contacts, entities and applications.

Each handler checks the caller against :mod:`.access`, changes the directory through its commands, and
publishes the change on ``platform-api-admin`` (method of the request, subject = the resource path, content
= the resource as the API answers it). A deleted user or client, or a deactivated client, loses its tokens.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from micc_sim.faces.cloudlink.admin import photos, wire
from micc_sim.faces.cloudlink.admin.access import allowed, outranks
from micc_sim.faces.cloudlink.admin.models import Account, Directory, Group, User
from micc_sim.faces.cloudlink.common import cloudlink, collection, principal, publish
from micc_sim.faces.cloudlink.errors import DirectoryError
from micc_sim.spec.ajv import ajv_bind
from micc_sim.spec.binding import Strictness
from micc_sim.spec.contract import load_contract
from micc_sim.spec.router import ApiError, Call, Handler, Reply

TOPIC = "platform-api-admin"


# -- shared steps ---------------------------------------------------------------------------------
def _directory(call: Call) -> Directory:
    return cloudlink(call).directory


def _require(call: Call, resource: str, action: str, account_id: str | None, created_by: str | None = None) -> None:
    who = principal(call)
    if not allowed(_directory(call), who, resource, action, account_id, created_by):
        noun = resource.partition(":")[2].lower().replace("_", " ") or resource
        raise ApiError(403, f"a {who.role} of account {who.account_id} may not {action} {noun}s of account "
                            f"{account_id}", code="ForbiddenError")


def _account(call: Call, resource: str, action: str) -> Account:
    """The path's account (id, number or label), once the caller may ``action`` its ``resource``."""
    account = _directory(call).account(call.path["accountId"])
    _require(call, resource, action, account.account_id)
    return account


def _one(call: Call, kind: str, action: str, resource: str | None = None) -> Any:
    """The path's user, client, group, site or contact (``{kind}Id``) of the path's account, once the caller
    may ``action`` that account's ``resource`` (default: ``kind``)."""
    account = _account(call, resource or kind, action)
    return _directory(call).in_account(kind, account.account_id, call.path[f"{kind}Id"])


def _listed(call: Call, kind: str, resource: str | None = None) -> dict[str, Any]:
    """An account's users, clients, groups, sites or contacts: the ones the caller may see."""
    account = _account(call, resource or kind, "read")
    found = [e for e in _directory(call).of_account(kind, account.account_id) if _sees(call, kind, e)]
    return collection([photos.with_photo(call, kind, e, wire.resource(kind, e)) if kind in PHOTOGENIC
                       else wire.resource(kind, e) for e in found], call, f"/accounts/{account.account_id}/{kind}s")


def _grantable(call: Call, role: str) -> None:
    who = principal(call)
    if outranks(role, who):
        raise ApiError(403, f"a {who.role} may not grant or change the role {role}", code="ForbiddenError")


def _publish(call: Call, method: str, kind: str, resource: Any, *, content: Any = None,
             principal_filter: list[str] | None = None, subject: str | None = None) -> Any:
    """Publish a change of ``resource``; the content (default: the resource as the API answers it) is returned,
    so that a handler answers what it published."""
    content = wire.resource(kind, resource) if content is None else content
    publish(call, TOPIC, method, subject or wire.subject(kind, resource), content,
            account_id=getattr(resource, "account_id", None), principal_filter=principal_filter)
    return content


def _now(call: Call) -> Any:
    return call.sim.clock.now()


# -- accounts -------------------------------------------------------------------------------------
def get_accounts(call: Call) -> dict[str, Any]:
    who, directory = principal(call), _directory(call)
    visible = [a for a in directory.accounts.values() if allowed(directory, who, "account", "read", a.account_id)]
    return collection([wire.account(a) for a in visible], call, "/accounts")


def get_account(call: Call) -> dict[str, Any]:
    return wire.account(_account(call, "account", "read"))


def put_account(call: Call) -> dict[str, Any]:
    account = _account(call, "account", "write")
    _directory(call).change_account(account, wire.changes(call.body, wire.ACCOUNT_FIELDS), _now(call))
    return _publish(call, "PUT", "account", account)


# -- users ----------------------------------------------------------------------------------------
def _create_user(call: Call, directory: Directory, account: Account, data: dict[str, Any]) -> User:
    fields = wire.changes(data, wire.USER_FIELDS)
    _grantable(call, fields.get("role", "USER"))
    return directory.add_user(account, fields, _now(call))


def _user_to_change(call: Call, directory: Directory, account: Account, user_id: str) -> User:
    user: User = directory.in_account("user", account.account_id, user_id)
    _grantable(call, user.role)
    return user


def _update_user(call: Call, directory: Directory, account: Account, user_id: str, data: dict[str, Any]) -> User:
    user = _user_to_change(call, directory, account, user_id)
    fields = wire.changes(data, wire.USER_FIELDS)
    if "role" in fields:
        _grantable(call, fields["role"])
    return directory.change_user(user, fields, _now(call))


def _not_yourself(call: Call, principal_id: str, what: str) -> None:
    """Nobody removes (or disables) the principal it acts as: it would cut off the caller mid-session."""
    if principal(call).principal_id == principal_id:
        raise ApiError(409, f"a principal cannot {what} itself", code="ConflictError")


def _delete_user(call: Call, directory: Directory, account: Account, user_id: str) -> User:
    user = _user_to_change(call, directory, account, user_id)
    _not_yourself(call, user.user_id, "delete")
    return directory.remove_user(user)


def _user_gone(call: Call, user: User) -> None:
    cloudlink(call).sessions.revoke_principal("user", user.user_id)
    _publish(call, "DELETE", "user", user)


def get_users(call: Call) -> dict[str, Any]:
    return _listed(call, "user")


def get_user(call: Call) -> dict[str, Any]:
    user = _one(call, "user", "read")
    return photos.with_photo(call, "user", user, wire.user(user))


def post_user(call: Call) -> Reply:
    account = _account(call, "user", "create")
    user = _create_user(call, _directory(call), account, call.body)
    return Reply(_publish(call, "POST", "user", user), 201)


def put_user(call: Call) -> dict[str, Any]:
    account = _account(call, "user", "write")
    user = _update_user(call, _directory(call), account, call.path["userId"], call.body)
    return _publish(call, "PUT", "user", user)


def delete_user(call: Call) -> Reply:
    account = _account(call, "user", "write")
    _user_gone(call, _delete_user(call, _directory(call), account, call.path["userId"]))
    return Reply(None, 204)


# -- users in bulk --------------------------------------------------------------------------------
_BULK_SCHEMAS = {"add": "UserCreate", "replace": "UserUpdate"}


@cache
def _schema(name: str) -> dict[str, Any]:
    return load_contract("cloudlink-admin").schema(name)
_BULK_ANSWERS = {"add": ("POST", 201), "replace": ("PUT", 200), "remove": ("DELETE", 204)}


def _bulk_step(call: Call, directory: Directory, account: Account, operation: dict[str, Any]) -> User:
    op = operation["op"]
    if op != "add" and not operation.get("userId"):
        raise ApiError(400, f"a {op} operation needs userId", code="BadRequestError")
    value = operation.get("value", {} if op != "add" else None)
    if op in _BULK_SCHEMAS:
        if value is None:
            raise ApiError(400, "an add operation needs value (the user)", code="BadRequestError")
        ajv_bind(value, _schema(_BULK_SCHEMAS[op]), Strictness.LENIENT)
    if op == "add":
        return _create_user(call, directory, account, value)
    if op == "replace":
        return _update_user(call, directory, account, str(operation["userId"]), value)
    return _delete_user(call, directory, account, str(operation["userId"]))


def patch_users(call: Call) -> dict[str, Any]:
    """All operations or none: they are tried on a copy of the directory first, then applied."""
    account = _account(call, "user", "write")
    operations: list[dict[str, Any]] = call.body["operations"]
    draft = copy.deepcopy(_directory(call))
    for index, operation in enumerate(operations):
        try:
            _bulk_step(call, draft, account, operation)
        except DirectoryError as exc:
            raise ApiError(exc.status, f"operations[{index}]: {exc.message}", code=exc.name) from exc
        except ApiError as exc:
            raise ApiError(exc.status, f"operations[{index}]: {exc.message.replace('data', 'value', 1)}",
                           code=exc.code) from exc
    results = []
    for operation in operations:
        user = _bulk_step(call, _directory(call), account, operation)
        method, status = _BULK_ANSWERS[operation["op"]]
        if method == "DELETE":
            _user_gone(call, user)
        else:
            _publish(call, method, "user", user)
        results.append({"op": operation["op"], "userId": user.user_id, "status": status,
                        **({"user": wire.user(user)} if status != 204 else {})})
    return {"operations": results}


# -- clients --------------------------------------------------------------------------------------
def get_clients(call: Call) -> dict[str, Any]:
    return _listed(call, "client")


def get_client(call: Call) -> dict[str, Any]:
    return wire.client(_one(call, "client", "read"))


def post_client(call: Call) -> Reply:
    account = _account(call, "client", "create")
    fields = wire.changes(call.body, wire.CLIENT_FIELDS)
    _grantable(call, fields.get("role", "ACCOUNT_ADMIN"))
    client = _directory(call).add_client(account, fields, _now(call))
    _publish(call, "POST", "client", client)  # the secret is never published
    return Reply(wire.client(client, with_secret=True), 201)


def put_client(call: Call) -> dict[str, Any]:
    client = _one(call, "client", "write")
    _grantable(call, client.role)
    fields = wire.changes(call.body, wire.CLIENT_FIELDS)
    fields.pop("client_id", None)
    if "role" in fields:
        _grantable(call, fields["role"])
    if fields.get("active") is False:
        _not_yourself(call, client.client_id, "deactivate")
    _directory(call).change_client(client, fields, _now(call))
    if not client.active:
        cloudlink(call).sessions.revoke_principal("client", client.client_id)
    return _publish(call, "PUT", "client", client)


def delete_client(call: Call) -> Reply:
    client = _one(call, "client", "write")
    _grantable(call, client.role)
    _not_yourself(call, client.client_id, "delete")
    _directory(call).remove_client(client)
    cloudlink(call).sessions.revoke_principal("client", client.client_id)
    _publish(call, "DELETE", "client", client)
    return Reply(None, 204)


# -- groups and members ---------------------------------------------------------------------------
def get_groups(call: Call) -> dict[str, Any]:
    return _listed(call, "group")


def get_group(call: Call) -> dict[str, Any]:
    group = _one(call, "group", "read")
    return photos.with_photo(call, "group", group, wire.group(group))


def post_group(call: Call) -> Reply:
    account = _account(call, "group", "create")
    group = _directory(call).add_group(account, wire.changes(call.body, wire.GROUP_FIELDS), _now(call))
    return Reply(_publish(call, "POST", "group", group), 201)


def put_group(call: Call) -> dict[str, Any]:
    group = _one(call, "group", "write")
    _directory(call).change_group(group, wire.changes(call.body, wire.GROUP_FIELDS), _now(call))
    return _publish(call, "PUT", "group", group)


def delete_group(call: Call) -> Reply:
    group = _one(call, "group", "write")
    _directory(call).remove_group(group)
    _publish(call, "DELETE", "group", group)
    return Reply(None, 204)


def _member_subject(group: Group, user_id: str) -> str:
    return f"{wire.subject('group', group)}/members/{user_id}"


def get_members(call: Call) -> dict[str, Any]:
    group: Group = _one(call, "group", "read")
    users = _directory(call).users
    members = [wire.member(group, users[m]) for m in group.members if m in users]
    return collection(members, call, f"/accounts/{group.account_id}/groups/{group.group_id}/members")


def get_member(call: Call) -> dict[str, Any]:
    group: Group = _one(call, "group", "read")
    user_id = next((m for m in group.members if m.lower() == call.path["memberId"].lower()), None)
    if user_id is None or user_id not in _directory(call).users:
        raise ApiError(404, f"member {call.path['memberId']!r} of group {group.group_id} not found",
                       code="NotFoundError")
    return wire.member(group, _directory(call).users[user_id])


def post_member(call: Call) -> Reply:
    group: Group = _one(call, "group", "write")
    directory = _directory(call)
    user = directory.in_account("user", group.account_id, str(call.body["userId"]))
    added = directory.add_member(group, user, _now(call))
    body = wire.member(group, user)
    if not added:
        return Reply(body, 200)
    _publish(call, "POST", "group", group, content=body, subject=_member_subject(group, user.user_id))
    return Reply(body, 201)


def delete_member(call: Call) -> Reply:
    group: Group = _one(call, "group", "write")
    directory = _directory(call)
    user_id = directory.remove_member(group, call.path["memberId"], _now(call))
    user = directory.users.get(user_id)
    content = wire.member(group, user) if user else {"memberId": user_id, "groupId": group.group_id}
    _publish(call, "DELETE", "group", group, content=content, subject=_member_subject(group, user_id))
    return Reply(None, 204)


# -- sites ----------------------------------------------------------------------------------------
def get_sites(call: Call) -> dict[str, Any]:
    return _listed(call, "site")


def get_site(call: Call) -> dict[str, Any]:
    return wire.site(_one(call, "site", "read"))


def post_site(call: Call) -> Reply:
    account = _account(call, "site", "create")
    site = _directory(call).add_site(account, wire.changes(call.body, wire.SITE_FIELDS), _now(call))
    return Reply(_publish(call, "POST", "site", site), 201)


def put_site(call: Call) -> dict[str, Any]:
    site = _one(call, "site", "write")
    _directory(call).change_site(site, wire.changes(call.body, wire.SITE_FIELDS), _now(call))
    return _publish(call, "PUT", "site", site)


def delete_site(call: Call) -> Reply:
    site = _directory(call).remove_site(_one(call, "site", "write"))
    _publish(call, "DELETE", "site", site)
    return Reply(None, 204)


# -- contacts -------------------------------------------------------------------------------------
def _sees(call: Call, kind: str, entity: Any) -> bool:
    """Whether the caller may see an entity of its account's lists (clients: admins; personal contacts:
    their creator)."""
    if kind == "client":
        return allowed(_directory(call), principal(call), "client", "read", entity.account_id)
    if kind == "contact":
        return allowed(_directory(call), principal(call), f"contact:{entity.type}", "read", entity.account_id,
                       entity.created_by)
    return True


def _contact(call: Call, action: str = "read") -> Any:
    """The path's contact, once the caller may ``action`` it; another principal's personal contact is not found
    (it is not there for them)."""
    contact = _one(call, "contact", "read", resource="entity")
    if not _sees(call, "contact", contact):
        raise ApiError(404, f"contact {call.path['contactId']!r} not found", code="NotFoundError")
    if action != "read":
        _require(call, f"contact:{contact.type}", action, contact.account_id, contact.created_by)
    return contact


def _contact_filter(contact: Any) -> list[str] | None:
    return [contact.created_by] if contact.type == "PERSONAL_CONTACT" else None


def get_contacts(call: Call) -> dict[str, Any]:
    return _listed(call, "contact", resource="entity")


def get_contact(call: Call) -> dict[str, Any]:
    contact = _contact(call)
    return photos.with_photo(call, "contact", contact, wire.contact(contact))


def post_contact(call: Call) -> Reply:
    account = _directory(call).account(call.path["accountId"])
    fields = wire.changes(call.body, wire.CONTACT_FIELDS)
    fields.setdefault("type", "CORPORATE")
    _require(call, f"contact:{fields['type']}", "create", account.account_id)
    contact = _directory(call).add_contact(account, principal(call).principal_id, fields, _now(call))
    return Reply(_publish(call, "POST", "contact", contact, principal_filter=_contact_filter(contact)), 201)


def put_contact(call: Call) -> dict[str, Any]:
    contact = _contact(call, "write")
    _directory(call).change_contact(contact, wire.changes(call.body, wire.CONTACT_FIELDS), _now(call))
    return _publish(call, "PUT", "contact", contact, principal_filter=_contact_filter(contact))


def delete_contact(call: Call) -> Reply:
    contact = _contact(call, "write")
    _directory(call).remove_contact(contact)
    _publish(call, "DELETE", "contact", contact, principal_filter=_contact_filter(contact))
    return Reply(None, 204)


# -- entities -------------------------------------------------------------------------------------
def _entities(call: Call) -> tuple[Account, list[dict[str, Any]]]:
    account = _account(call, "entity", "read")
    found = [wire.entity(kind, e) for kind, e in _directory(call).entities(account.account_id) if _sees(call, kind, e)]
    return account, found


def get_entities(call: Call) -> dict[str, Any]:
    account, found = _entities(call)
    return collection(found, call, f"/accounts/{account.account_id}/entities")


def get_entity(call: Call) -> dict[str, Any]:
    wanted = call.path["entityId"].lower()
    _, found = _entities(call)
    match = next((e for e in found if e["entityId"].lower() == wanted), None)
    if match is None:
        raise ApiError(404, f"entity {call.path['entityId']!r} not found", code="NotFoundError")
    return match


# -- applications ---------------------------------------------------------------------------------
def _application(call: Call, action: str) -> Any:
    """The path's application (``clientId`` on Admin, ``applicationId`` on Authentication, as the guide and
    Mitel's Application Registration collection call it)."""
    app = _directory(call).application(call.path.get("clientId") or call.path["applicationId"])
    _require(call, "application", action, app.account_id)
    return app


def get_application(call: Call) -> dict[str, Any]:
    return wire.application(_application(call, "read"))


def put_application(call: Call) -> dict[str, Any]:
    app = _application(call, "write")
    body = dict(call.body or {})
    enable_on = body.get("accountId")
    if enable_on:  # the registration step: the application enabled (or, active false, disabled) on an account
        account = _directory(call).account(str(enable_on))
        _require(call, "account", "write", account.account_id)
        on = body.pop("active", True) is not False  # the guide: active "indicates if ... enabled on the account"
        if on and account.account_id not in app.enabled_accounts:
            app.enabled_accounts.append(account.account_id)
        elif not on and account.account_id in app.enabled_accounts:
            app.enabled_accounts.remove(account.account_id)
    _directory(call).change_application(app, wire.changes(body, wire.APPLICATION_FIELDS), _now(call))
    return _publish(call, "PUT", "application", app)


PHOTOGENIC = ("user", "contact", "group")  # what may have a photo (the Admin API Guide)

HANDLERS: dict[str, Handler] = {
    **photos.HANDLERS,
    "Accounts_GetAccounts": get_accounts,
    "Accounts_GetAccount": get_account,
    "Accounts_PutAccount": put_account,
    "Users_GetUsers": get_users,
    "Users_PostUser": post_user,
    "Users_PatchUsers": patch_users,
    "Users_GetUser": get_user,
    "Users_PutUser": put_user,
    "Users_DeleteUser": delete_user,
    "Clients_GetClients": get_clients,
    "Clients_PostClient": post_client,
    "Clients_PostClientSingular": post_client,
    "Clients_GetClient": get_client,
    "Clients_PutClient": put_client,
    "Clients_DeleteClient": delete_client,
    "Groups_GetGroups": get_groups,
    "Groups_PostGroup": post_group,
    "Groups_GetGroup": get_group,
    "Groups_PutGroup": put_group,
    "Groups_DeleteGroup": delete_group,
    "Members_GetMembers": get_members,
    "Members_PostMember": post_member,
    "Members_GetMember": get_member,
    "Members_DeleteMember": delete_member,
    "Sites_GetSites": get_sites,
    "Sites_PostSite": post_site,
    "Sites_GetSite": get_site,
    "Sites_PutSite": put_site,
    "Sites_DeleteSite": delete_site,
    "Contacts_GetContacts": get_contacts,
    "Contacts_PostContact": post_contact,
    "Contacts_GetContact": get_contact,
    "Contacts_PutContact": put_contact,
    "Contacts_DeleteContact": delete_contact,
    "Entities_GetEntities": get_entities,
    "Entities_GetEntity": get_entity,
    "Applications_GetApplication": get_application,
    "Applications_PutApplication": put_application,
}
