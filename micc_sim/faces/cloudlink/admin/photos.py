"""Admin extras of the guides: photos of users, contacts and groups, the SCIM key, the caller's ``GET /users``.

* **Photos.** ``POST`` or ``PUT /accounts/{accountId}/{users|contacts|groups}/{id}/photo`` with an image
  body (PNG, JPEG, GIF or WebP, up to :data:`MAX_PHOTO` bytes) sets the picture; ``GET`` of the same URL
  serves it and ``DELETE`` removes it. The entity's GET answers then carry ``photoUrl`` (the guide: "the URL
  for the uploaded photo will be provided in the response body"). The paths and ``photoUrl`` are inferred.
* **SCIM.** ``POST /accounts/{accountId}/scimkey`` gives the account's SCIM secret (a new one each time).
* **``GET /users``.** The users the caller may see, across its accounts (a partner admin's customers too).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from micc_sim.faces.cloudlink.admin import wire
from micc_sim.faces.cloudlink.admin.access import allowed
from micc_sim.faces.cloudlink.admin.models import Photo, ScimKey
from micc_sim.faces.cloudlink.callers import visible_accounts
from micc_sim.faces.cloudlink.common import cloudlink, collection, iso, principal, publish
from micc_sim.spec.router import ApiError, Call, Reply

MAX_PHOTO = 1024 * 1024  # bytes
TOPIC = "platform-api-admin"  # a photo changes its entity: published as the entity's PUT, as every admin change
KINDS = {"users": "user", "contacts": "contact", "groups": "group"}  # path segment -> kind
_SIGNATURES = (("image/png", b"\x89PNG\r\n\x1a\n"), ("image/jpeg", b"\xff\xd8\xff"), ("image/gif", b"GIF87a"),
               ("image/gif", b"GIF89a"))


def image_type(data: bytes) -> str | None:
    """The image type the bytes are (by their signature), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for kind, magic in _SIGNATURES if data.startswith(magic)), None)


def photo_path(kind: str, account_id: str, entity_id: str) -> str:
    return f"/accounts/{account_id}/{kind}s/{entity_id}/photo"


def with_photo(call: Call, kind: str, entity: Any, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (the entity as answered) with ``photoUrl`` when the entity has a photo."""
    entity_id = getattr(entity, f"{kind}_id")
    if entity_id in cloudlink(call).directory.photos:
        return {**body, "photoUrl": call.url_for(photo_path(kind, entity.account_id, entity_id))}
    return body


def _entity(call: Call, action: str) -> tuple[str, Any]:
    """The path's user, contact or group, once the caller may ``action`` its photo: its own (a user's), or as
    one who may change the entity."""
    kind = next(k for k in KINDS.values() if f"{k}Id" in call.path)
    entity_ref = call.path[f"{kind}Id"]
    directory, who = cloudlink(call).directory, principal(call)
    account = directory.account(call.path["accountId"])
    entity = directory.in_account(kind, account.account_id, entity_ref)
    resource = f"contact:{entity.type}" if kind == "contact" else kind
    created_by = getattr(entity, "created_by", None)
    if not allowed(directory, who, resource if action == "write" else "entity", "read", account.account_id,
                   created_by):
        raise ApiError(404, f"{kind} {entity_ref!r} not found", code="NotFoundError")
    own = kind == "user" and who.principal_id == entity.user_id
    if action == "write" and not own and not allowed(directory, who, resource, "write", account.account_id,
                                                     created_by):
        raise ApiError(403, f"a {who.role} may not change the photo of {kind} {entity_ref}",
                       code="ForbiddenError")
    return kind, entity


async def _image(call: Call) -> tuple[str, bytes]:
    sent = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not sent.startswith("image/"):
        raise ApiError(415, f"a photo is an image body (image/png, image/jpeg, image/gif, image/webp), not "
                            f"{sent or 'no content type'}", code="UnsupportedMediaTypeError")
    data = bytearray()
    async for chunk in call.request.stream():
        data += chunk
        if len(data) > MAX_PHOTO:
            raise ApiError(413, f"a photo is at most {MAX_PHOTO} bytes", code="PayloadTooLargeError")
    found = image_type(bytes(data))
    if found is None:
        raise ApiError(400, "the body is not a PNG, JPEG, GIF or WebP image", code="BadRequestError")
    return found, bytes(data)


async def put_photo(call: Call) -> dict[str, Any]:
    kind, entity = _entity(call, "write")
    content_type, data = await _image(call)
    entity_id = getattr(entity, f"{kind}_id")
    cloudlink(call).directory.photos[entity_id] = Photo(content_type, base64.b64encode(data).decode("ascii"),
                                                        call.sim.clock.now())
    return _published(call, kind, entity)


def _published(call: Call, kind: str, entity: Any) -> dict[str, Any]:
    content = with_photo(call, kind, entity, wire.resource(kind, entity))
    personal = kind == "contact" and entity.type == "PERSONAL_CONTACT"
    publish(call, TOPIC, "PUT", wire.subject(kind, entity), content, account_id=entity.account_id,
            principal_filter=[entity.created_by] if personal else None)
    return content


def get_photo(call: Call) -> Reply:
    kind, entity = _entity(call, "read")
    photo = cloudlink(call).directory.photos.get(getattr(entity, f"{kind}_id"))
    if photo is None:
        raise ApiError(404, f"{kind} {getattr(entity, f'{kind}_id')!r} has no photo", code="NotFoundError")
    return Reply(base64.b64decode(photo.data), 200, {"content-type": photo.content_type,
                                                     "cache-control": "private, max-age=0"})


def delete_photo(call: Call) -> Reply:
    kind, entity = _entity(call, "write")
    if cloudlink(call).directory.photos.pop(getattr(entity, f"{kind}_id"), None) is None:
        raise ApiError(404, f"{kind} {getattr(entity, f'{kind}_id')!r} has no photo", code="NotFoundError")
    _published(call, kind, entity)
    return Reply(None, 204)


def post_scim_key(call: Call) -> Reply:
    directory, who = cloudlink(call).directory, principal(call)
    account = directory.account(call.path["accountId"])
    if not directory.manages(who.role, who.account_id, account.account_id):
        raise ApiError(403, f"a {who.role} of account {who.account_id} may not set up SCIM for account "
                            f"{account.account_id}", code="ForbiddenError")
    key = ScimKey(secrets.token_urlsafe(32), call.sim.clock.now(), who.principal_id)
    directory.scim_keys[account.account_id] = key
    return Reply({"accountId": account.account_id, "scimKey": key.key, "createdOn": iso(key.created_on),
                  "createdBy": key.created_by}, 201)


def get_caller_users(call: Call) -> dict[str, Any]:
    directory, who = cloudlink(call).directory, principal(call)
    users = [u for account_id in visible_accounts(call) for u in directory.of_account("user", account_id)
             if allowed(directory, who, "user", "read", account_id)]
    return collection([with_photo(call, "user", u, wire.user(u)) for u in users], call, "/users")


HANDLERS = {
    **{f"Photos_{verb}{kind.title()}Photo": handler for kind in KINDS.values()
       for verb, handler in (("Put", put_photo), ("Post", put_photo), ("Get", get_photo), ("Delete", delete_photo))},
    "Accounts_PostScimKey": post_scim_key,
    "Users_GetCallerUsers": get_caller_users,
}
