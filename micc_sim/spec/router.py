"""Serving a contract: routes from the document, handlers by operationId, errors in the surface's shape.

A :class:`SpecRouter` is one surface (the MiCC SDK, the AuthorizationServer, ...). For each request
it matches the path case-insensitively against the document's templates, authenticates when the
operation is secured, binds the body with the JSON.NET leniency of :mod:`micc_sim.spec.binding`,
calls the handler registered for the ``operationId`` and renders its reply. Handlers never see
HTTP details they do not need and never build error bodies themselves: they raise
:class:`ApiError` (or a world error, mapped here) and the surface renders it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from micc_sim.limits import InputError, checked_json
from micc_sim.spec import odata
from micc_sim.spec.binding import Strictness, bind, integer_text
from micc_sim.spec.contract import Contract, Operation
from micc_sim.spec.jsonnet import FORM, JsonReadError, read_form, read_json
from micc_sim.spec.synthesis import seed_for, synthesize
from micc_sim.world.core import Conflict, NotFound, WorldError
from micc_sim.world.lifecycle import TransitionError

log = logging.getLogger("micc_sim.spec")


class ApiError(Exception):
    """An error answer; the surface decides the body's shape."""

    def __init__(self, status: int, message: str, model_state: dict[str, list[str]] | None = None,
                 code: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.model_state = model_state
        self.code = code  # a machine-readable code for surfaces that have one (OAuth's "error")
        self.headers = dict(headers or {})


@dataclass
class Principal:
    """Who a bearer token belongs to."""

    kind: str  # "employee" | "client"
    id: str
    name: str
    role: str  # "agent" | "supervisor" | "administrator" | "client"
    client: str | None = None  # the Clients.config client acting for this employee (an Impersonate token)


PRINCIPAL_KEY = "micc_sim.principal"  # the scope key under which a face leaves the request's Principal (journal)
OPERATION_KEY = "micc_sim.operation"  # ... and the operationId it matched (journal, metrics, logs: no lookup again)


@dataclass
class Call:
    """What a handler receives: the bound request and the simulator it acts on."""

    sim: Any  # micc_sim.runtime.Simulator (kept loose to avoid an import cycle)
    operation: Operation
    path: dict[str, str]
    query: dict[str, str]
    body: Any
    principal: Principal | None
    request: Request

    @property
    def world(self) -> Any:
        return self.sim.world

    _base_url: str | None = field(default=None, init=False, repr=False)

    def url_for(self, relative: str) -> str:
        """An absolute URL for a path of this surface (for HAL links and Location headers)."""
        if self._base_url is None:
            scope = self.request.scope
            host = header(scope, b"host")
            if not host:
                server = scope.get("server") or ("localhost", 80)
                host = f"{server[0]}:{server[1]}"
            root = scope.get("root_path", "")
            added = scope.get("micc_sim.public_prefix")  # a host-style rewrite's prefix: not in the client's URL
            if added and root.startswith(added):
                root = root[len(added):]
            self._base_url = f"{scope.get('scheme', 'http')}://{host}{root}"
        return self._base_url + relative


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Awaitable[Reply | Any] | Reply | Any]
Authenticator = Callable[[Request], Any]  # a principal with a ``role`` (Principal here), or None
ErrorRenderer = Callable[[ApiError], Any]
BodyBinder = Callable[[Any, dict[str, Any], Strictness], Any]  # (JSON value, schema, strictness) -> bound value

ROLE_RANK = {"client": 0, "any": 0, "agent": 1, "supervisor": 2, "administrator": 3}


def dotnet_error(error: ApiError) -> dict[str, Any]:
    """ASP.NET Web API 2's error body, camelCased as the MiCC SDK serializes it."""
    body: dict[str, Any] = {"message": error.message}
    if error.model_state:
        body["modelState"] = error.model_state
    return body


