"""Mitel's CloudLink host names, as the samples spell them, reach the simulated services.

A client whose ``*.api.mitel.io`` host is routed to the simulator (a hosts-file line, a proxy, DNS) sends the
real host in ``Host``. The first label names the service; the labels between it and ``api.mitel.io`` are the
region and stage (``authentication.us.api.mitel.io``, ``chat.dev.api.mitel.io``,
``media.us-west-2.us.dev.api.mitel.io``), all of which reach the same simulated service. The bare
``api.mitel.io`` serves the legacy token path ``/2017-09-01/token``. A host under ``api.mitel.io`` naming no
service answers CloudLink's 404 naming the host.

The rewritten request remembers the prefix it was given (:data:`PUBLIC_PREFIX_KEY`), so ``_links`` name the
URL the client used, not the simulator's path-style mount.
"""

from __future__ import annotations

import json
import re

from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange

VERSION = "2017-09-01"
PUBLIC_PREFIX_KEY = "micc_sim.public_prefix"  # scope key: the path prefix the host-style rewrite added
# the legacy host's paths, each to the service that answers it (the samples' `api.mitel.io/2017-09-01/token`)
LEGACY_PATHS = {f"/{VERSION}/token": "authentication"}
PORTAL_HOST = "auth.mitel.io"  # the Mitel Auth Portal: its /authorize is the authentication service's
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_MITEL = re.compile(rf"^(?:({_LABEL})((?:\.{_LABEL}){{0,6}})\.)?api\.mitel\.io\.?(?::\d{{1,5}})?$", re.IGNORECASE)
_LOCAL = re.compile(rf"^({_LABEL})\.localhost(?::\d{{1,5}})?$", re.IGNORECASE)
# the local (address, port) of each connection the forward proxy (.proxy) holds to the simulator for an http://
# URL: a request arriving from one of them was sent as plain HTTP, whatever the listener serves
FORWARDED_AS_HTTP: set[tuple[str, int]] = set()


def forwarded_as_http(client: tuple[str, int] | list[object] | None) -> bool:
    """Whether a request whose socket peer is ``client`` came through the proxy for an ``http://`` URL."""
    return bool(client) and (str(client[0]), client[1]) in FORWARDED_AS_HTTP  # type: ignore[index]


def prefix_of(host: str, path: str, services: tuple[str, ...]) -> tuple[str | None, bool]:
    """``(prefix, mitel_host)`` for a request's ``Host`` and path: what the path needs in front to reach its
    service on the simulator (None: no service), and whether the host is Mitel's (an unknown one is a 404)."""
    if host.split(":", 1)[0].rstrip(".").lower() == PORTAL_HOST:
        return (f"/authentication/{VERSION}" if path == "/authorize" else None), True
    service, mitel = service_of(host, path, services)
    return (f"/{service}" if service else None), mitel


def service_of(host: str, path: str, services: tuple[str, ...]) -> tuple[str | None, bool]:
    """``(service, mitel_host)`` for a request's ``Host`` and path: the service it reaches (None: none), and
    whether the host is one of Mitel's (an unknown one is then CloudLink's 404)."""
    found = _MITEL.match(host)
    if found:
        first = (found.group(1) or "").lower()
        if not first:  # api.mitel.io itself
            return LEGACY_PATHS.get(path), True
        return (first if first in services else None), True
    local = _LOCAL.match(host)
    if local and local.group(1).lower() in services:
        return local.group(1).lower(), False
    return None, False


class UnknownHost:
    """CloudLink's 404 for a host under ``api.mitel.io`` that names no service (or a legacy path it lacks)."""

    def __init__(self, host: str, path: str) -> None:
        self.body = json.dumps({"name": "NotFoundError",
                                "message": f"no CloudLink service at {host.split(':')[0]}{path}"}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": 404, "headers": [
            (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(self.body)).encode())]})
        await send({"type": "http.response.body", "body": self.body})


class HostStyleUrls:
    """A request to ``media.us-west-2.us.dev.api.mitel.io`` (or ``media.localhost:8080``) for
    ``/2017-09-01/...`` reaches ``/media/2017-09-01/...``. A step of the request chain (``micc_sim.chain``)."""

    def __init__(self, services: tuple[str, ...]) -> None:
        self.services = services

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] not in ("http", "websocket"):
            return
        host = (exchange.header(b"host") or b"").decode("latin-1")
        if len(host) > 260 or "." not in host or not host[:1].isalpha():  # not 127.0.0.1
            return
        if scope["path"].startswith("/_sim"):
            return
        prefix, mitel = prefix_of(host, scope["path"], self.services)
        if prefix is None:
            if mitel:
                exchange.answer = UnknownHost(host, scope["path"])
            return
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        exchange.scope = {**scope, "path": prefix + scope["path"], "raw_path": prefix.encode() + raw,
                          PUBLIC_PREFIX_KEY: prefix}
        if scope.get("scheme") in ("https", "wss") and forwarded_as_http(scope.get("client")):
            exchange.scope["scheme"] = "ws" if scope["type"] == "websocket" else "http"  # links name http://


# what `serve --tls` certificates carry besides the simulator's own names: a wildcard covers one label, so
# every region and stage the samples and guides name gets its own (more with --tls-name)
REGIONS = ("us", "eu", "ap", "ca", "au", "uk")
CERTIFICATE_NAMES = (PORTAL_HOST, "api.mitel.io", "*.api.mitel.io", *(f"*.{r}.api.mitel.io" for r in REGIONS),
                     "*.dev.api.mitel.io", *(f"*.{r}.dev.api.mitel.io" for r in REGIONS),
                     "*.us-west-2.us.dev.api.mitel.io")
