"""SCIM 2.0 provisioning (RFC 7643, RFC 7644) of an account's CloudLink users, as Azure AD and Okta call it.

The Admin API Guide names ``POST /accounts/{accountId}/scimkey`` (an identity provider's SCIM secret) and no
more: the base URL ``/admin/2017-09-01/scim/v2`` (``https://admin.api.mitel.io/2017-09-01/scim/v2``) and
everything below are *inferred*, as the RFCs and those two identity providers have them
(``contracts/cloudlink-scim.openapi.yaml``, docs/cloudlink-scim.md).

* ``Authorization: Bearer <scim key>``: the key names the account; a new key revokes the old one.
* A SCIM User is a CloudLink user of the account (``GET /accounts/{id}/users`` lists it): ``userName`` is its
  login (the email), ``emails`` show the same address, ``name.givenName``/``familyName`` and ``displayName``
  its names, ``externalId`` the provider's id, ``active`` false deprovisions it (no tokens, its own revoked).
* Errors are SCIM's ``{"schemas": [...Error], "status": "409", "scimType"?, "detail"}``; answers are
  ``application/scim+json``.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from micc_sim.faces.cloudlink.admin import wire
from micc_sim.faces.cloudlink.admin.models import Account, Directory, User
from micc_sim.faces.cloudlink.auth.models import Principal
from micc_sim.faces.cloudlink.common import CorrelationIds, cloudlink, iso, publish
from micc_sim.faces.cloudlink.errors import DirectoryError
from micc_sim.spec.ajv import ajv_bind
from micc_sim.spec.binding import Strictness
from micc_sim.spec.contract import load_contract
from micc_sim.spec.router import ApiError, Call, Handler, Reply, SpecRouter

BASE = "/admin/2017-09-01/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_RESULTS = 100  # a page's most Resources (ServiceProviderConfig filter.maxResults)
MAX_OPERATIONS = 100  # a PATCH's most Operations
SCIM_TYPE = "application/scim+json"
TOPIC = "platform-api-admin"


# -- errors and authentication --------------------------------------------------------------------
def scim_error(status: int, detail: str, scim_type: str | None = None) -> ApiError:
    return ApiError(status, detail, code=scim_type)


def render_error(error: ApiError) -> dict[str, Any]:
    detail = error.message
    if error.model_state:  # a body that is no JSON, or not an object
        detail = "; ".join(m for messages in error.model_state.values() for m in messages)
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(error.status), "detail": detail}
    scim_type = {"ValidationError": "invalidValue"}.get(error.code or "", error.code)
    scim_type = scim_type or ("invalidSyntax" if error.model_state else None)
    if scim_type:
        body["scimType"] = scim_type
    return body


def authenticate(sim: Any, scope_headers: Any) -> Principal:
    """The account whose SCIM key the bearer is (401 otherwise): the identity provider, as its account's admin."""
    header = (scope_headers.get("authorization") or "").strip()
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "send Authorization: Bearer <the account's SCIM key (POST /accounts/{id}/scimkey)>",
                       headers={"WWW-Authenticate": 'Bearer realm="SCIM"'})
    directory: Directory = sim.cloudlink.directory
    for account_id, stored in directory.scim_keys.items():
        if hmac.compare_digest(stored.key.encode(), key.strip().encode()):
            return Principal("scim", f"scim:{account_id}", account_id, "ACCOUNT_ADMIN", name="SCIM")
    raise ApiError(401, "the SCIM key is not valid (a new key revokes the one before)",
                   headers={"WWW-Authenticate": 'Bearer realm="SCIM"'})


# -- the User resource ----------------------------------------------------------------------------
def _account(call: Call) -> Account:
    assert call.principal is not None
    return cloudlink(call).directory.accounts[call.principal.account_id]


def resource(call: Call, user: User) -> dict[str, Any]:
    location = call.url_for(f"/Users/{user.user_id}")
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA], "id": user.user_id, "userName": user.email,
        "name": {"givenName": user.first_name, "familyName": user.last_name,
                 "formatted": f"{user.first_name} {user.last_name}".strip() or user.name},
        "displayName": user.name, "active": user.active,
        "emails": [{"value": user.email, "type": "work", "primary": True}] if user.email else [],
        "meta": {"resourceType": "User", "created": iso(user.created_on),
                 "lastModified": iso(user.modified_on or user.created_on), "location": location}}
    if user.external_id is not None:
        body["externalId"] = user.external_id
    return body


