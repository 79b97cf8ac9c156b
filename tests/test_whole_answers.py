"""Whole answers: every property of every stateful MiCC SDK model, and the figures that move with the clock."""

from __future__ import annotations

from contract import assert_conforms

from micc_sim.faces.micc.sdk import CONTRACT, HANDLERS
from micc_sim.harness.completeness import admin_client, measure, populate, totals
from micc_sim.spec.contract import load_contract


def test_every_stateful_answer_carries_every_declared_property(live):
    """On a world with items and agents in every state, no stateful GET leaves out a property its schema declares
    or adds one it does not, and every value has the declared JSON type."""
    http = admin_client(live.base_url)
    try:
        populate(http)
        reports = measure(http, load_contract(CONTRACT), HANDLERS)
    finally:
        http.close()
    gaps = {f"{r.operation.operation_id} {t.name}": t.missing for r in reports for t in r.models.values() if t.missing}
    wrong = {f"{r.operation.operation_id} {t.name}": sorted(t.wrong_type) for r in reports
             for t in r.models.values() if t.wrong_type}
    failed = {r.operation.operation_id: r.failures for r in reports if r.failures}
    undeclared = {f"{r.operation.operation_id} {t.name}": sorted(t.undeclared) for r in reports
                  for t in r.models.values() if t.undeclared}
    assert gaps == {} and wrong == {} and failed == {} and undeclared == {}
    assert totals(reports).declared > 1500
    assert sum(1 for r in reports if r.calls) >= 70  # every GET whose ids a listing gives, and none refused


def agent_state(sdk, reporting):
    return sdk.get(f"/agents/{reporting}/state").json()


def test_an_agents_day_adds_up_on_the_simulated_clock(live):
    """Idle, busy with a reason, ringing, on an ACD item, holding it: each stretch lands in its figure, the
    running one included, and the logged-in time is their sum."""
    sdk = live.sdk(live.token())
    live.set_agent("1001", profile="manual")
    for reporting in ("1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    agent = sdk.get("/agents/1001").json()["id"]
    live.advance(60)  # idle
    sdk.put(f"/employees/{agent}/state", json={"state": "Busy", "reason": "Lunch"})
    live.advance(30)  # make busy
    state = agent_state(sdk, "1001")
    assert state["currentState"] == "MakeBusy" and state["reason"] == "Lunch"
    assert state["makeBusyDurationToday"] == "00:00:30" and state["loggedInDurationToday"] == "00:01:30"
    assert state["unavailablePercentToday"] == 33.33
    sdk.put(f"/employees/{agent}/state", json={"state": "Available"})
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]  # offered to 1001 at once
    live.advance(5)  # ringing
    sdk.put(f"/employees/{agent}/conversations/{item}", json={"conversationAction": "Accept"})
    live.advance(40)  # on ACD
    sdk.put(f"/employees/{agent}/conversations/{item}", json={"conversationAction": "Hold"})
    live.advance(15)  # holding
    r = sdk.get("/agents/1001/state")
    assert_conforms(r, "Agents_GetAgentState")
    state = r.json()
    assert state["acdDurationToday"] == "00:00:40" and state["holdAcdDurationToday"] == "00:00:15"
    assert state["occupiedDurationToday"] == "00:00:55" and state["totalAcdDuration"] == "00:00:55"
    assert state["acdConversationsToday"] == 1 and state["averageAnsweredDurationToday"] == "00:00:55"
    assert state["loggedInDurationToday"] == "00:02:30" and state["makeBusyDurationToday"] == "00:00:30"
    assert state["doNotDisturbDurationToday"] == "00:00:00" and state["currentActive"] == 1
    conversation = sdk.get(f"/conversations/{item}").json()
    assert conversation["lastAgentAction"] == "Hold" and conversation["ownerId"] == agent
    assert conversation["direction"] == "Inbound" and conversation["queueDialable"] == "P7001"
    assert {e["id"] for e in conversation["directory"]} == {agent, conversation["queueId"]}


