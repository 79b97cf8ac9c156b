"""The wire format of classic ASP.NET SignalR 2 (the protocol the jQuery ``$.hubConnection`` client speaks).

Facts, not code, carried over from the protocol as Microsoft's clients use it:

* ``negotiate`` answers the connection's id and (signed) token, the timeouts and the protocol version;
* a *persistent response* carries messages: ``{"C": cursor, "S": 1 (first one), "T": 1 (the server is
  going away: reconnect), "G": groups token, "L": long-poll delay, "M": [message, ...]}``; ``{}`` is a
  keep-alive;
* a hub message (server to client) is ``{"H": hub, "M": method, "A": [args]}``;
* a hub invocation (client to server) is ``{"H": hub, "M": method, "A": [args], "I": id}`` and its answer
  ``{"I": id, "R": result}`` or ``{"I": id, "E": message, "H": true}`` (a hub error the client may show).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from micc_sim.limits import InputError, loads_limited

SERVER_PROTOCOL = (1, 5)  # what the server speaks; newer clients (2.0, 2.1) accept a 1.5 answer
OLDEST_CLIENT = (1, 3)
NEWEST_CLIENT = (2, 1)
TRANSPORTS = ("webSockets", "serverSentEvents", "longPolling")


@dataclass(frozen=True)
class Timeouts:
    """The server's timings (wall-clock seconds: network behaviour, not simulated time), as SignalR's defaults."""

    keep_alive: float = 10.0  # a keep-alive frame after this long without a message (webSockets, SSE)
    keep_alive_timeout: float = 20.0  # the client gives the transport up after this long without a frame
    disconnect: float = 30.0  # a connection without a transport for this long is gone
    connection: float = 110.0  # a long poll with nothing to say answers after this long
    transport_connect: float = 5.0
    long_poll_delay: float = 0.0


class ProtocolError(Exception):
    """A request the protocol refuses: answered with ``status`` and a plain-text message, as SignalR does."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def negotiated_version(client: str | None) -> str:
    """The version to answer: the client's up to 1.5, else 1.5; outside 1.3–2.1 the client cannot be served."""
    if not client:
        return "1.5"
    try:
        wanted = tuple(int(part) for part in client.strip().split("."))[:2]
    except ValueError:
        wanted = ()
    if len(wanted) != 2 or not OLDEST_CLIENT <= wanted <= NEWEST_CLIENT:
        raise ProtocolError(400, "You are using a version of the client that isn't compatible with the server. "
                                 f"Client version {client}, server version 1.5.")
    version = min(wanted, SERVER_PROTOCOL)
    return f"{version[0]}.{version[1]}"


def hub_names(connection_data: str | None) -> list[str]:
    """The hubs of ``connectionData`` (``[{"name": "employeehub"}]``), in lower case."""
    if not connection_data:
        return []
    try:
        data = loads_limited(connection_data)
        names = [str(entry["name"]).lower() for entry in data]
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # InputError is a ValueError
        raise ProtocolError(400, "connectionData must be a JSON list of hubs: [{\"name\": \"employeehub\"}].") \
            from exc
    return names


def negotiate_body(url: str, connection_id: str, token: str, version: str, timeouts: Timeouts,
                   websockets: bool = True) -> dict[str, Any]:
    return {
        "Url": url,
        "ConnectionToken": token,
        "ConnectionId": connection_id,
        "KeepAliveTimeout": timeouts.keep_alive_timeout,
        "DisconnectTimeout": timeouts.disconnect,
        "ConnectionTimeout": timeouts.connection,
        "TryWebSockets": websockets,
        "ProtocolVersion": version,
        "TransportConnectTimeout": timeouts.transport_connect,
        "LongPollDelay": timeouts.long_poll_delay,
    }


def persistent_response(cursor: str, messages: list[str], *, initialized: bool = False, reconnect: bool = False,
                        groups_token: str | None = None) -> str:
    """A persistent response; ``messages`` are already JSON text (encoded once, sent to many)."""
    parts = [f'"C":{json.dumps(cursor)}']
    if initialized:
        parts.append('"S":1')
    if reconnect:
        parts.append('"T":1')
    if groups_token is not None:
        parts.append(f'"G":{json.dumps(groups_token)}')
    parts.append(f'"M":[{",".join(messages)}]')
    return "{" + ",".join(parts) + "}"


KEEP_ALIVE = "{}"


def hub_message(hub: str, method: str, args: list[Any]) -> str:
    return json.dumps({"H": hub, "M": method, "A": args}, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Invocation:
    hub: str
    method: str
    args: list[Any]
    id: str | None


def parse_invocation(text: str) -> Invocation:
    """A client's hub call, read with the limits of every body (depth, valid Unicode): what is refused is a 400
    for the request that carried it, and the connection goes on."""
    try:
        data = loads_limited(text)
    except InputError as exc:
        raise ProtocolError(400, f"A hub invocation was refused: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(400, f"A hub invocation must be JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("H"), str) or not isinstance(data.get("M"), str):
        raise ProtocolError(400, 'A hub invocation is {"H": hub, "M": method, "A": [args], "I": id}.')
    args = data.get("A")
    invocation_id = data.get("I")
    return Invocation(data["H"], data["M"], args if isinstance(args, list) else [],
                      None if invocation_id is None else str(invocation_id))


def hub_result(invocation_id: str | None, result: Any = None) -> str:
    body: dict[str, Any] = {"I": invocation_id}
    if result is not None:
        body["R"] = result
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def hub_error(invocation_id: str | None, message: str) -> str:
    return json.dumps({"I": invocation_id, "E": message, "H": True}, ensure_ascii=False, separators=(",", ":"))