class SpecRouter:
    def __init__(self, sim: Any, contract: Contract, handlers: Mapping[str, Handler], *,
                 authenticate: Authenticator | None = None, render_error: ErrorRenderer = dotnet_error,
                 strictness: Strictness = Strictness.LENIENT, bind_json: BodyBinder | None = None,
                 paths_ignore_case: bool | None = None, role_rank: Mapping[str, int] = ROLE_RANK,
                 next_links: bool = False, jsonnet_bodies: bool = False,
                 synthesized: Callable[[], Collection[str]] | None = None) -> None:
        """``bind_json`` checks a JSON body against its schema (JSON.NET's binding by default) and raises
        :class:`ApiError`; ``paths_ignore_case`` None follows the IIS quirk (``case_insensitive_paths``);
        ``next_links`` adds ``_links.next`` to a collection page that is not the last one; ``jsonnet_bodies``
        reads bodies as ASP.NET Web API does (:mod:`micc_sim.spec.jsonnet`: JavaScript literals while the
        ``lenient_json`` quirk is on, jQuery forms bound like JSON), else as standard JSON only; ``synthesized``
        (None: every unhandled operation is synthesized) names the operations answered with synthesized data,
        every other one without a handler answers 501."""
        self.sim = sim
        self.contract = contract
        self.handlers = dict(handlers)
        self.authenticate = authenticate
        self.render_error = render_error
        self.strictness = Strictness(strictness)
        self.bind_json = bind_json or dotnet_bind
        self.paths_ignore_case = paths_ignore_case
        self.role_rank = role_rank
        self.next_links = next_links
        self.jsonnet_bodies = jsonnet_bodies
        self.synthesized = synthesized
        self._candidates = _candidates(contract.operations)
        unknown = set(self.handlers) - {op.operation_id for op in contract.operations}
        if unknown:
            raise ValueError(f"handlers for operations the contract does not have: {sorted(unknown)}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive if scope["method"] in ("GET", "HEAD") else _Receive(receive))
        try:
            status, content, headers = await self._handle(request)
        except ApiError as error:
            status, content, headers = self._error(error)
        except Exception:  # a bug of ours must still answer in the vendor's shape, never a stack trace
            log.exception("unhandled error serving %s %s", scope["method"], scope["path"])
            status, content, headers = self._error(ApiError(500, "An error has occurred."))
        await _send(send, status, content, headers)

    # -- the pipeline ------------------------------------------------------------------------
    async def _handle(self, request: Request) -> Answer:
        path = _relative_path(request.scope)
        operation, params = self._match(request.method, path, request)
        request.scope[OPERATION_KEY] = operation.operation_id
        principal = self._authorize(operation, request)
        handler = self.handlers.get(operation.operation_id)
        if self.synthesized is not None:
            opted_in = operation.operation_id in self.synthesized()
            if handler is None and not opted_in:
                raise ApiError(501, f"The simulator does not implement {operation.operation_id}; a world file may "
                                    "mark it synthesized to answer it with synthesized data.")
            if opted_in:
                handler = None
        query_string = request.scope.get("query_string")
        query = dict(request.query_params) if query_string else {}
        if operation.query_parameters:
            _check_query(operation, query)
        body = await self._bind_body(operation, request)
        if handler is None:
            status, schema = operation.success
            reply = Reply(synthesize(schema, seed_for(operation.operation_id, params, query)), status)
        else:
            reply = await _run(handler, Call(self.sim, operation, params, query, body, principal, request),
                               self.sim.clock)
        if operation.odata and _is_collection(reply.body):
            reply.body = _page(reply.body, query, self.next_links)
        if isinstance(reply.body, bytes):  # a binary answer (an attachment), its content type in the headers
            return reply.status, reply.body, {"content-type": "application/octet-stream", **(reply.headers or {})}
        return _json(reply.status, reply.body, reply.headers)

    def _match(self, method: str, path: str, request: Request) -> tuple[Operation, dict[str, str]]:
        allowed: list[str] = []
        ignore_case = (self.sim.quirks.case_insensitive_paths if self.paths_ignore_case is None
                       else self.paths_ignore_case)
        for operation in self._candidates(path):
            params = operation.match(path, ignore_case)
            if params is None:
                continue
            if operation.method == method:
                return operation, params
            allowed.append(operation.method)
        if allowed:
            raise ApiError(405, f"The requested resource does not support http method '{method}'.",
                           headers={"Allow": ", ".join(sorted(set(allowed)))})
        url, added = str(request.url), request.scope.get("micc_sim.public_prefix")
        if added:  # a host-style request: the URI the client sent has no mount
            url = url.replace(f"{request.url.netloc}{added}/", f"{request.url.netloc}/", 1)
        raise ApiError(404, f"No HTTP resource was found that matches the request URI '{url}'.")

    def _authorize(self, operation: Operation, request: Request) -> Principal | None:
        if operation.role == "public" or self.authenticate is None:
            return None
        principal = self.authenticate(request)
        if principal is None:
            raise ApiError(401, "Authorization has been denied for this request.",
                           headers={"WWW-Authenticate": "Bearer"})
        if self.role_rank.get(principal.role, 0) < self.role_rank.get(operation.role, 0):
            raise ApiError(403, f"Access denied: {operation.operation_id} requires the "
                                f"{operation.role} role.")
        return principal

    async def _bind_body(self, operation: Operation, request: Request) -> Any:
        if operation.request_schema is None:
            return None
        sent = (header(request.scope, b"content-type") or "").split(";")[0].strip().lower()
        media = sent if sent in operation.request_media_types else operation.request_media
        schema = operation.request_media_types.get(media or "", operation.request_schema)
        if media and not _structured(media):
            return None  # a binary body (application/octet-stream, */*): the handler streams it from call.request
        raw = await _body(request)
        if media == FORM:
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
            return form if self.bind_json is dotnet_bind else self.bind_json(form, schema, self.strictness)
        if sent == FORM and self.jsonnet_bodies and _structured(media or ""):
            # jQuery's default content type: Web API binds a form to the operation's model too
            return self.bind_json(read_form(raw.decode("utf-8", "replace")), schema, self.strictness)
        if not raw.strip():
            raise ApiError(400, "The request is invalid.",
                           {"model": ["A non-empty request body is required."]})
        try:
            value = checked_json(read_json(raw, self.jsonnet_bodies and self.sim.quirks.lenient_json),
                                 max_depth=self.sim.settings.max_json_depth, raw=raw)
        except JsonReadError as exc:
            raise ApiError(400, "The request is invalid.", {"model": [str(exc)]}) from None
        except InputError as exc:  # too deep, or a lone surrogate: nothing of it is stored
            raise ApiError(400, "The request is invalid.", {"model": [str(exc)]}) from None
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, "The request is invalid.",
                           {"model": [f"The request body is not valid JSON: {exc}"]}) from exc
        return self.bind_json(value, schema, self.strictness)

    def _error(self, error: ApiError) -> Answer:
        return _json(error.status, self.render_error(error), error.headers)


