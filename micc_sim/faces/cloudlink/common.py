"""The wire conventions every CloudLink service shares (wire-notes, the CloudLink guides).

* Each service is served from its contract (``contracts/cloudlink-<service>.openapi.yaml``) under
  ``/<service>/2017-09-01`` (or host-style, see :mod:`.hosts`), paths case-sensitive as Node's are.
* Bodies are checked as AJV checks them (:mod:`micc_sim.spec.ajv`); errors are ``{"name", "message"}``.
* ``Authorization: Bearer <jwt>``, or the bare token as Mitel's own samples send it.
* Every answer carries ``x-mitel-correlation-id`` (the client's, or a new one); publications made while
  serving a request carry the same id.
* Collections are ``{count, _links: {self, next?}, _embedded: {items}}`` with OData query options.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from micc_sim.faces.cloudlink.admin.models import ROLE_RANK
from micc_sim.faces.cloudlink.auth.models import Principal, TokenError
from micc_sim.faces.cloudlink.errors import DirectoryError
from micc_sim.faces.cloudlink.platform import CloudLink
from micc_sim.faces.micc.wire import hal_collection
from micc_sim.spec.ajv import ajv_bind
from micc_sim.spec.binding import Strictness
from micc_sim.spec.contract import load_contract
from micc_sim.spec.router import ApiError, Call, Handler, SpecRouter

VERSION = "2017-09-01"
SERVICES = ("authentication", "admin", "notifications", "chat", "media", "presence", "servicedelivery",
            "workflow")
CORRELATION_HEADER = "x-mitel-correlation-id"
CORRELATION_KEY = "micc_sim.correlation_id"  # scope key

_ERROR_NAMES = {400: "BadRequestError", 401: "UnauthorizedError", 403: "ForbiddenError", 404: "NotFoundError",
                405: "MethodNotAllowedError", 409: "ConflictError", 413: "PayloadTooLargeError",
                429: "TooManyRequestsError"}


def face_name(service: str) -> str:
    """The name a CloudLink service goes by in the journal and in fault rules."""
    return f"cloudlink-{service}"


def cloudlink_error(error: ApiError) -> dict[str, Any]:
    """CloudLink's error body; ``name`` is the ApiError's code, or a name for its status."""
    message = error.message
    if error.model_state:  # a body that is not JSON at all (the router's parse errors)
        message = "; ".join(m for messages in error.model_state.values() for m in messages)
    name = error.code or _ERROR_NAMES.get(error.status, "InternalServerError" if error.status >= 500 else "Error")
    return {"name": name, "message": message}


def cloudlink(call: Call) -> CloudLink:
    return call.sim.cloudlink


def principal(call: Call) -> Principal:
    """The caller (every CloudLink operation but the token endpoints is authenticated)."""
    if call.principal is None:
        raise ApiError(401, "a bearer token is required")
    return call.principal


def authenticate(sim: Any, request: Request) -> Principal:
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise ApiError(401, "no Authorization header: send Authorization: Bearer <access_token>")
    scheme, _, rest = header.partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" and rest.strip() else header
    try:
        return sim.cloudlink.check_token(token, sim.clock.now())
    except TokenError as exc:
        raise ApiError(401, str(exc)) from exc


def require_account(call: Call, account_id: str) -> None:
    """403 unless the caller may administer ``account_id`` (or is a member of it, for reads by users)."""
    who = principal(call)
    if not cloudlink(call).directory.manages(who.role, who.account_id, account_id):
        raise ApiError(403, f"a {who.role} of account {who.account_id} may not manage account {account_id}")


def correlation_id(call: Call) -> str:
    return call.request.scope.get(CORRELATION_KEY) or str(uuid.uuid4())


def publish(call: Call, topic: str, method: str, subject: str, content: Any, *, account_id: str | None = None,
            principal_filter: list[str] | None = None) -> None:
    """Record a publication for what this request changed, signed by the caller."""
    who = call.principal
    cloudlink(call).notify.publish(
        topic, method, subject, content, account_id=account_id or (who.account_id if who else None),
        principal_id=who.principal_id if who else None, correlation_id=correlation_id(call),
        principal_filter=principal_filter)


def collection(items: Iterable[dict[str, Any]], call: Call, path: str) -> dict[str, Any]:
    """A collection of ``items`` whose self link is ``path`` of this service (OData applies after)."""
    return hal_collection(items, call.url_for(path))


def string_collection(items: Iterable[dict[str, Any]], call: Call, path: str) -> dict[str, Any]:
    """A collection whose links are strings (``_links.self``, ``_links.next``), as the Media Swagger has them."""
    body = collection(items, call, path)
    body["_links"] = {"self": body["_links"]["self"]["href"]}
    return body


def iso(value: datetime | None) -> str | None:
    """A time as CloudLink (JavaScript's ``toISOString``) writes it: ``2026-11-22T09:00:00.000Z``."""
    if value is None:
        return None
    value = value.astimezone(UTC)  # %Y would not pad a year before 1000 to four digits
    return f"{value.year:04d}-{value:%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def _map_directory_errors(handler: Handler) -> Handler:
    async def run(call: Call) -> Any:
        try:
            result = handler(call)
            return await result if hasattr(result, "__await__") else result
        except DirectoryError as exc:
            raise ApiError(exc.status, exc.message, code=exc.name) from exc

    return run


def service_app(sim: Any, service: str, handlers: dict[str, Handler]) -> ASGIApp:
    """One CloudLink service from its contract: AJV validation, CloudLink errors, JWT bearer tokens."""
    router = SpecRouter(
        sim, load_contract(f"cloudlink-{service}"), {k: _map_directory_errors(h) for k, h in handlers.items()},
        authenticate=lambda request: authenticate(sim, request), render_error=cloudlink_error,
        strictness=Strictness.LENIENT, bind_json=ajv_bind, paths_ignore_case=False, role_rank=ROLE_RANK,
        next_links=True)
    return CorrelationIds(router)


class CorrelationIds:
    """Every answer carries ``x-mitel-correlation-id``: the one the client sent, or a new one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(CORRELATION_HEADER.encode())
        value = sent.decode("latin-1") if sent else str(uuid.uuid4())
        scope = {**scope, CORRELATION_KEY: value}

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (CORRELATION_HEADER.encode(), value.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, with_header)