def test_entered_state_on_moves_with_every_transition(live):
    """enteredStateOn is the instant of the last change real-time displays show: offered, accepted, ended."""
    sdk = live.sdk(live.token())
    live.set_agent("1001", profile="manual")
    for reporting in ("1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    agent = sdk.get("/agents/1001").json()["id"]
    before = agent_state(sdk, "1001")["enteredStateOn"]
    live.advance(10)
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    ringing = agent_state(sdk, "1001")
    assert ringing["currentState"] == "Ringing" and ringing["enteredStateOn"] == "2026-11-22T09:00:10Z" != before
    live.advance(4)
    sdk.put(f"/employees/{agent}/conversations/{item}", json={"conversationAction": "Accept"})
    on_acd = agent_state(sdk, "1001")
    assert on_acd["currentState"] == "Acd" and on_acd["enteredStateOn"] == "2026-11-22T09:00:14Z"
    employee = sdk.get(f"/employees/{agent}/state").json()
    assert employee["enteredStateOn"] == "2026-11-22T09:00:14Z"
    assert employee["presence"]["openMedia"]["enteredStateOn"] == "2026-11-22T09:00:14Z"
    live.advance(6)
    sdk.put(f"/employees/{agent}/conversations/{item}", json={"conversationAction": "End"})
    idle = agent_state(sdk, "1001")
    assert idle["currentState"] == "Idle" and idle["enteredStateOn"] == "2026-11-22T09:00:20Z"


def test_todays_figures_start_again_at_the_simulated_midnight(live):
    """Agents' and queues' today-figures count from midnight: the day before is gone, the state goes on."""
    sdk = live.sdk(live.token())
    for reporting in ("1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    sdk.post("/openmedia", json={"queue": "Web Chat"})  # 1001 (default profile) accepts at 3 s, ends at 123 s
    live.advance(200)
    state = agent_state(sdk, "1001")
    assert state["acdConversationsToday"] == 1 and state["acdDurationToday"] == "00:02:00"
    queue = sdk.get("/queues/Web Chat/state").json()
    assert queue["answeredConversationsToday"] == 1 and queue["answeredConversationsByAgentGroup1Today"] == 1
    assert queue["answeredConversationsPercentageByAgentGroup1Today"] == 100.0
    live.advance(15 * 3600 - 200 + 30)  # 00:00:30 the next day
    sdk = live.sdk(live.token())  # the morning's token has expired
    employee = sdk.get(f"/employees/{state['id']}/state").json()  # read first: it starts the day by itself
    assert employee["acdOpenMediaConversationsToday"] == 0
    assert employee["firstAgentLoginTimeToday"] == "2026-11-23T00:00:00Z"
    state = agent_state(sdk, "1001")
    assert state["acdConversationsToday"] == 0 and state["acdDurationToday"] == "00:00:00"
    assert state["loggedInDurationToday"] == "00:00:30" and state["currentState"] == "Idle"
    assert state["lastLoginTime"] == "2026-11-22T09:00:00Z"  # the last login, whatever the day
    queue = sdk.get("/queues/Web Chat/state").json()
    assert queue["answeredConversationsToday"] == 0 and queue["answeredConversationsByAgentGroup1Today"] == 0
    assert queue["agentLoggedInTotalDurationToday"] == "00:00:30"  # 1001 alone is logged in of Open Media Agents


def test_a_wallboard_polling_queues_state_reads_true_numbers(live):
    """Open-source wallboards poll ``MiccSdk/api/v1/queues/state`` and ``agents/states``: every queue's Queue Now
    in one answer, at the instant of the poll, with the agents' today-figures beside it."""
    for reporting in ("1001", "1002", "1003", "1004"):
        live.set_agent(reporting, profile="manual")
    token = live.token()
    sdk = live.sdk(token)
    for n in range(6):  # four offered, two waiting
        sdk.post("/openmedia", json={"queue": "Web Chat", "subject": f"Question {n}"})
    live.advance(45)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    r = live.http.get("/MiccSdk/api/v1/queues/state", headers=headers)
    assert r.status_code == 200, r.text
    assert_conforms(r, "Queue_GetQueuesState")
    board = {q["name"]: q for q in r.json()["_embedded"]["items"]}
    assert r.json()["count"] == 7 and r.json()["_links"]["self"]["href"].endswith("/queues/state")
    web = board["Web Chat"]
    assert web["waitingConversations"] == 2 and web["longestWaitingConversationDuration"] == "00:00:45"
    assert web["agentsAvailable"] == 4 and web["agentsIdle"] == 0 and web["offeredConversationsToday"] == 6
    assert web["agentLoggedInTotalDurationToday"] == "00:03:00"  # four agents, 45 s each
    assert web == sdk.get("/queues/states").json()["_embedded"]["items"][0] | {"_links": web["_links"]}
    agents = {a["reporting"]: a for a in live.http.get("/MiccSdk/api/v1/agents/states",
                                                        headers=headers).json()["_embedded"]["items"]}
    assert agents["1001"]["currentState"] == "Ringing" and agents["1001"]["loggedInDurationToday"] == "00:00:45"
    assert agents["1005"]["currentState"] == "LoggedOut" and agents["1005"]["loggedInDurationToday"] == "00:00:00"


def test_a_queued_call_counts_as_acd_time_then_wrap_up(live):
    """A call through Support Voice: ringing, then ACD talk (the default profile answers at 3 s and hangs up at
    123 s), then the 30 s of wrap-up as work-timer time, the agent's state showing it while it runs."""
    sdk = live.sdk(live.token())
    live.set_agent("3002", logged_in=False)
    r = live.http.post("/_sim/interactions", json={"media": "Voice", "queue": "Support Voice", "from": "+15551230001"})
    assert r.status_code == 201, r.text
    live.advance(3 + 120 + 10)
    state = agent_state(sdk, "3001")
    assert state["acdDurationToday"] == "00:02:00" and state["currentState"] == "Acd"  # coarse: wrap-up of an ACD call
    assert state["workTimerDurationToday"] == "00:00:10" and state["currentWorktimer"] == 10
    assert state["acdConversationsToday"] == 1 and state["averageTime"] == "00:02:10"
    queue = sdk.get("/queues/Support Voice/state").json()
    assert queue["workTimerTotalDurationToday"] == "00:00:10" and queue["agentsOnAcdConversations"] == 1
    live.advance(30)
    state = agent_state(sdk, "3001")
    assert state["workTimerDurationToday"] == "00:00:30" and state["currentWorktimer"] == 0
    assert state["occupiedDurationToday"] == "00:02:30" and state["currentState"] == "Idle"


REFERENCES = ("id", "queueId", "agentId", "ownerId", "employeeRefId", "mediaServerId", "mediaServerRefId",
              "siteRefId", "timeMediaServerId", "voiceMediaServerRefId", "longestWaitingStartedTimeMediaServerId")


def test_references_name_things_the_other_operations_show(live):
    """Every id an answer refers to (its queue, agent, owner, media server, site, agent groups) is one that the
    operation listing such things answers with, under the same name."""
    http = admin_client(live.base_url)
    try:
        populate(http)

        def items(path):
            return http.get(f"/miccsdk/api/v1{path}").json()["_embedded"]["items"]

        names = {}
        for path, key in (("/employees", "name"), ("/queues", "name"), ("/agentgroups", "name"),
                          ("/mediaservers", "name"), ("/sites", "name"), ("/reasoncodes", "name")):
            names.update({i["id"]: i[key] for i in items(path)})
        known = set(names) | {c["conversationId"] for c in items("/conversations")}
        seen = 0
        for path in ("/agents/states", "/employees", "/queues/states", "/conversations", "/mediaservers",
                     "/agents", "/agentgroups", "/reasoncodes", "/directory"):
            for item in items(path):
                for key in REFERENCES:
                    if item.get(key) is not None and key != "id":
                        assert item[key] in known, (path, key, item[key])
                        seen += 1
                for group in item.get("presentInAgentGroups") or []:
                    assert group in names
                for entry in item.get("directory") or []:
                    assert names[entry["id"]] == entry["name"]
                if "queueName" in item and item["queueId"]:
                    assert names[item["queueId"]] == item["queueName"]
                if item.get("agentId"):
                    assert names[item["agentId"]] == item["agentName"]
        assert seen > 50
    finally:
        http.close()
