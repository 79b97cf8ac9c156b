"""The guard: a step of the request chain that keeps web pages and oversized requests from turning the
simulator against the developer running it (docs/security.md).

* **Host** (DNS rebinding): ``/_sim`` and ``/socket.io`` answer a request whose ``Host`` is ``localhost``
  (or ``*.localhost``, or Starlette's ``testserver``), an IP address, the address the server is bound to, or
  a name of ``allowed_hosts``. A rebinding page reaches the simulator under its own domain name, so its
  requests carry that name.
* **Origin** (a hostile page the developer opens): a browser names the page's origin on every cross-origin
  request and on every WebSocket. ``/_sim`` takes requests without an ``Origin`` (the CLI, httpx, the pytest
  plugin), from its own pages (same origin), and from ``allowed_origins``; socket.io also takes pages served
  from this machine (an agent desktop under development on ``http://localhost:3000``).
* **Content type**: a request that changes state (``POST PUT PATCH DELETE``) with a body says it is JSON
  (YAML for ``PUT /_sim/world``); ``text/plain`` and ``multipart/form-data``, which a page may send without
  a CORS preflight, are refused. A program's body (no ``Origin``, no ``Sec-Fetch-Mode``) with no type or
  curl's default form type is read as JSON (``curl -d '{...}'``); a browser's is refused. A form's
  url-encoding cannot carry a JSON object, so no page can use that type to send one.
* **Body size**: a body larger than ``max_body_bytes`` (``max_control_body_bytes`` for ``/_sim``) is a 413
  in the face's error shape, before the face reads any of it; a chunked body is read ahead up to the limit.

The per-process :data:`PROCESS_TOKEN` is what the dashboard's page gets from the page itself: the
``/dashboard`` namespace takes no connection without it, and a ``/_sim`` request carrying it in
``X-Micc-Sim-Token`` passes the Origin check (a page served behind a proxy under another name).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from micc_sim.chain import Exchange
from micc_sim.harness.control.faults import error_body

PROCESS_TOKEN = secrets.token_urlsafe(24)  # new in every process; the dashboard's page carries it
TOKEN_HEADER = b"x-micc-sim-token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_TYPES = ("application/json",)
_CURL_DEFAULT = "application/x-www-form-urlencoded"  # what curl -d says; a form can carry no JSON object
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_WILDCARDS = ("0.0.0.0", "::", "")
_LOCAL_NAMES = ("localhost", "testserver")  # testserver: what Starlette's TestClient sends (in-process apps)


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` and ``::ffff:127.x.x.x`` (an IPv4 client of a dual-stack socket)."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return host in ("localhost", "testclient")
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _hostname(host: str) -> str:
    """``Host`` without its port, in lower case (``[::1]:8080`` -> ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


class Guard:
    """The chain's guard step (see the module's docstring); ``settings`` is the run's ``Settings``."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.hosts = {h.lower() for h in settings.allowed_hosts}
        bound = settings.host.lower()
        if bound not in _WILDCARDS:
            self.hosts.add(bound)
        self.origins = {o.rstrip("/").lower() for o in settings.allowed_origins}

    # -- the checks, also asked by the socket.io server ------------------------------------------
    def host_allowed(self, host: str | None) -> bool:
        if host is None or "*" in self.hosts:
            return True  # HTTP/1.0 without Host: no browser sends that
        name = _hostname(host)
        return (name in _LOCAL_NAMES or name.endswith(".localhost") or _is_ip(name) or name in self.hosts
                or name.strip("[]") in self.hosts)

    def origin_allowed(self, origin: str | None, host: str | None, *, local_pages: bool = False) -> bool:
        """``origin`` may use the guarded paths: none sent, the same origin, an allowed one, or (with
        ``local_pages``, for socket.io) a page served from this machine."""
        if origin is None or "*" in self.origins:
            return True
        origin = origin.strip().rstrip("/").lower()
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        if origin == "null" or parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # a sandboxed frame, a file:// page, a data: URL
        if host is not None and parts.netloc == host.strip().lower():
            return True
        name = parts.hostname or ""
        return local_pages and (name == "localhost" or (_is_ip(name) and is_loopback(name)))

    # -- the step ----------------------------------------------------------------------------------
    def before(self, exchange: Exchange) -> Awaitable[None] | None:
        scope = exchange.scope
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return None
        path: str = scope["path"]
        control = path.startswith("/_sim")
        if control or path.startswith("/socket.io"):
            refusal = self._refusal(exchange, control)
            if refusal is not None:
                exchange.answer = _refusing(kind, *refusal)
                return None
        if kind != "http":
            return None
        limit = self.settings.max_control_body_bytes if control else self.settings.max_body_bytes
        if not limit:
            return None
        length = exchange.header(b"content-length")
        if length is not None:
            if length.isascii() and length.isdigit() and int(length) > limit:
                exchange.answer = _too_large(path, limit)
            return None
        if b"chunked" in (exchange.header(b"transfer-encoding") or b"").lower():
            return self._read_ahead(exchange, limit)
        return None

    def _refusal(self, exchange: Exchange, control: bool) -> tuple[int, str, str] | None:
        host = _text(exchange.header(b"host"))
        if not self.host_allowed(host):
            return (403, "forbidden_host", f"the simulator's control answers requests to localhost or an IP address, "
                                           f"not to {_hostname(host or '')!r} (a DNS rebinding page would come so); "
                                           "start with --allow-host NAME to allow that name")
        origin = _text(exchange.header(b"origin"))
        token = exchange.header(TOKEN_HEADER)
        if not self.origin_allowed(origin, host, local_pages=not control) and not (
                token and hmac.compare_digest(token, PROCESS_TOKEN.encode())):
            return (403, "forbidden_origin", f"the page at {origin!r} may not use the simulator's control "
                                             "(a web page the developer opens must not drive it); start with "
                                             "--allow-origin ORIGIN to allow that page")
        scope = exchange.scope
        if control and scope["type"] == "http" and scope["method"] in STATE_CHANGING and _has_body(exchange):
            media = (_text(exchange.header(b"content-type")) or "").split(";")[0].strip().lower()
            program = origin is None and exchange.header(b"sec-fetch-mode") is None  # no browser sends neither
            if not media or media == _CURL_DEFAULT:
                if program:
                    return None  # curl -d, httpx content=: the body is read as JSON
                return (415, "unsupported_media_type", "a body from a browser says it is JSON: "
                                                       "Content-Type: application/json")
            takes = _JSON_TYPES + (_YAML_TYPES if scope["path"].rstrip("/") == "/_sim/world" else ())
            if media not in takes and not media.endswith("+json"):
                return (415, "unsupported_media_type",
                        f"the control API reads {' or '.join(takes)}, not {media}: send Content-Type: "
                        "application/json (a page can send text/plain or a form to any site without asking)")
        return None

    async def _read_ahead(self, exchange: Exchange, limit: int) -> None:
        """A chunked body, read up to ``limit``: a 413 beyond it, else handed to the face as it came."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await exchange.receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                exchange.answer = _too_large(exchange.scope["path"], limit)
                return
            if not message.get("more_body", False):
                break
        rest = exchange.receive

        async def replay() -> Message:
            return messages.pop(0) if messages else await rest()

        exchange.receive = replay


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _has_body(exchange: Exchange) -> bool:
    length = exchange.header(b"content-length")
    return (length is not None and length.strip() not in (b"0", b"")) or exchange.header(
        b"transfer-encoding") is not None


def _too_large(path: str, limit: int) -> ASGIApp:
    message = f"The request body is larger than this server takes ({limit} bytes)."
    control = path.startswith("/_sim")
    return _answering(413, _control_error("payload_too_large", message) if control else error_body(path, 413, message))


def _control_error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode("utf-8")


def _refusing(kind: str, status: int, code: str, message: str) -> ASGIApp:
    if kind == "websocket":
        async def close(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})

        return close
    return _answering(status, _control_error(code, message))


def _answering(status: int, body: bytes) -> ASGIApp:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    return answer


def scope_is_loopback(scope: Scope) -> bool:
    """Whether the request's peer is this machine."""
    client = scope.get("client")
    if not client:
        return True  # in-process transports (tests, the pytest plugin) have no peer address
    return is_loopback(client[0])  # ::ffff:127.0.0.1 too: an IPv4 client of a dual-stack socket