def _users(call: Call) -> list[User]:
    return [u for u in cloudlink(call).directory.of_account("user", _account(call).account_id)]


def _user(call: Call) -> User:
    wanted = call.path["id"]
    found = next((u for u in _users(call) if u.user_id.lower() == wanted.lower()), None)
    if found is None:
        raise scim_error(404, f"User {wanted} not found")
    return found


def _boolean(value: Any, name: str) -> bool:
    """A SCIM boolean; Azure AD sends ``"True"``/``"False"`` strings in PATCH operations."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise scim_error(400, f"{name} must be a boolean", "invalidValue")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise scim_error(400, f"{name} must be a string", "invalidValue")
    return value


def _primary_email(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        raise scim_error(400, "emails must be a list of {value, type, primary}", "invalidValue")
    chosen = next((e for e in value if isinstance(e, dict) and e.get("primary") is True), value[0])
    return _text(chosen.get("value") if isinstance(chosen, dict) else chosen, "emails.value")


def _changes(attributes: dict[str, Any]) -> dict[str, Any]:
    """The model changes of a SCIM User's attributes (a POST or PUT body, or a PATCH without a path)."""
    changes: dict[str, Any] = {}
    folded = {k.lower(): v for k, v in attributes.items()}
    if "username" in folded:
        changes["email"] = _login(folded["username"])
    elif "emails" in folded and folded["emails"] is not None:
        changes["email"] = _login(_primary_email(folded["emails"]))
    name = folded.get("name")
    if name is not None:
        if not isinstance(name, dict):
            raise scim_error(400, "name must be an object {givenName, familyName}", "invalidValue")
        parts = {k.lower(): v for k, v in name.items()}
        if "givenname" in parts:
            changes["first_name"] = _text(parts["givenname"] or "", "name.givenName")
        if "familyname" in parts:
            changes["last_name"] = _text(parts["familyname"] or "", "name.familyName")
    if folded.get("displayname") is not None:
        changes["name"] = _text(folded["displayname"], "displayName")
    if "externalid" in folded:
        changes["external_id"] = None if folded["externalid"] is None else _text(folded["externalid"], "externalId")
    if "active" in folded:
        changes["active"] = _boolean(folded["active"], "active")
    if folded.get("password") is not None:  # write-only (RFC 7643 4.1.1): the user's CloudLink password
        changes["password"] = _text(folded["password"], "password")
    for dotted, attr in (("name.givenname", "first_name"), ("name.familyname", "last_name")):
        if dotted in folded:  # Okta's and Azure AD's PATCH value objects may spell sub-attributes dotted
            changes[attr] = _text(folded[dotted] or "", dotted)
    return changes


def _login(value: Any) -> str:
    login = _text(value, "userName").strip()
    if "@" not in login:
        raise scim_error(400, "userName is the CloudLink login: an email address", "invalidValue")
    return login


def _apply(call: Call, user: User | None, changes: dict[str, Any]) -> User:
    """Create (``user`` None) or change a user; the directory's checks answer in SCIM's shape."""
    directory, now = cloudlink(call).directory, call.sim.clock.now()
    active = changes.pop("active", None)
    try:
        if user is None:
            if "email" not in changes:
                raise scim_error(400, "userName is required", "invalidValue")
            user = directory.add_user(_account(call), changes, now)
            method = "POST"
        else:
            directory.change_user(user, changes, now)
            method = "PUT"
    except DirectoryError as exc:
        raise scim_error(exc.status, exc.message, "uniqueness" if exc.status == 409 else "invalidValue") from exc
    if active is not None and active != user.active:
        user.active = active
        if not active:  # deprovisioned: what its tokens could still buy ends now
            cloudlink(call).sessions.revoke_principal("user", user.user_id)
    publish(call, TOPIC, method, wire.subject("user", user), wire.user(user), account_id=user.account_id)
    return user


# -- filters: `attribute eq "value"`, hand-tokenized ------------------------------------------------
FILTERABLE = {"username": "userName", "externalid": "externalId", "emails.value": "emails.value",
              "emails": "emails.value", "id": "id"}


