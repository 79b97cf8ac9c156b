"""A test-side agent desktop: python-socketio's own client (an independent library) on the real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import socketio

NAMESPACE = "/agent"


class Desktop:
    """One connection to the desktop face: requests by name, and every event it received, in order."""

    def __init__(self, base_url: str, auth: dict[str, Any] | None = None) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NAMESPACE)
        self.client.connect(base_url, namespaces=[NAMESPACE], auth=auth, transports=["websocket"], wait_timeout=10)

    def _record(self, event: str, *args: Any) -> None:
        with self._changed:
            self.events.append((event, args))
            self._changed.notify_all()

    def __call__(self, request: str, *args: Any) -> Any:
        """Send a request; ``args`` positional, or one dict of named arguments. Returns the acknowledgement."""
        data: Any = args[0] if len(args) == 1 and isinstance(args[0], dict) else list(args) if args else None
        return self.client.call(request, data, namespace=NAMESPACE, timeout=10)

    def wait(self, event: str, where: Callable[..., bool] = lambda *a: True, timeout: float = 5) -> tuple[Any, ...]:
        """The arguments of the first event of that name that satisfies ``where``; it and the events of that name
        before it are consumed (events of other names stay for their own waits)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for n, (name, args) in enumerate(self.events):
                    if name == event and where(*args):
                        self.events[: n + 1] = [e for e in self.events[:n] if e[0] != event]
                        return args
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [name for name, _ in self.events]
                    raise AssertionError(f"no {event} within {timeout}s; events since: {seen}")
                self._changed.wait(left)

    def names(self) -> list[str]:
        with self._changed:
            return [name for name, _ in self.events]

    def close(self) -> None:
        self.client.disconnect()


def connect(live: Any, username: str, password: str = "password", **auth: Any) -> Desktop:
    return Desktop(live.base_url, {"logonId": username, "password": password, **auth})
