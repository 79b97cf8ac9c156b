"""The hubs with a second, independent classic SignalR client: ``signalr-unified-client`` from PyPI (Python,
websockets transport), as a Python integration would connect."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from requests import Session

signalr = pytest.importorskip("signalr", reason="signalr-unified-client is a test dependency")


@pytest.fixture
def connect(live) -> Iterator[Callable[..., tuple[Any, dict[str, list[Any]]]]]:
    """``connect(token, hub)``: a started connection to the hub and what it received, by method."""
    opened: list[Any] = []

    def start(token: str, hub_name: str, methods: tuple[str, ...]) -> tuple[Any, dict[str, list[Any]]]:
        session = Session()
        session.headers.pop("Connection", None)  # requests' keep-alive would replace the upgrade's own header
        connection = signalr.Connection(f"{live.base_url}/miccsdk/signalr", session)
        connection.qs = {"sessionid": f"Bearer {token}"}
        hub = connection.register_hub(hub_name)
        received: dict[str, list[Any]] = {method: [] for method in methods}
        for method in methods:
            hub.client.on(method, lambda *args, m=method: received[m].append(args))
        connection.start()
        opened.append((connection, session))
        return hub, received

    yield start
    for connection, _ in opened:  # its close waits for a frame to end its reader: let the server's stop do it
        threading.Thread(target=connection.close, daemon=True).start()


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_python_client_follows_its_agent_and_a_queue(live, connect):
    token = live.token("tcervantes", "password")
    employee_hub, employee = connect(token, "employeeHub", ("employeeStateChanged", "employeeConversationChanged"))
    employee_hub.server.invoke("addSelfMonitor")
    queue_hub, queue = connect(live.token("amyers", "password"), "queueHub", ("queueStateChanged",))
    queue_hub.server.invoke("addStateMonitor", ["Web Chat"])
    time.sleep(0.3)  # the invocations are fire-and-forget in this client

    live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat", "subject": "From Python"})
    wait_until(lambda: employee["employeeConversationChanged"] and queue["queueStateChanged"])
    (conversations,) = employee["employeeConversationChanged"][0]
    assert [(c["subject"], c["conversationState"]) for c in conversations] == [("From Python", "Offered")]
    assert queue["queueStateChanged"][-1][0]["offeredConversationsToday"] == 1

    live.sdk(token).put("/employees/me/state", json={"state": "Offline"})  # logs out: the offer goes back
    wait_until(lambda: any(s[0]["presence"]["aggregate"]["state"] == "Offline"
                           for s in employee["employeeStateChanged"]))
