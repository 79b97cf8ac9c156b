"""A webhook receiver for CloudLink notifications: a loopback HTTP server that records each signed delivery.

Point a subscription's ``deviceId`` at ``receiver.url``; every POST is answered 200 (or the next of
``statuses``, to make the simulator retry) and kept with its raw body, its parsed JSON and whether its
``x-notify-signature`` is the HMAC of the raw body keyed by the subscription's ``applicationId``
(docs/cloudlink-notifications.md, "The signature"). ``application_id`` is that key, or a function that finds
it from the notification (its ``subscription.subscriptionId``), for a receiver several subscriptions share.
``wait_for`` waits a bounded wall time for what the simulator's delivery worker sends beside the request
that published.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SIGNATURE_HEADER = "x-notify-signature"


def signature(body: bytes, key: str, algorithm: str = "sha256", encoding: str = "hex") -> str:
    digest = hmac.new(key.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


@dataclass
class Delivery:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any
    signature_ok: bool | None  # None: no application id to check against
    status: int  # what the receiver answered

    @property
    def notification(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


@dataclass
class WebhookReceiver:
    """Records (and verifies) the webhook POSTs sent to ``url``; use as a context manager or ``close()``."""

    application_id: str | Callable[[Any], str | None] | None = None
    statuses: list[int] = field(default_factory=list)
    host: str = "127.0.0.1"
    path: str = "/hooks/notify"
    algorithm: str = "sha256"
    encoding: str = "hex"
    header: str = SIGNATURE_HEADER
    on_delivery: Callable[[Delivery], None] | None = None

    def __post_init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver._record(self.path, {k.lower(): v for k, v in self.headers.items()}, body, self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{self.host}:{self.server.server_port}{self.path}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    def _record(self, path: str, headers: dict[str, str], body: bytes, handler: BaseHTTPRequestHandler) -> None:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with self.changed:
            status = self.statuses.pop(0) if self.statuses else 200
            ok = None
            key = self.application_id(parsed) if callable(self.application_id) else self.application_id
            if key is not None:
                expected = signature(body, key, self.algorithm, self.encoding)
                ok = hmac.compare_digest(expected, headers.get(self.header, ""))
            delivery = Delivery(path, headers, body, parsed, ok, status)
            self.deliveries.append(delivery)
            self.changed.notify_all()
        handler.send_response(status)
        handler.send_header("content-length", "0")
        handler.end_headers()
        if self.on_delivery is not None:
            self.on_delivery(delivery)

    def wait_for(self, count: int = 1, timeout: float = 10,
                 where: Callable[[Delivery], bool] = lambda d: True) -> list[Delivery]:
        """The deliveries that satisfy ``where`` once there are at least ``count`` (AssertionError after
        ``timeout`` wall seconds)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [d for d in self.deliveries if where(d)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} webhook deliveries within {timeout:g} s; "
                                         f"got {[d.notification.get('subject') for d in self.deliveries]}")
                self.changed.wait(left)

    @property
    def forged(self) -> list[Delivery]:
        """Deliveries whose signature did not verify."""
        return [d for d in self.deliveries if d.signature_ok is False]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
