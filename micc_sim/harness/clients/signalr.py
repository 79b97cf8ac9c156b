"""A small classic ASP.NET SignalR 2 hub client over the longPolling transport (docs/realtime.md, "The wire").

Long polling needs nothing but HTTP, so it works wherever httpx does (HTTP, HTTPS with the simulator's own
CA, a simulator on another port): ``negotiate``, ``connect``, ``start``, then a thread that keeps one ``poll``
open and hands each hub call (``{"H", "M", "A"}``) to ``on_call``; invocations are ``send`` POSTs answered in
their body. The cursor (``C``) and groups token (``G``) of each answer go with the next poll, as the jQuery
client does, so no message is missed or seen twice.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx

PROTOCOL = "1.5"


class HubError(Exception):
    """The server refused an invocation (``E`` in its answer) or the connection."""


class HubConnection:
    """One SignalR connection for one access token, to the hubs named (``employeeHub``, ``queueHub``, ``agentHub``)."""

    def __init__(self, base_url: str, token: str, hubs: list[str],
                 on_call: Callable[[str, str, list[Any]], None], verify: Any = True) -> None:
        self.endpoint = base_url.rstrip("/") + "/miccsdk/signalr"
        self.hubs = hubs
        self.on_call = on_call
        self.closed_reason: str | None = None
        self._params = {"clientProtocol": PROTOCOL, "sessionid": f"Bearer {token}",
                        "connectionData": json.dumps([{"name": h.lower()} for h in hubs])}
        self._http = httpx.Client(timeout=30, verify=verify)
        self._polls = httpx.Client(timeout=httpx.Timeout(30, read=150), verify=verify)  # a poll may wait 110 s
        self._cursor: str | None = None
        self._groups: str | None = None
        self._next_id = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> HubConnection:
        negotiated = self._ok(self._http.get(f"{self.endpoint}/negotiate", params=self._params), "negotiate")
        self._params.update(transport="longPolling", connectionToken=negotiated["ConnectionToken"])
        self._take(self._ok(self._http.post(f"{self.endpoint}/connect", params=self._params), "connect"))
        self._ok(self._http.get(f"{self.endpoint}/start", params=self._params), "start")
        self._thread = threading.Thread(target=self._poll_loop, name="signalr-poll", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """``abort`` (the server forgets the connection and answers the open poll), then stop polling."""
        if self._closing.is_set():
            return
        self._closing.set()
        if self.closed_reason is None:
            with contextlib.suppress(httpx.HTTPError):
                self._http.post(f"{self.endpoint}/abort", params=self._params)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._http.close()
        self._polls.close()

    # -- invocations ---------------------------------------------------------------------------
    def invoke(self, hub: str, method: str, *args: Any) -> Any:
        """Call a hub method; its result (None for void), or :class:`HubError` with the server's message."""
        with self._lock:
            invocation_id = str(self._next_id)
            self._next_id += 1
        data = json.dumps({"H": hub, "M": method, "A": list(args), "I": invocation_id})
        answer = self._ok(self._http.post(f"{self.endpoint}/send", params=self._params, data={"data": data}),
                          f"{hub}.{method}")
        if answer.get("E") is not None:
            raise HubError(f"{hub}.{method}: {answer['E']}")
        return answer.get("R")

    # -- polling -------------------------------------------------------------------------------
    def _poll_loop(self) -> None:
        while not self._closing.is_set():
            form = {"messageId": self._cursor or "", **({"groupsToken": self._groups} if self._groups else {})}
            try:
                response = self._polls.post(f"{self.endpoint}/poll", params=self._params, data=form)
            except httpx.HTTPError as exc:
                if not self._closing.is_set():
                    self.closed_reason = f"poll failed: {type(exc).__name__}: {exc}"
                return
            if response.status_code != 200:
                self.closed_reason = f"poll answered {response.status_code}: {response.text[:200]}"
                return
            try:
                body = response.json()
            except ValueError:
                self.closed_reason = f"poll answered no JSON: {response.text[:200]!r}"
                return
            self._take(body)
            if body.get("T") == 1:
                self.closed_reason = "the server is going away (T: 1)"
                return

    def _take(self, body: dict[str, Any]) -> None:
        """A persistent response: remember the cursor and groups token, hand the hub calls on."""
        if body.get("C") is not None:
            self._cursor = body["C"]
        if body.get("G") is not None:
            self._groups = body["G"]
        for message in body.get("M") or []:
            if isinstance(message, dict) and "H" in message and "M" in message:
                self.on_call(str(message["H"]), str(message["M"]), list(message.get("A") or []))

    @staticmethod
    def _ok(response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise HubError(f"{what}: {response.status_code} {response.text[:300]}")
        try:
            return response.json() if response.content else {}
        except ValueError as exc:
            raise HubError(f"{what}: the answer is not JSON: {response.text[:200]!r}") from exc
