"""Helpers for the CloudLink notification tests: a real webhook receiver on loopback, API clients, the delivery log."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import paho.mqtt.client as mqtt

NOTIFY = "/notifications/2017-09-01"
ADMIN = "admin@wagner.example.com"  # ACCOUNT_ADMIN of Wagner Group
PARTNER = "partner.admin@partner.example.com"
AGENT = "tristan.cervantes@wagner.example.com"  # a USER of Wagner Group
OTHER_AGENT = "emily.wilson@wagner.example.com"
DEVICE = "5f24b3093e7f2356318fde4"  # the guide's deviceId: an MQTT client id


def wait_until(predicate: Callable[[], Any], timeout: float = 10, what: str = "the condition") -> Any:
    """Delivery runs beside the request that published: wait (a bounded time) for what it does."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Receiver:
    """A webhook receiver: answers each POST with the next of ``statuses`` (then 200) and keeps the raw body."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes, int]] = []  # headers, raw body, the status answered
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes, int]]:
        wait_until(lambda: len(self.received) >= count, what=f"{count} webhook POST(s), got {len(self.received)}")
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    r = Receiver(statuses)
    try:
        yield r
    finally:
        r.close()


def api(live: Any, username: str = ADMIN) -> httpx.Client:
    """A client of the Notifications API signed in as ``username``."""
    return live.cloudlink(username, NOTIFY)


def subscribe(client: httpx.Client, **body: Any) -> dict[str, Any]:
    r = client.post("/subscriptions", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def publish(client: httpx.Client, topic: str, method: str, subject: str, content: Any, **extra: Any) -> dict[str, Any]:
    r = client.post("/publications", json={"topic": topic, "method": method, "subject": subject, "content": content,
                                           **extra})
    assert r.status_code == 201, r.text
    return r.json()


def connection_url(client: httpx.Client) -> str:
    """``POST /connections``: the URL an MQTT client connects to over WebSocket."""
    r = client.post("/connections", json={"transport": "websocket"})
    assert r.status_code == 200, r.text
    return r.json()["url"]


def deliveries(live: Any, **filters: Any) -> dict[str, Any]:
    r = live.http.get("/_sim/notifications/deliveries", params=filters)
    assert r.status_code == 200, r.text
    return r.json()


def delivery_states(live: Any, subscription_id: str) -> list[str]:
    """The subscription's deliveries' states, oldest first."""
    return [d["status"] for d in reversed(deliveries(live, subscription_id=subscription_id)["deliveries"])]


class Device:
    """A paho MQTT 3.1.1 client over WebSocket whose client id is the subscriptions' deviceId."""

    def __init__(self, url: str, client_id: str = DEVICE, clean_session: bool = True, keepalive: int = 60) -> None:
        parts = urlsplit(url)
        self.messages: queue.Queue = queue.Queue()
        self.subacks: queue.Queue = queue.Queue()
        self.connected, self.dropped = threading.Event(), threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, transport="websockets",
                             protocol=mqtt.MQTTv311, clean_session=clean_session)
        client.ws_set_options(path=f"{parts.path}?{parts.query}")
        client.on_connect = lambda c, u, flags, reason, props: reason.is_failure or self.connected.set()
        client.on_message = lambda c, u, message: self.messages.put(message)
        client.on_subscribe = lambda c, u, mid, reasons, props: self.subacks.put([r.value for r in reasons])
        client.on_disconnect = lambda c, u, flags, reason, props: self.dropped.set()
        client.connect(parts.hostname, parts.port, keepalive=keepalive)
        client.loop_start()
        self.client = client
        assert self.connected.wait(10), "no CONNACK accepting the connection"

    def subscribe(self, topic: str) -> int:
        """SUBSCRIBE with QoS 1; the SUBACK's return code (1 granted, 128 refused)."""
        self.client.subscribe(topic, qos=1)
        return self.subacks.get(timeout=10)[0]

    def next_message(self) -> mqtt.MQTTMessage:
        return self.messages.get(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
