"""The hubs as Mitel's MiCC SDK samples call them: Microsoft's jQuery SignalR 2 client in headless Chromium,
proxies created after ``start`` (the samples subscribe to no hub), ``queueHub.addStateMonitor([ids])`` and
``addConversationMonitor([ids])``, ``agentHub.onAgentStateChanged`` after ``employeeHub.addSelfMonitor()``,
removal calls with arrays of ids, on each transport."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from agentbar import AgentBar, agent_bar_page, browser  # noqa: F401  (browser is a fixture)
from playwright.sync_api import Error as PageError

TRANSPORTS = ["webSockets", "serverSentEvents", "longPolling"]
WEB_CHAT = "61fadc6d-875b-4eff-b759-629ab6cfe835"


@pytest.fixture
def bar(live, browser) -> Iterator[AgentBar]:  # noqa: F811
    yield from agent_bar_page(browser, live.base_url)


def without_links(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "_links"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_page_written_as_the_samples_follows_its_agent_and_a_queue_by_their_method_names(live, bar, transport):
    for other in ("1002", "1003", "1004"):  # Tristan (1001) is the only open media agent: a second item waits
        live.set_agent(other, logged_in=False)
    token = live.token("tcervantes", "password")
    agent = live.sdk(token)
    me = agent.get("/employees/me/state").json()["id"]
    assert bar.open("sample", token, transport, late=True) == transport
    assert bar.call("sample", "employeeHub", "addSelfMonitor") is None
    assert bar.call("sample", "queueHub", "addStateMonitor", [WEB_CHAT]) is None
    assert bar.call("sample", "queueHub", "addConversationMonitor", [WEB_CHAT]) is None
    integration = live.sdk(live.client_token())

    first = integration.post("/openmedia", json={"queue": "Web Chat", "subject": "Order 42"}).json()["id"]
    ringing = bar.wait_for("sample", "onAgentStateChanged")[-1][0]
    assert ringing == agent.get(f"/agents/{me}/state").json()  # the REST object, links as this client reaches them
    assert ringing["id"] == me and ringing["currentState"] != "Idle"
    groups = agent.get("/employees/me/agentgrouppresence").json()["_embedded"]["items"]
    assert sorted(ringing["presentInAgentGroups"]) == sorted(g["id"] for g in groups)
    assert bar.wait_for("sample", "employeeStateChanged")[-1][0] == agent.get("/employees/me/state").json()
    assert bar.wait_for("sample", "queueStateChanged")[-1][0]["offeredConversationsToday"] == 1

    second = integration.post("/openmedia", json={"queue": "Web Chat", "subject": "Order 43"}).json()["id"]
    waiting = bar.wait_for("sample", "queueConversationChanged")[0][0]
    assert [(c["conversationId"], c["conversationState"]) for c in waiting] == [(second, "InQueue")]
    assert integration.put(f"/openmedia/{first}", json={"action": "Complete"}).status_code == 200
    assert bar.wait_for("sample", "queueConversationRemoved") == [[[second]]]  # an array of ids: offered now
    assert bar.wait_for("sample", "employeeConversationRemoved") == [[[first]]]

    group = groups[0]["id"]  # Tristan leaves an agent group, as the agent group presence sample does
    assert agent.put(f"/employees/me/agentgrouppresence/{group}", json={
        "id": group, "statuses": [{"id": me, "type": "OpenMedia", "status": "NotPresent"}]}).status_code in (200, 204)
    bar.page.wait_for_function(
        "([g]) => window.conns.sample.events.some(e => e.method === 'onAgentStateChanged' && "
        "!e.args[0].presentInAgentGroups.includes(g))", arg=[group], timeout=10_000)

    assert bar.call("sample", "queueHub", "removeStateMonitor", [WEB_CHAT]) is None
    assert bar.call("sample", "queueHub", "removeConversationMonitor", [WEB_CHAT]) is None
    states = len(bar.events("sample", "queueStateChanged"))
    removed = len(bar.events("sample", "queueConversationRemoved"))
    agent.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"})  # the offer goes back to the queue
    assert [s[0]["availableState"] for s in bar.wait_for("sample", "onAgentStateChanged")][-1] == "Busy"
    assert len(bar.events("sample", "queueStateChanged")) == states  # no longer monitored
    assert len(bar.events("sample", "queueConversationChanged")) == 1
    assert len(bar.events("sample", "queueConversationRemoved")) == removed
    assert bar.errors() == []


def test_agent_hub_monitors_agents_by_id_for_a_wallboard_and_stops_when_asked(live, bar):
    supervisor = live.sdk(live.token("amyers", "password"))
    ids = {s["reporting"]: s["id"] for s in supervisor.get("/agents/states").json()["_embedded"]["items"]}
    bar.open("wallboard", live.client_token(), "longPolling", hubs=["agentHub"])
    assert bar.call("wallboard", "agentHub", "addMonitor", [ids["1001"], ids["1002"]]) is None

    supervisor.put("/employees/1002/state", json={"state": "DoNotDisturb", "reason": "Coaching"})
    (state,) = bar.wait_for("wallboard", "onAgentStateChanged")[0]
    assert (state["id"], state["availableState"]) == (ids["1002"], "DoNotDisturb")
    assert without_links(state) == without_links(supervisor.get(f"/agents/{ids['1002']}/state").json())

    assert bar.call("wallboard", "agentHub", "removeMonitor", [ids["1002"]]) is None
    supervisor.put("/employees/1002/state", json={"state": "Available"})
    supervisor.put("/employees/1001/state", json={"state": "Away"})
    pushed = bar.wait_for("wallboard", "onAgentStateChanged", 2)
    assert [(s[0]["id"], s[0]["availableState"]) for s in pushed] == [
        (ids["1002"], "DoNotDisturb"), (ids["1001"], "Away")]  # nothing about 1002 after removeMonitor

    with pytest.raises(PageError, match="without an agent"):
        bar.call("wallboard", "agentHub", "addMonitor", ["_admin"])
    with pytest.raises(PageError, match="Third-party"):
        bar.call("wallboard", "agentHub", "addSelfMonitor")


def test_a_client_subscribed_to_other_hubs_gets_no_agent_hub_calls_and_unknown_methods_get_an_error(live, bar):
    token = live.token("tcervantes", "password")
    bar.open("inbox", token, "webSockets", hubs=["employeeHub", "queueHub"])
    bar.call("inbox", "employeeHub", "addSelfMonitor")
    for hub, method in (("queueHub", "addQueueMonitors"), ("agentHub", "follow"), ("employeeHub", "addStateMonitor")):
        with pytest.raises(PageError, match=f"'{method}' method could not be resolved"):
            bar.call("inbox", hub, method, [WEB_CHAT])
    with pytest.raises(PageError, match="'wallboardhub' Hub could not be resolved"):
        bar.call("inbox", "wallboardHub", "addStateMonitor", [WEB_CHAT])
    with pytest.raises(PageError, match="Name the queues"):
        bar.call("inbox", "queueHub", "addStateMonitor", [{"id": WEB_CHAT}])

    assert bar.call("inbox", "queueHub", "addStateMonitor", ["P7001"]) is None  # still connected, still served
    live.sdk(token).put("/employees/me/state", json={"state": "Away"})
    assert bar.wait_for("inbox", "employeeStateChanged")[-1][0]["presence"]["aggregate"]["state"] == "Away"
    assert bar.wait_for("inbox", "queueStateChanged")[-1][0]["id"] == WEB_CHAT
    assert bar.events("inbox", "onAgentStateChanged") == [] and bar.errors() == []
    assert bar.states("inbox")[-1] == "connected"


def test_a_voice_call_ringing_an_agent_reaches_agent_hub_as_the_same_world_event(live, bar):
    supervisor = live.sdk(live.token("amyers", "password"))
    states = {s["reporting"]: s for s in supervisor.get("/agents/states").json()["_embedded"]["items"]}
    voice = next(r for r, s in states.items() if s["mediaType"] == "Voice" and s["currentState"] == "Idle")
    bar.open("wallboard", live.client_token(), "serverSentEvents", hubs=["agentHub"])
    bar.call("wallboard", "agentHub", "addStateMonitor", [states[voice]["id"]])

    call = live.http.post("/_sim/interactions", json={"media": "Voice", "agent": voice, "from": "+15551230001"})
    assert call.status_code == 201, call.text
    (ringing,) = bar.wait_for("wallboard", "onAgentStateChanged")[-1]
    assert ringing["currentState"] != "Idle"
    assert without_links(ringing) == without_links(supervisor.get(f"/agents/{states[voice]['id']}/state").json())


def test_with_the_quirk_off_a_self_monitor_feeds_employee_hub_only(live_with, browser):  # noqa: F811
    live = live_with(quirks={"self_monitor_feeds_agent_hub": False})
    token = live.token("tcervantes", "password")
    with contextlib.contextmanager(agent_bar_page)(browser, live.base_url) as bar:
        bar.open("inbox", token, "longPolling", hubs=["employeeHub"], late=True)  # the samples' employee inbox
        bar.call("inbox", "employeeHub", "addSelfMonitor")
        live.sdk(token).put("/employees/me/state", json={"state": "Away"})
        live.sdk(token).put("/employees/me/state", json={"state": "Available"})
        states = bar.wait_for("inbox", "employeeStateChanged", 2)
        assert [s[0]["presence"]["aggregate"]["state"] for s in states] == ["Away", "Available"]
        assert bar.errors() == []
