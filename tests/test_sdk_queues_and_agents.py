"""Queue and Agents tags through the real server: Queue Now computed from the world, agent states."""

from __future__ import annotations

from contract import assert_conforms


def queue_state(sdk, name):
    states = sdk.get("/queues/states").json()["_embedded"]["items"]
    return next(q for q in states if q["name"] == name)


def test_queue_now_counts_what_happens_in_the_queue(live):
    sdk = live.sdk(live.token())
    for reporting in ("1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    first = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]  # offered to 1001
    waiting = [sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"] for _ in range(2)]
    live.advance(30)
    state = queue_state(sdk, "Web Chat")
    assert state["waitingConversations"] == 2
    assert state["longestWaitingConversationDuration"] == "00:00:30"
    assert state["agentsAvailable"] == 1 and state["agentsIdle"] == 0 and state["agentsOnAcdConversations"] == 1
    assert state["offeredConversationsToday"] == 3 and state["answeredConversationsToday"] == 1

    sdk.put(f"/openmedia/{waiting[1]}", json={"action": "Complete"})  # abandoned after 30 s
    live.advance(100)  # first handled at 123 s; the next waiting one is offered and accepted
    state = queue_state(sdk, "Web Chat")
    assert state["abandonedConversationsToday"] == 1 and state["answeredConversationsToday"] == 2
    assert state["abandonedConversationsPercentageToday"] == 33.33
    assert state["conversationAverageDurationToday"] == "00:02:00"
    # answered at 3 s and at 126 s: one within the 20 s service level, one not; one abandoned
    assert state["serviceLevelPercentageToday"] == 33.33
    one = sdk.get(f"/queues/{state['id']}/state")
    assert_conforms(one, "Queue_GetQueueState")
    assert one.json()["waitingConversations"] == 0
    assert sdk.get(f"/openmedia/{first}").status_code == 404


def test_queue_now_windows_follow_the_clock_and_the_world(live):
    """Queue Now is kept, not recomputed, between reads: it must still move with every change and every tick."""
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})  # offered at once, accepted at 3 s, handled at 123 s
    live.advance(130)

    def windows() -> tuple[int, ...]:
        state = queue_state(live.sdk(live.token()), "Web Chat")  # a token of now: hours pass here
        return tuple(state[f"{name}Conversations{window}"] for window in ("Today", "InTheLastHour",
                                                                         "InTheLast15Minutes")
                     for name in ("offered", "answered"))

    assert windows() == windows() == (1, 1, 1, 1, 1, 1)
    live.advance(15 * 60)  # 09:17:10: the last 15 minutes start after the item was handled
    assert windows() == (1, 1, 1, 1, 0, 0)
    live.advance(45 * 60)  # 10:02:10
    assert windows() == (1, 1, 0, 0, 0, 0)
    live.sdk(live.token()).post("/openmedia", json={"queue": "Web Chat"})
    assert windows() == (2, 1, 1, 0, 1, 0)
    live.advance(14 * 3600)  # the next day
    assert windows() == (0, 0, 0, 0, 0, 0)

    sdk = live.sdk(live.token())
    assert queue_state(sdk, "Web Chat")["agentsAvailable"] == 4
    for reporting in ("1001", "1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    state = queue_state(sdk, "Web Chat")
    assert state["agentsAvailable"] == 0 and state["isInDoNotDisturb"] is True


def test_queue_states_conform_and_an_agent_sees_only_their_queues(live):
    admin = live.sdk(live.token())
    r = admin.get("/queues/states")
    assert_conforms(r, "Queue_GetQueueStates")
    assert r.json()["count"] == 7
    user = next(e["username"] for e in live.world()["employees"] if e["reporting"] == "3001")
    voice = live.sdk(live.token(user, "password")).get("/queues/states").json()
    assert [q["name"] for q in voice["_embedded"]["items"]] == ["Support Voice"]


def test_queues_list_filters_by_media_type_as_the_open_media_demo_client_does(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/queues?$filter=mediaType%20eq%20%27OpenMedia%27")
    assert r.status_code == 200
    assert_conforms(r, "Queue_GetQueues")
    assert sorted(q["name"] for q in r.json()["_embedded"]["items"]) == [
        "Overflow", "Social Media", "Training", "Unvalidated Tasks", "Web Chat"]


def test_waiting_conversations_of_a_queue_and_a_supervisor_transfer(live):
    sdk = live.sdk(live.token("amyers", "password"))
    for reporting in ("1001", "1002", "1003", "1004"):
        live.set_agent(reporting, logged_in=False)
    item = sdk.post("/openmedia", json={"queue": "Overflow"}).json()["id"]
    r = sdk.get("/queues/Overflow/conversations")
    assert_conforms(r, "Queue_GetQueueConversations")
    [waiting] = r.json()["_embedded"]["items"]
    assert waiting["conversationId"] == item and waiting["positionInQueue"] == 1
    r = sdk.put("/queues/Overflow/conversations", json=[{"id": item, "conversationAction": "Transfer",
                                                        "transferDestinationType": "Queue",
                                                        "transferDestination": "P7002"}])
    assert r.status_code == 200, r.text
    assert sdk.get(f"/openmedia/{item}").json()["queueName"] == "Social Media"


def test_agent_states_follow_the_agents(live):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    r = sdk.get("/agents/states")
    assert_conforms(r, "Agents_GetAgentStates")
    states = {a["reporting"]: a for a in r.json()["_embedded"]["items"]}
    assert states["1001"]["currentState"] == "Ringing" and states["1002"]["currentState"] == "Idle"
    assert states["1005"]["currentState"] == "LoggedOut"
    live.advance(3)
    one = sdk.get("/agents/1001/state")
    assert_conforms(one, "Agents_GetAgentState")
    assert one.json()["currentState"] == "Acd"


def test_agent_groups_and_their_members(live):
    sdk = live.sdk(live.token())
    groups = sdk.get("/agentgroups").json()["_embedded"]["items"]
    assert {g["name"] for g in groups} == {"Open Media Agents", "Chat Agents", "Voice Agents", "Training Agents"}
    members = sdk.get("/agentgroups/8001/members").json()["_embedded"]["items"]
    assert sorted(m["reporting"] for m in members) == ["1001", "1002", "1003", "1004", "1005"]
    assert sdk.get("/agentgroups/Training Agents/members").json()["count"] == 0


def test_conversations_and_configuration_tags(live):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "from": "Ada"}).json()["id"]
    active = sdk.get("/conversations").json()["_embedded"]["items"]
    assert [c["conversationId"] for c in active] == [item]
    one = sdk.get(f"/conversations/{item}").json()
    assert one["fromAddress"] == "Ada" and one["mediaType"] == "OpenMedia"
    assert sdk.get("/mediaservers").json()["count"] == 3
    assert {c["name"] for c in sdk.get("/reasoncodes").json()["_embedded"]["items"]} >= {"Lunch"}
    assert sdk.get("/sites").json()["_embedded"]["items"][0]["name"] == "Wagner Group"
