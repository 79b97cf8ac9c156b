"""The integrator guide's firewall (Part 1 step 3): inbound HTTPS to the MiCC server is restricted to the
integration's addresses. With ``--sdk-allow-ip`` addresses and the ``sdk_ip_allow_list`` quirk on, a request to
the MiCC SDK or the AuthorizationServer from any other client address is refused with 403, in the SDK's shape."""

from __future__ import annotations

import ipaddress
from typing import Any

import orjson

from micc_sim.chain import Exchange

GUARDED = ("/miccsdk/", "/authorizationserver/")


class IpAllowList:
    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        allowed = self.sim.settings.sdk_allowed_ips
        if not allowed or not self.sim.quirks.sdk_ip_allow_list or scope["type"] != "http":
            return
        path = scope["path"].lower()
        if not path.startswith(GUARDED):
            return
        client = scope.get("client")
        try:
            address = ipaddress.ip_address(client[0]) if client else None
        except ValueError:
            address = None
        if address is not None and any(address in network for network in allowed):
            return
        body = orjson.dumps({"message": f"Forbidden: the client address {client[0] if client else '?'} is not "
                                        "allowed to reach this server (IP allow-list)."})
        exchange.answer = _answer(body)


def _answer(body: bytes) -> Any:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return answer
