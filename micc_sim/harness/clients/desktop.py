"""An agent desktop connection: python-socketio's client on the desktop face's ``/agent`` namespace
(docs/desktop.md). Requests are answered in their acknowledgement; every event goes to ``on_event``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio

NAMESPACE = "/agent"


class DesktopConnection:
    def __init__(self, base_url: str, auth: dict[str, Any] | None,
                 on_event: Callable[[str, tuple[Any, ...]], None], verify: Any = True,
                 timeout: float = 10) -> None:
        self.timeout = timeout
        self.on_event = on_event
        # a CA bundle path is not a bool: the websocket transport takes it through ssl options
        self.client = socketio.Client(reconnection=False, ssl_verify=verify if isinstance(verify, bool) else True)
        if not isinstance(verify, bool):
            self.client.eio.websocket_extra_options = {"sslopt": {"ca_certs": str(verify)}}
        self.client.on("*", self._event, namespace=NAMESPACE)
        self.client.connect(base_url, namespaces=[NAMESPACE], auth=auth, transports=["websocket"],
                            wait_timeout=timeout)

    def _event(self, event: str, *args: Any) -> None:
        self.on_event(event, args)

    def request(self, name: str, args: list[Any] | dict[str, Any] | None = None) -> Any:
        """An AgentClient request: positional ``args`` (a list) or named ones (a dict); the answer."""
        return self.client.call(name, args, namespace=NAMESPACE, timeout=self.timeout)

    def close(self) -> None:
        self.client.disconnect()
