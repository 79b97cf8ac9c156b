"""One open media item, one agent, three faces at once (issue 4's proof): REST, the MiCC SDK hub and the agent
desktop, each through an independent client on the real server.

The agent bar is Microsoft's jQuery SignalR client in headless Chromium (as ``agentbar.py`` drives it), the Agent
application python-socketio's own client (``desktop_client.py``); the integration and the checks are plain HTTP.
The scenario runner's own SignalR client (``micc_sim.harness.clients.signalr``) listens beside them and must hear
exactly what the jQuery client hears.
"""

from __future__ import annotations

import contextlib
import threading
import time

from agentbar import agent_bar_page, browser  # noqa: F401  (browser is a fixture)
from conftest import only_1001_world
from desktop_client import Desktop

from micc_sim.harness.clients.signalr import HubConnection

OFFERED, CONNECTED, IDLE = 3, 6, 1


def conversations(args: list) -> list[tuple[str, str]]:
    return [(c["conversationId"], c["conversationState"]) for c in args[0]]


def test_an_item_posted_over_rest_is_answered_and_ended_on_the_desktop_and_the_hub_and_rest_follow(
        live_with, browser):  # noqa: F811
    live = live_with(world=only_1001_world("manual"))  # Tristan alone, and a person at the desk
    token = live.token("tcervantes", "password")
    heard: list[list] = []
    lock = threading.Lock()

    def record(hub: str, method: str, args: list) -> None:
        with lock:
            heard.append([method, args])

    with contextlib.contextmanager(agent_bar_page)(browser, live.base_url) as bar:
        assert bar.open("agent", token, "webSockets", hubs=["employeeHub"]) == "webSockets"
        bar.call("agent", "employeeHub", "addSelfMonitor")
        ours = HubConnection(live.base_url, token, ["employeeHub"], record).start()
        ours.invoke("employeeHub", "addSelfMonitor")
        desk = Desktop(live.base_url, {"token": token})
        integration = live.sdk(live.client_token())
        try:
            item = integration.post("/openmedia", json={"queue": "Web Chat", "from": "Ada"}).json()["id"]

            assert conversations(bar.wait_for("agent", "employeeConversationChanged")[0]) == [(item, "Offered")]
            (offer,) = desk.wait("OnOpenMediaEvent")
            assert offer["State"] == OFFERED and offer["CallInfo"]["CallingNumber"] == "Ada"

            assert desk("AnswerCall", offer["ID"]) is True  # the agent answers on the desktop
            assert desk.wait("OnOpenMediaEvent")[0]["State"] == CONNECTED
            answered = integration.get(f"/openmedia/{item}").json()
            assert (answered["conversationState"], answered["agentReporting"]) == ("Acd", "1001")
            assert conversations(bar.wait_for("agent", "employeeConversationChanged", 2)[1]) == [(item, "Acd")]

            assert desk("HangupCall", offer["ID"]) is True  # and ends it there
            assert desk.wait("OnOpenMediaEvent")[0]["State"] == IDLE
            assert bar.wait_for("agent", "employeeConversationRemoved") == [[[item]]]
            gone = integration.get(f"/openmedia/{item}")
            assert gone.status_code == 404 or gone.json()["conversationState"] in ("Ended", "Handled")

            jquery = bar.events("agent")
            deadline = time.monotonic() + 10
            while len(heard) < len(jquery) and time.monotonic() < deadline:
                time.sleep(0.02)
            with lock:
                assert heard == jquery  # the runner's client hears what Microsoft's hears, in the same order
        finally:
            desk.close()
            ours.close()