async def _run(handler: Handler, call: Call, clock: Any) -> Reply:
    held = clock.hold()  # what the handler does before it awaits anything happens at one instant
    try:
        try:
            result = handler(call)
        finally:
            clock.release(held)
        if hasattr(result, "__await__"):
            result = await result
    except NotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except Conflict as exc:
        raise ApiError(409, str(exc)) from exc
    except (TransitionError, WorldError) as exc:
        raise ApiError(400, str(exc)) from exc
    return result if isinstance(result, Reply) else Reply(result)


class _Receive:
    """A request's ``receive`` that can give back the message the router read: a body sent in one message is
    read here, without the async generator of Starlette's ``Request.body``, and a handler reading the request
    after the router still gets it."""

    __slots__ = ("given_back", "receive")

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.given_back: Message | None = None

    async def __call__(self) -> Message:
        message = self.given_back
        if message is None:
            return await self.receive()
        self.given_back = None
        return message


async def _body(request: Request) -> bytes:
    """``await request.body()``, for the first reader of the request."""
    receive = request.receive
    if type(receive) is _Receive:
        message = await receive()
        receive.given_back = message  # whoever reads the request next reads it from its start
        if message["type"] == "http.request" and not message.get("more_body", False):
            return message.get("body", b"")
    return await request.body()


def _candidates(operations: list[Operation]) -> Callable[[str], list[Operation]]:
    """The operations a path may match, in the contract's order (literal paths before templates): those
    with its first segment (any case) and its number of segments, then those starting with a parameter."""
    def key(path: str) -> tuple[str, int]:
        trimmed = path[:-1] if path.endswith("/") else path  # a template matches with or without one more "/"
        first = trimmed[1:].split("/", 1)[0].lower()
        return "{" if first.startswith("{") else first, trimmed.count("/")

    if any(op.path.endswith("/") for op in operations):  # such a template also takes a path with "//": unindexed
        return lambda path: operations
    by_key: dict[tuple[str, int], list[Operation]] = {}
    for op in operations:
        by_key.setdefault(key(op.path), []).append(op)
    templates = {n: ops for (first, n), ops in by_key.items() if first == "{"}
    index = {(first, n): [*ops, *templates.get(n, ())] for (first, n), ops in by_key.items() if first != "{"}

    def candidates(path: str) -> list[Operation]:
        first, n = key(path)
        return index.get((first, n)) or templates.get(n) or []

    return candidates


