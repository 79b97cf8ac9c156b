"""CORS for the MiCC SDK REST API and the AuthorizationServer: pages on another origin may call them.

Mitel's browser samples are served from their own IIS site (their ``web.config`` adds
``Access-Control-Allow-Origin``) and call ``/authorizationserver/token`` and ``/miccsdk/api/v1`` on the
MiCC server with an ``Authorization`` header and ``Content-Type: application/json``: every such call is
preflighted. Which origins may do so is the ``cors_origins`` setting:

* ``loopback`` -- any ``http(s)://localhost``, ``127.x.x.x`` or ``[::1]`` origin, on any port (default);
* ``null`` -- pages opened from ``file://`` (default);
* an exact origin, ``https://wallboard.example:8443``;
* ``*`` -- any origin, answered with ``Access-Control-Allow-Origin: *`` and without
  ``Access-Control-Allow-Credentials`` (the two together are what browsers refuse, and what would let any
  site read answers with the user's cookies).

An allowed origin is echoed with ``Access-Control-Allow-Credentials: true`` and ``Vary: Origin``. A preflight
from an origin not allowed gets a 400 (ASP.NET's CORS answer, *inferred*) without CORS headers, so the
browser blocks the call; other requests from it are served without CORS headers, so the page cannot read
them.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = "loopback"
NULL = "null"
ANY = "*"
DEFAULT_ORIGINS = (LOOPBACK, NULL)
_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
_EXPOSED = b"Location, Retry-After, WWW-Authenticate"
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name


def check_origin(pattern: str) -> str:
    """A ``cors_origins`` entry as the policy compares it, or ValueError saying what is wrong."""
    text = pattern.strip()
    if text.lower() in (LOOPBACK, NULL, ANY):
        return text.lower()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{pattern!r} is not an origin (scheme://host[:port]), 'loopback', 'null' or '*'")
    return text.rstrip("/").lower()


class CorsPolicy:
    """Which origins may read the answers, and the headers that tell the browser so."""

    def __init__(self, origins: Iterable[str] = DEFAULT_ORIGINS) -> None:
        checked = {check_origin(o) for o in origins}
        self.any = ANY in checked
        self.loopback = LOOPBACK in checked
        self.exact = checked - {ANY, LOOPBACK}

    def allows(self, origin: str) -> bool:
        folded = origin.strip().lower()
        return self.any or folded in self.exact or (self.loopback and _is_loopback(folded))

    def headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        """The headers of an answer to ``origin``: none when it is not allowed."""
        folded = origin.strip().lower()
        if folded in self.exact or (self.loopback and _is_loopback(folded)):
            return [(b"access-control-allow-origin", origin.strip().encode("latin-1")),
                    (b"access-control-allow-credentials", b"true"), (b"vary", b"Origin"),
                    (b"access-control-expose-headers", _EXPOSED)]
        if self.any:
            return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", _EXPOSED)]
        return []


def _is_loopback(origin: str) -> bool:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost" or parts.hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class Cors:
    """An ASGI app answering preflights for ``app`` and adding CORS headers to its answers."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None:  # not a cross-origin browser request: nothing to add
            await self.app(scope, receive, send)
            return
        text = origin.decode("latin-1")
        headers = self.policy.headers(text)
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            await self._preflight(scope, send, text, headers)
            return
        if not headers:
            await self.app(scope, receive, send)
            return

        async def cors_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, cors_send)

    async def _preflight(self, scope: Scope, send: Send, origin: str,
                         headers: list[tuple[bytes, bytes]]) -> None:
        if not headers:
            body = json.dumps({"message": f"The origin '{origin}' is not allowed: add it to the cors_origins "
                                          "setting."}).encode("utf-8")
            await _answer(send, 400, [(b"content-type", b"application/json; charset=utf-8")], body)
            return
        requested = (_header(scope, b"access-control-request-headers") or b"").decode("latin-1")
        names = [n.strip() for n in requested.split(",") if n.strip()]
        allowed = ", ".join(n for n in names if _TOKEN.fullmatch(n))
        extra = [(b"access-control-allow-methods", _METHODS), (b"access-control-max-age", b"600")]
        if allowed:
            extra.append((b"access-control-allow-headers", allowed.encode("latin-1")))
        await _answer(send, 204, [*headers, *extra], b"")


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    if status != 204:
        headers = [*headers, (b"content-length", str(len(body)).encode("latin-1"))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value
    return None
