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

The preflight answer and the headers come from a step of the request chain: a faulted answer (fault
injection) carries them too, so the page sees the fault, and preflights are journaled but never faulted.

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

from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange

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
    """The request chain's step (``micc_sim.chain``) for the REST API and the token endpoint: it answers
    preflights itself (after the journal, which records them; before fault injection, which never fails
    them) and adds the CORS headers to every other answer, a faulted one included."""

    PREFIXES = ("/miccsdk/api/v1/", "/authorizationserver/")

    def __init__(self, policy: CorsPolicy) -> None:
        self.policy = policy

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] != "http" or not (scope["path"] + "/").startswith(self.PREFIXES):
            return
        origin = exchange.header(b"origin")
        if origin is None:
            return  # not a cross-origin browser request: nothing to add
        text = origin.decode("latin-1")
        headers = self.policy.headers(text)
        if scope["method"] == "OPTIONS" and exchange.header(b"access-control-request-method") is not None:
            requested = (exchange.header(b"access-control-request-headers") or b"").decode("latin-1")
            private = exchange.header(b"access-control-request-private-network") == b"true"
            exchange.answer = _Preflight(text, headers, requested, private)
        elif headers:
            exchange.headers_out = (*exchange.headers_out, *headers)


class _Preflight:
    """The answer to one preflight."""

    def __init__(self, origin: str, headers: list[tuple[bytes, bytes]], requested: str, private: bool) -> None:
        self.origin = origin
        self.headers = headers
        self.requested = requested
        self.private = private  # Chrome's Private Network Access: a page of a public site asks for this machine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.headers:
            body = json.dumps({"message": f"The origin '{self.origin}' is not allowed: add it to the "
                                          "cors_origins setting."}).encode("utf-8")
            await _answer(send, 400, [(b"content-type", b"application/json; charset=utf-8")], body)
            return
        names = [n.strip() for n in self.requested.split(",") if n.strip()]
        allowed = ", ".join(n for n in names if _TOKEN.fullmatch(n))
        extra = [(b"access-control-allow-methods", _METHODS), (b"access-control-max-age", b"600")]
        if allowed:
            extra.append((b"access-control-allow-headers", allowed.encode("latin-1")))
        if self.private:
            extra.append((b"access-control-allow-private-network", b"true"))
        await _answer(send, 204, [*self.headers, *extra], b"")


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    if status != 204:
        headers = [*headers, (b"content-length", str(len(body)).encode("latin-1"))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