def dotnet_bind(value: Any, schema: dict[str, Any], strictness: Strictness) -> Any:
    """ASP.NET Web API's model binding with JSON.NET (:mod:`micc_sim.spec.binding`); 400 with modelState."""
    bound, model_state = bind(value, schema, strictness)
    if model_state:
        raise ApiError(400, "The request is invalid.", model_state)
    return bound


def _check_query(operation: Operation, query: Mapping[str, str]) -> None:
    """Required query parameters present, typed ones parseable: else a 400 naming them."""
    folded = {k.lower(): v for k, v in query.items()}
    errors: dict[str, list[str]] = {}
    for param in operation.parameters:
        if param.get("in") != "query":
            continue
        name = param["name"]
        value = folded.get(name.lower())
        if value is None:
            if param.get("required"):
                errors.setdefault(name, []).append(f"The {name} query parameter is required.")
            continue
        kind = (param.get("schema") or {}).get("type")
        if kind == "integer" and integer_text(value) is None:
            errors.setdefault(name, []).append(f"The value '{value}' is not valid for {name}: an integer.")
        elif kind == "boolean" and value.strip().lower() not in ("true", "false"):
            errors.setdefault(name, []).append(f"The value '{value}' is not valid for {name}: true or false.")
    if errors:
        raise ApiError(400, "The request is invalid.", errors)


def _structured(media: str) -> bool:
    """A media type the router parses (JSON or a form), rather than handing the bytes to the handler."""
    return media in ("application/json", "application/x-www-form-urlencoded") or media.endswith("+json")


def _is_collection(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("_embedded"), dict) and isinstance(
        body["_embedded"].get("items"), list)


def _page(body: dict[str, Any], query: Mapping[str, str], next_link: bool = False) -> dict[str, Any]:
    """Apply the OData options to a HAL collection; ``count`` is the page size, or the total with $count.
    With ``next_link``, a page that is not the last gets ``_links.next``: the self link with the same query,
    skipping on."""
    try:
        items, total = odata.apply(body["_embedded"]["items"], query)
    except odata.ODataError as exc:
        raise ApiError(400, str(exc)) from exc
    folded = {k.lower(): v for k, v in query.items()}
    wants_total = folded.get("$count", "").lower() == "true"
    paged = {**body, "count": total if wants_total else len(items), "_embedded": {**body["_embedded"],
                                                                                "items": items}}
    skip = integer_text(folded.get("$skip", "").strip() or "0", signed=False) or 0
    links = body.get("_links") or {}
    own = links.get("self")
    own = own if isinstance(own, str) else own.get("href") if isinstance(own, dict) else None
    if next_link and items and skip + len(items) < total and own:
        rest = [(k, v) for k, v in query.items() if k.lower() != "$skip"]
        href = f"{own}?{urlencode([*rest, ('$skip', str(skip + len(items)))])}"
        paged["_links"] = {**links, "next": href if isinstance(links["self"], str) else {"href": href}}
    return paged


def _relative_path(scope: Scope) -> str:
    """The path below the surface's mount, still percent-encoded (params are unquoted after matching)."""
    raw = scope.get("raw_path")
    path: str = raw.decode("latin-1") if raw else scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path.startswith(root) or path.lower().startswith(root.lower())):
        path = path[len(root):]
    return path or "/"


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value as Starlette's ``request.headers.get`` reads it (the first one sent; ``name`` in
    lower case, as servers give them), without building a ``Headers`` on every request."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


Answer = tuple[int, bytes, Mapping[str, str] | None]  # status, body, headers


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Answer:
    return status, b"" if body is None and status == 204 else dumps(body), headers


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(body, ensure_ascii=False, separators=(",", ":"))`` writes it.

    orjson writes the same bytes several times faster; what it would write differently or take where the
    standard library refuses (dates, dataclasses, integers beyond 64 bits, keys that are not strings) goes to
    the standard library. Floats below 1e-4 or from 1e16 differ in their exponent's spelling only (``1e-5``
    for ``1e-05``), the same number."""
    try:
        return orjson.dumps(body, option=_ORJSON)
    except TypeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_JSON_TYPE = (b"content-type", b"application/json; charset=utf-8")


async def _send(send: Send, status: int, content: bytes, headers: Mapping[str, str] | None) -> None:
    """The answer, with the headers Starlette's ``Response`` would give it (the handler's, then content-length
    unless the status has no body, then the JSON content type)."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()] if headers else []
    given = {k for k, _ in raw}
    if b"content-length" not in given and not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(content)).encode("latin-1")))
    if b"content-type" not in given:
        raw.append(_JSON_TYPE)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
