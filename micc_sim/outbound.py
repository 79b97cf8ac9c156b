"""Outgoing deliveries never reach the simulator itself: the URL check every face's callbacks go through.

A client of the simulator may name a URL the simulator then calls (a CloudLink webhook ``deviceId``, a MiCC
SDK web-hook registration). Those calls come from loopback, and loopback is what the control API trusts, so a
URL naming the simulator's own socket (``/_sim/clock/advance``, ``/_sim/reset``) would let any account drive
the simulator. Three checks keep them apart (docs/security.md, "Deliveries never reach the simulator"):

* **at registration** :func:`own_url_refusal` says why a URL is ours, for a 400: its host is a loopback or
  local address in any spelling (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0.0.0.0``, ``[::1]``,
  ``[::ffff:127.0.0.1]``, ``localhost``, ``*.localhost``, an address of this machine) and its port is one
  the simulator listens on;
* **at delivery** :func:`delivery_addresses` resolves the host once, refuses it when any address is ours
  (a DNS name resolving to loopback, a name rebound since registration) and returns the addresses to connect
  to, so the connection goes where the check looked;
* **on arrival** every delivery carries :data:`DELIVERY_HEADER`; the request chain refuses any request that
  carries it (:class:`RefuseOwnDeliveries`), so nothing that forwards or redirects a delivery (a proxy, a
  port mapping, a receiver answering 307 to a client that follows it) brings it back in.

Deliveries to other ports on loopback (the user's test receiver) are not affected. A face that delivers
with httpx uses :func:`delivery_client`, which does the last two for it.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from starlette.responses import JSONResponse

DELIVERY_HEADER = "x-micc-sim-delivery"  # sent with every outgoing delivery; refused on arrival (inferred name)
DELIVERY_HEADER_BYTES = DELIVERY_HEADER.encode()
_LEGACY_IPV4 = re.compile(r"[0-9a-fx.]{1,64}")  # 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1: inet_aton's forms

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OwnAddress(Exception):
    """A delivery would reach the simulator's own socket."""


class OwnSockets:
    """The ports the simulator listens on, as far as it knows: given at start (``serve``, ``serve_in_thread``)
    and learnt from each request's local address (ASGI ``scope["server"]``), so ``--port 0`` is covered."""

    def __init__(self, guard: bool = True) -> None:
        self.guard = guard  # False (setting deliveries_to_self): nothing counts as ours, nothing is refused
        self.ports: set[int] = set()
        self.hosts: set[Address] = set()

    def add(self, host: str | None, port: int | None) -> None:
        if port:
            self.ports.add(int(port))
        address = _ip(host or "")
        if address is not None and not address.is_unspecified:
            self.hosts.add(address)

    def learn(self, scope: Any) -> None:
        server = scope.get("server")
        if server and server[1] is not None and server[1] not in self.ports:
            self.add(server[0], server[1])

    def owns(self, address: Address | str, port: int) -> bool:
        """Whether a connection to ``address``:``port`` would reach one of the simulator's sockets."""
        if not self.guard or port not in self.ports:
            return False
        ip = _ip(address) if isinstance(address, str) else _unmapped(address)
        return ip is not None and (ip in self.hosts or is_local(ip))


def is_local(ip: Address) -> bool:
    """Loopback, the unspecified address (a connection to 0.0.0.0 reaches this machine) or one of this machine's
    own addresses."""
    ip = _unmapped(ip)
    return ip.is_loopback or ip.is_unspecified or _bindable(str(ip), ip.version)


