"""The real-time hubs (employeeHub, queueHub) as an agent bar sees them: Microsoft's jQuery SignalR 2 client in
headless Chromium, on another origin, against the simulator's /miccsdk/signalr endpoint, on each transport."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from agentbar import AgentBar, agent_bar_page, browser  # noqa: F401  (browser is a fixture)
from playwright.sync_api import Error as PageError

TRANSPORTS = ["webSockets", "serverSentEvents", "longPolling"]
WEB_CHAT = "61fadc6d-875b-4eff-b759-629ab6cfe835"


@pytest.fixture
def bar(live, browser) -> Iterator[AgentBar]:  # noqa: F811
    yield from agent_bar_page(browser, live.base_url)


def aggregate(state: dict) -> str:
    return state["presence"]["aggregate"]["state"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_agent_bar_follows_an_open_media_item_and_its_queue_from_offer_to_completion(live, bar, transport):
    for other in ("1002", "1003", "1004"):  # 1001 is the only open media agent: a second item has to wait
        live.set_agent(other, logged_in=False)
    token = live.token("tcervantes", "password")
    assert bar.open("agent", token, transport) == transport
    assert bar.call("agent", "employeeHub", "addSelfMonitor") is None
    bar.call("agent", "queueHub", "addMonitor", "Web Chat")
    integration, agent = live.sdk(live.client_token()), live.sdk(token)

    first = integration.post("/openmedia", json={"queue": "Web Chat", "subject": "Order 42"}).json()["id"]
    offered = bar.wait_for("agent", "employeeConversationChanged")[0][0]
    assert [(c["conversationId"], c["conversationState"], c["subject"]) for c in offered] == [
        (first, "Offered", "Order 42")]
    assert offered == agent.get("/employees/me/conversations").json()["_embedded"]["items"]  # the REST objects
    ringing = bar.wait_for("agent", "employeeStateChanged")[-1][0]
    assert ringing == agent.get("/employees/me/state").json()
    assert ringing["presence"]["openMedia"]["acdState"] == "Ringing"
    queue_now = bar.wait_for("agent", "queueStateChanged")[-1][0]
    assert queue_now["id"] == WEB_CHAT and queue_now["offeredConversationsToday"] == 1

    second = integration.post("/openmedia", json={"queue": "P7001", "subject": "Order 43"}).json()["id"]
    waiting = bar.wait_for("agent", "queueConversationChanged")[0][0]  # the agent is busy: it waits
    assert [(c["conversationId"], c["conversationState"], c["positionInQueue"]) for c in waiting] == [
        (second, "InQueue", 1)]
    assert bar.wait_for("agent", "queueStateChanged", 2)[-1][0]["waitingConversations"] == 1

    live.advance(3)  # the virtual agent accepts
    accepted = bar.wait_for("agent", "employeeConversationChanged", 2)[1][0]
    assert [(c["conversationId"], c["conversationState"]) for c in accepted] == [(first, "Acd")]

    assert integration.put(f"/openmedia/{first}", json={"action": "Complete"}).status_code == 200
    assert bar.wait_for("agent", "employeeConversationRemoved") == [[[first]]]
    assert bar.wait_for("agent", "queueConversationRemoved") == [[[second]]]  # offered to the agent now
    now_offered = bar.wait_for("agent", "employeeConversationChanged", 3)[2][0]
    assert [(c["conversationId"], c["conversationState"]) for c in now_offered] == [(second, "Offered")]

    assert agent.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"}).status_code == 200
    states = bar.wait_for("agent", "employeeStateChanged", 4)
    busy = states[-1][0]
    assert (aggregate(busy), busy["presence"]["aggregate"]["reason"]) == ("Busy", "Lunch")
    assert bar.wait_for("agent", "employeeConversationRemoved", 2)[1] == [[second]]  # the offer went back
    assert [c["conversationId"] for c in bar.wait_for("agent", "queueConversationChanged", 2)[1][0]] == [second]


def test_a_supervisor_may_monitor_another_employee_but_an_agent_or_a_third_party_may_not(live, bar):
    bar.open("agent", live.token("tcervantes", "password"))
    with pytest.raises(PageError, match="the supervisor role is required"):
        bar.call("agent", "employeeHub", "addMonitor", "1002")
    bar.open("talkative", live.client_token(), "longPolling")
    with pytest.raises(PageError, match="Third-party"):
        bar.call("talkative", "employeeHub", "addSelfMonitor")
    with pytest.raises(PageError, match="method could not be resolved"):
        bar.call("agent", "employeeHub", "addMonitors", "1002")

    supervisor = live.token("amyers", "password")
    bar.open("supervisor", supervisor)
    bar.call("supervisor", "employeeHub", "addMonitor", "ewilson")
    bar.call("agent", "employeeHub", "addSelfMonitor")
    live.sdk(supervisor).put("/employees/1002/state", json={"state": "DoNotDisturb", "reason": "Coaching"})
    state = bar.wait_for("supervisor", "employeeStateChanged")[0][0]
    assert (state["reporting"], aggregate(state)) == ("1002", "DoNotDisturb")

    bar.call("supervisor", "employeeHub", "removeMonitor", "1002")
    live.sdk(supervisor).put("/employees/1001/state", json={"state": "Away"})
    assert aggregate(bar.wait_for("agent", "employeeStateChanged")[0][0]) == "Away"
    assert len(bar.events("supervisor")) == 1  # nothing about 1002 after removeMonitor, nor about 1001


def test_a_connection_needs_a_valid_session_and_its_own_connection_token(live, bar):
    for token in ("", "not-a-token"):
        with pytest.raises(PageError, match="negotiat"):
            bar.open(f"bad {token}", token)

    hubs = json.dumps([{"name": "employeehub"}])
    params = {"clientProtocol": "2.1", "connectionData": hubs}
    assert live.http.get("/miccsdk/signalr/negotiate", params=params).status_code == 401
    agent = {**params, "sessionid": f"Bearer {live.token('tcervantes', 'password')}"}
    for spelling in ("/MiccSdk/SignalR/negotiate", "//miccsdk/signalr/negotiate", "/miccsdk//signalr/negotiate"):
        r = live.http.get(f"{live.base_url}{spelling}", params=agent)
        assert r.status_code == 200 and r.json()["ProtocolVersion"] == "1.5", spelling
    token = r.json()["ConnectionToken"]
    start = {**agent, "transport": "longPolling"}
    assert live.http.get("/miccsdk/signalr/start", params={**start, "connectionToken": token}).json() == {
        "Response": "started"}
    forged = live.http.get("/miccsdk/signalr/start", params={**start, "connectionToken": token[:-2] + "xx"})
    assert forged.status_code == 400
    other = {**start, "connectionToken": token, "sessionid": f"Bearer {live.token('ewilson', 'password')}"}
    assert live.http.get("/miccsdk/signalr/start", params=other).status_code == 403
    assert live.http.get("/miccsdk/signalr/negotiate", params={**agent, "clientProtocol": "1.0"}).status_code == 400
    live.advance(1200)  # the session expires: every later request of the connection is refused
    assert live.http.get("/miccsdk/signalr/start", params={**start, "connectionToken": token}).status_code == 401


def test_an_iis_restart_ends_the_connection_and_its_reconnects_are_refused(live, bar):
    bar.open("agent", live.token("tcervantes", "password"), "longPolling")
    bar.call("agent", "employeeHub", "addSelfMonitor")
    assert live.http.post("/_sim/iis/restart").status_code == 200
    bar.wait_for_state("agent", "reconnecting")
    refused = live.http.get("/_sim/journal", params={"face": "signalr", "status": "401"}).json()
    assert refused["count"] >= 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_dropped_connection_reconnects_and_gets_what_it_missed_exactly_once(live, bar, transport):
    token = live.token("tcervantes", "password")
    bar.open("agent", token, transport)
    bar.call("agent", "employeeHub", "addSelfMonitor")
    agent = live.sdk(token)
    rule = live.http.post("/_sim/faults", json={"kind": "disconnect", "face": "signalr", "count": 1}).json()

    agent.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"})  # dropped just before it is sent
    bar.wait_for_state("agent", "reconnecting")
    agent.put("/employees/me/state", json={"state": "Away"})  # while the client is away
    bar.wait_for_state("agent", "reconnected")
    agent.put("/employees/me/state", json={"state": "Available"})
    states = bar.wait_for("agent", "employeeStateChanged", 3)
    assert [aggregate(s[0]) for s in states] == ["Busy", "Away", "Available"]
    assert live.http.get("/_sim/faults").json()["rules"][0]["fired"] == 1, rule


def test_a_burst_of_changes_in_one_moment_is_one_queue_now_push(live, bar):
    bar.open("wallboard", live.token("amyers", "password"), "longPolling")
    bar.call("wallboard", "queueHub", "addMonitor", ["P7001"])
    integration = live.sdk(live.client_token())
    for n in range(3):  # three requests: three pushes, each offered to another idle agent
        integration.post("/openmedia", json={"queue": "Web Chat", "subject": f"Order {n}"})
    assert bar.wait_for("wallboard", "queueStateChanged", 3)[-1][0]["offeredConversationsToday"] == 3

    live.advance(3)  # the three virtual agents accept at the same simulated moment, in one request
    state = bar.wait_for("wallboard", "queueStateChanged", 4)[-1][0]
    assert (state["answeredConversationsToday"], state["agentsOnAcdConversations"]) == (3, 3)
    rest = live.sdk(live.client_token()).get(f"/queues/{WEB_CHAT}/state").json()
    assert {k: v for k, v in state.items() if k != "timeOfLastReceivedUpdate"} == {
        k: v for k, v in rest.items() if k != "timeOfLastReceivedUpdate"}

    integration.post("/openmedia", json={"queue": "Web Chat"})
    pushes = bar.wait_for("wallboard", "queueStateChanged", 5)
    assert [p[0]["offeredConversationsToday"] for p in pushes] == [1, 2, 3, 3, 4]  # nothing in between