def _tokens(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` tokens of a filter: ``word`` (an attribute path or operator) or ``string`` (unquoted)."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == '"':
            out, i = [], i + 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(text[i])
                i += 1
            if i >= n:
                raise scim_error(400, "an unterminated string in filter", "invalidFilter")
            tokens.append(("string", "".join(out)))
            i += 1
        else:
            start = i
            while i < n and text[i] not in ' \t"':
                i += 1
            tokens.append(("word", text[start:i]))
    return tokens


def parse_filter(text: str) -> tuple[str, str]:
    """``(attribute, value)`` of ``userName eq "x"`` (also externalId, emails.value, id); 400 otherwise."""
    if len(text) > 1000:
        raise scim_error(400, "the filter is too long", "invalidFilter")
    tokens = _tokens(text)
    if len(tokens) != 3 or tokens[0][0] != "word" or tokens[1] != ("word", tokens[1][1]):
        raise scim_error(400, 'filter must be one comparison: attribute eq "value"', "invalidFilter")
    path = tokens[0][1].lower().removeprefix(USER_SCHEMA.lower() + ":")
    if tokens[1][1].lower() != "eq":
        raise scim_error(400, f"filter operator {tokens[1][1]!r} is not supported: only eq", "invalidFilter")
    if path not in FILTERABLE:
        raise scim_error(400, f"filter attribute {tokens[0][1]!r} is not supported: userName, externalId, "
                              "emails.value", "invalidFilter")
    kind, value = tokens[2]
    if kind != "string":
        raise scim_error(400, "filter value must be a quoted string", "invalidFilter")
    return FILTERABLE[path], value


def _matches(user: User, attribute: str, value: str) -> bool:
    if attribute == "externalId":
        return user.external_id == value  # caseExact (RFC 7643 4.1)
    if attribute == "id":
        return user.user_id == value
    return user.email.lower() == value.lower()  # userName and emails.value are not caseExact


def _int(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip().lstrip("-")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise scim_error(400, f"{name} must be an integer", "invalidValue")
    return int(raw.strip())


# -- handlers -------------------------------------------------------------------------------------
def get_users(call: Call) -> Reply:
    users = _users(call)
    if call.query.get("filter"):
        attribute, value = parse_filter(call.query["filter"])
        users = [u for u in users if _matches(u, attribute, value)]
    start = max(1, _int(call.query, "startIndex", 1))
    count = min(MAX_RESULTS, max(0, _int(call.query, "count", MAX_RESULTS)))
    page = users[start - 1:start - 1 + count]
    return Reply({"schemas": [LIST_SCHEMA], "totalResults": len(users), "startIndex": start,
                  "itemsPerPage": len(page), "Resources": [resource(call, u) for u in page]})


def post_user(call: Call) -> Reply:
    user = _apply(call, None, _changes(_object(call.body)))
    body = resource(call, user)
    return Reply(body, 201, {"location": body["meta"]["location"]})


def get_user(call: Call) -> Reply:
    return Reply(resource(call, _user(call)))


def put_user(call: Call) -> Reply:
    user = _user(call)
    body = _object(call.body)
    changes = _changes(body)
    if "email" not in changes:
        raise scim_error(400, "a PUT replaces the User: userName is required", "invalidValue")
    for attr, empty in (("first_name", ""), ("last_name", ""), ("external_id", None)):
        changes.setdefault(attr, empty)  # a replace: what it leaves out is cleared
    changes.setdefault("active", True)
    return Reply(resource(call, _apply(call, user, changes)))


def patch_user(call: Call) -> Reply:
    user = _user(call)
    body = _object(call.body)
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations or len(operations) > MAX_OPERATIONS:
        raise scim_error(400, f"Operations must be a list of 1 to {MAX_OPERATIONS} operations", "invalidSyntax")
    changes: dict[str, Any] = {}
    for operation in operations:
        changes.update(_operation(operation))
    return Reply(resource(call, _apply(call, user, changes)))


def _operation(operation: Any) -> dict[str, Any]:
    if not isinstance(operation, dict):
        raise scim_error(400, "an operation is an object {op, path, value}", "invalidSyntax")
    op = str(operation.get("op", "")).lower()  # Azure AD writes "Replace", "Add"
    path, value = operation.get("path"), operation.get("value")
    if op not in ("add", "replace", "remove"):
        raise scim_error(400, f"op {operation.get('op')!r} must be add, replace or remove", "invalidSyntax")
    if path is None:
        if op == "remove":
            raise scim_error(400, "a remove needs a path", "noTarget")
        if not isinstance(value, dict):
            raise scim_error(400, "an operation without a path has an object value", "invalidValue")
        return _changes(value)
    attribute = _text(path, "path").strip().lower().removeprefix(USER_SCHEMA.lower() + ":")
    if attribute.startswith("emails"):  # emails, emails.value, emails[type eq "work"].value
        if op == "remove":
            raise scim_error(400, "the login's email cannot be removed", "mutability")
        return {"email": _login(value if isinstance(value, str) else _primary_email(value))}
    known = {"active": "active", "displayname": "displayName", "username": "userName", "externalid": "externalId",
             "name": "name", "name.givenname": "name.givenName", "name.familyname": "name.familyName"}
    if attribute not in known:
        raise scim_error(400, f"path {path!r} is not an attribute this service changes", "invalidPath")
    if op == "remove":
        if attribute in ("username", "active"):
            raise scim_error(400, f"{known[attribute]} cannot be removed", "mutability")
        value = {"name": {"givenName": "", "familyName": ""}}.get(attribute, "" if attribute != "externalid" else None)
        return _changes({known[attribute]: value} if attribute != "name" else value)
    if "." in attribute:
        return _changes({"name": {known[attribute].split(".")[1]: value}})
    return _changes({known[attribute]: value})


def delete_user(call: Call) -> Reply:
    user = _user(call)
    cloudlink(call).directory.remove_user(user)
    cloudlink(call).sessions.revoke_principal("user", user.user_id)
    publish(call, TOPIC, "DELETE", wire.subject("user", user), wire.user(user), account_id=user.account_id)
    return Reply(None, 204)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise scim_error(400, "the body is a JSON object", "invalidSyntax")
    return body


# -- discovery (RFC 7644 4) -----------------------------------------------------------------------
def get_service_provider_config(call: Call) -> Reply:
    return Reply({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True}, "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS}, "changePassword": {"supported": False},
        "sort": {"supported": False}, "etag": {"supported": False},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "SCIM key", "primary": True,
                                   "description": "Authorization: Bearer <the key of POST /accounts/{id}/scimkey>"}],
        "meta": {"resourceType": "ServiceProviderConfig", "location": call.url_for("/ServiceProviderConfig")}})


def _attribute(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "multiValued": False, "required": False, "caseExact": False,
            "mutability": "readWrite", "returned": "default", "uniqueness": "none", **extra}


def _user_schema(call: Call) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": USER_SCHEMA, "name": "User",
            "description": "A CloudLink user of the account", "attributes": [
                _attribute("userName", required=True, uniqueness="server",
                           description="the CloudLink login (an email address)"),
                _attribute("name", "complex", subAttributes=[_attribute("givenName"), _attribute("familyName"),
                                                             _attribute("formatted", mutability="readOnly")]),
                _attribute("displayName"), _attribute("active", "boolean"),
                _attribute("externalId", caseExact=True),
                _attribute("emails", "complex", multiValued=True,
                           subAttributes=[_attribute("value"), _attribute("type"), _attribute("primary", "boolean")])],
            "meta": {"resourceType": "Schema", "location": call.url_for(f"/Schemas/{USER_SCHEMA}")}}


def get_schemas(call: Call) -> Reply:
    return Reply({"schemas": [LIST_SCHEMA], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
                  "Resources": [_user_schema(call)]})


def get_resource_types(call: Call) -> Reply:
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User",
            "endpoint": "/Users", "schema": USER_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": call.url_for("/ResourceTypes/User")}}
    return Reply({"schemas": [LIST_SCHEMA], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
                  "Resources": [user]})


HANDLERS: dict[str, Handler] = {
    "Scim_GetUsers": get_users,
    "Scim_PostUser": post_user,
    "Scim_GetUser": get_user,
    "Scim_PutUser": put_user,
    "Scim_PatchUser": patch_user,
    "Scim_DeleteUser": delete_user,
    "Scim_GetServiceProviderConfig": get_service_provider_config,
    "Scim_GetSchemas": get_schemas,
    "Scim_GetResourceTypes": get_resource_types,
}


class ScimContentType:
    """Answers are ``application/scim+json`` (RFC 7644 3.1), the router's errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-type"]
                message = {**message, "headers": [*headers, (b"content-type", SCIM_TYPE.encode())]}
            await send(message)

        await self.app(scope, receive, sending)


def scim_app(sim: Any) -> ASGIApp:
    router = SpecRouter(sim, load_contract("cloudlink-scim"), HANDLERS,
                        authenticate=lambda request: authenticate(sim, request.headers), render_error=render_error,
                        strictness=Strictness.LENIENT, bind_json=ajv_bind, paths_ignore_case=False)
    return ScimContentType(CorrelationIds(router))