def own_url_refusal(url: str, own: OwnSockets) -> str | None:
    """Why ``url`` names the simulator itself (a sentence for the 400), or None when it does not, as far as its
    spelling tells without a DNS look-up (:func:`delivery_addresses` resolves names at delivery time)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme.lower())
    except ValueError:
        return None  # not a URL: the caller's own validation says so
    host = unquote(parts.hostname or "").rstrip(".")
    if not own.guard or not host or port is None or port not in own.ports:
        return None
    ip = host_address(host)
    if ip is None or not own.owns(ip, port):
        return None
    return (f"{url!r} names the simulator itself ({host} port {port} is where it listens): a delivery must not "
            "reach the simulator's own API (docs/security.md)")


def is_own_url(url: str, own: OwnSockets) -> bool:
    """The reusable check: does ``url``, as spelled, reach the simulator's own socket?"""
    return own_url_refusal(url, own) is not None


def host_address(host: str) -> Address | None:
    """The address a URL's host stands for without DNS: an IP in any form, or loopback for ``localhost`` and
    ``*.localhost`` (RFC 6761); None for other names."""
    host = host.strip("[]").split("%", 1)[0].lower().rstrip(".")  # an IPv6 zone id (fe80::1%eth0) goes
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.IPv4Address("127.0.0.1")
    ip = _ip(host)
    if ip is None and _LEGACY_IPV4.fullmatch(host):
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return ip


async def delivery_addresses(host: str, port: int, own: OwnSockets) -> list[str]:
    """The addresses to connect to for ``host``:``port``, resolved once; :class:`OwnAddress` when any of them is
    the simulator's own socket (then none is used). ``OSError`` when the name does not resolve."""
    bare_name = host.strip("[]").lower().rstrip(".")
    fixed = None if bare_name == "localhost" or bare_name.endswith(".localhost") else host_address(host)
    if fixed is not None:
        bare = host.strip("[]")
        found = [bare if "%" in bare else str(fixed)]  # a link-local zone id stays
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             proto=socket.IPPROTO_TCP)
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in found:
        if own.owns(address.split("%", 1)[0], port):
            raise OwnAddress(f"{host} port {port} resolves to {address}, where the simulator itself listens: "
                             "a delivery must not reach the simulator (docs/security.md)")
    return found


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport for deliveries: resolves the host once with :func:`delivery_addresses` (an
    ``httpx.ConnectError`` when it is the simulator's own socket), connects to the address it checked (the Host
    header and TLS name stay the URL's), and marks the request with :data:`DELIVERY_HEADER`."""

    def __init__(self, own: OwnSockets, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.own = own
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await delivery_addresses(url.host, port, self.own)
        except OwnAddress as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(f"{url.host}: {exc}", request=request) from exc
        request.headers[DELIVERY_HEADER] = "callback"
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        request.url = url.copy_with(host=addresses[0])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def delivery_client(own: OwnSockets, **options: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for deliveries (MiCC SDK web hooks, any callback): :class:`GuardedTransport`,
    redirects not followed. ``options`` go to the client (``timeout``, ...)."""
    return httpx.AsyncClient(transport=GuardedTransport(own), follow_redirects=False, **options)


class RefuseOwnDeliveries:
    """A request-chain step: learns the simulator's own sockets from each request, and refuses any request
    carrying :data:`DELIVERY_HEADER` (a delivery of this or another simulator that came back in)."""

    def __init__(self, own: OwnSockets) -> None:
        self.own = own

    def before(self, exchange: Any) -> None:
        self.own.learn(exchange.scope)
        if self.own.guard and exchange.header(DELIVERY_HEADER_BYTES) is not None:
            exchange.answer = _refused(exchange.scope["type"])


def _refused(kind: str) -> Any:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await JSONResponse({"name": "Forbidden", "message": "a delivery of the simulator may not call the "
                            "simulator itself (docs/security.md)"}, status_code=403)(scope, receive, send)

    return answer


def _ip(text: str) -> Address | None:
    try:
        return _unmapped(ipaddress.ip_address(text.strip("[]").split("%", 1)[0]))
    except ValueError:
        return None


def _unmapped(ip: Address) -> Address:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip


@functools.lru_cache(maxsize=512)
def _bindable(address: str, version: int) -> bool:
    """An address this machine holds: binding a socket to it succeeds (no packet is sent)."""
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True
