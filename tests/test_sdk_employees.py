"""Employee tag through the real server: state and presence, login with hot desk, reason codes,
agent-group presence and the inbox with its conversation actions."""

from __future__ import annotations

from contract import assert_conforms


def agent_sdk(live, username):
    return live.sdk(live.token(username, "password"))


def username_of(live, reporting):
    return next(e["username"] for e in live.world()["employees"] if e["reporting"] == reporting)


def test_me_is_the_caller_and_state_shows_presence_as_agent_bars_read_it(live):
    sdk = agent_sdk(live, username_of(live, "1001"))
    me = sdk.get("/employees/me")
    assert me.status_code == 200 and me.json()["reporting"] == "1001"
    state = sdk.get("/employees/me/state")
    assert state.status_code == 200
    assert_conforms(state, "Employee_GetEmployeeState")
    presence = state.json()["presence"]
    assert presence["aggregate"]["state"] == "Available"
    assert presence["openMedia"]["acdState"] == "Idle" and presence["voice"] == []
    expanded = sdk.get("/employees/me", params={"$expand": "state"}).json()
    assert expanded["_embedded"]["state"]["presence"]["aggregate"]["state"] == "Available"


def test_an_agent_logs_in_with_a_hot_desk_extension_and_out_again(live):
    user = username_of(live, "1005")
    sdk = agent_sdk(live, user)
    r = sdk.put("/employees/me/state", json={"State": 1, "AvailableReason": "Login",
                                              "HotDeskBaseExtension": "4242", "IsHotDeskExternal": "false"})
    assert r.status_code == 200, r.text
    view = next(e for e in live.world()["employees"] if e["username"] == user)
    assert view["logged_in"] and view["extension"] == "4242" and view["presence"] == "Available"
    # now eligible: an item posted to Web Chat while the others are busy reaches them
    for _ in range(5):
        sdk.post("/openmedia", json={"queue": "Web Chat"})
    assert next(e for e in live.world()["employees"] if e["username"] == user)["active_items"]
    assert sdk.put("/employees/me/state", json={"state": "Offline"}).status_code == 200
    assert not next(e for e in live.world()["employees"] if e["username"] == user)["logged_in"]


def test_busy_with_a_reason_code_makes_the_queue_skip_the_agent(live):
    sdk = agent_sdk(live, username_of(live, "1001"))
    codes = sdk.get("/employees/me/busyreasoncodes").json()["_embedded"]["items"]
    assert {c["name"] for c in codes} >= {"Lunch", "Coaching"}
    assert sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"}).status_code == 200
    state = sdk.get("/employees/me/state").json()
    assert state["presence"]["aggregate"] == {**state["presence"]["aggregate"], "state": "Busy", "reason": "Lunch"}
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
    assert item["agentReporting"] == "1002"
    bad = sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Coaching"})
    assert bad.status_code == 400  # a do-not-disturb reason given for Busy
    assert sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Nap"}).status_code == 404


def test_changing_someone_elses_state_needs_a_supervisor(live):
    agent = agent_sdk(live, username_of(live, "1001"))
    r = agent.put(f"/employees/{username_of(live, '1002')}/state", json={"state": "Offline"})
    assert r.status_code == 403
    supervisor = agent_sdk(live, "amyers")
    assert supervisor.put(f"/employees/{username_of(live, '1002')}/state",
                          json={"state": "Offline"}).status_code == 200


def test_clients_cannot_use_me(live):
    client = live.sdk(live.client_token())
    assert client.get("/employees/me/state").status_code == 403


def test_an_agent_who_leaves_an_agent_group_gets_no_offers_from_its_queues(live):
    user = username_of(live, "1001")
    sdk = agent_sdk(live, user)
    r = sdk.get("/employees/me/agentgrouppresence")
    assert_conforms(r, "Employee_GetAgentGroupPresences")
    om = next(g for g in r.json()["_embedded"]["items"] if g["name"] == "Open Media Agents")
    assert [s["status"] for s in om["statuses"]] == ["Present"]
    om["statuses"][0]["status"] = "NotPresent"
    r = sdk.put("/employees/me/agentgrouppresence", json={"_embedded": {"items": [om]}, "count": 1})
    assert r.status_code == 200, r.text
    assert sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["agentReporting"] == "1002"
    one = sdk.get(f"/employees/me/agentgrouppresence/{om['id']}").json()["_embedded"]["items"][0]
    assert one["statuses"][0]["status"] == "NotPresent"
    r = sdk.put(f"/employees/me/agentgrouppresence/{om['id']}",
                json={"id": om["id"], "statuses": [{"status": "Present"}]})
    assert r.status_code == 200
    assert sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["agentReporting"] == "1001"


def test_a_manual_agent_accepts_holds_retrieves_and_ends_through_the_inbox(live):
    user = username_of(live, "1001")
    live.set_agent("1001", profile="manual")
    for other in ("1002", "1003", "1004"):
        live.set_agent(other, logged_in=False)
    sdk = agent_sdk(live, user)
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "call me"}).json()["id"]
    inbox = sdk.get("/employees/me/conversations", params={"type": "active"})
    assert inbox.status_code == 200
    [conversation] = inbox.json()["_embedded"]["items"]
    assert conversation["conversationId"] == item and conversation["conversationState"] == "Offered"
    for action, state in (("Accept", "Acd"), ("Hold", "Held"), ("RemoveHold", "Acd")):
        r = sdk.put(f"/employees/me/conversations/{item}", json={"conversationAction": action})
        assert r.status_code == 200, r.text
        assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == state
    r = sdk.put("/employees/me/conversations", json=[{"id": item, "conversationAction": 10}])  # End
    assert r.status_code == 200
    assert sdk.get(f"/openmedia/{item}").status_code == 404
    state = sdk.get("/employees/me/state").json()
    assert state["acdOpenMediaConversationsToday"] == 1


def test_decline_requeues_and_transfer_moves_to_another_queue_or_agent(live):
    live.set_agent("1001", profile="manual")
    sdk = agent_sdk(live, username_of(live, "1001"))
    for other in ("1002", "1003", "1004"):
        live.set_agent(other, logged_in=False)
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    r = sdk.put(f"/employees/me/conversations/{item}", json={"conversationAction": "Decline"})
    assert r.status_code == 200
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "InQueue"

    live.set_agent("1002", logged_in=True)
    live.set_agent("1002", profile="manual")
    assert sdk.get(f"/openmedia/{item}").json()["agentReporting"] == "1002"  # 1001 declined it
    supervisor = agent_sdk(live, "amyers")
    r = supervisor.put(f"/employees/{username_of(live, '1002')}/conversations/{item}",
                       json={"conversationAction": "Transfer", "transferDestinationType": "Queue",
                             "transferDestination": "Social Media"})
    assert r.status_code == 200, r.text
    moved = sdk.get(f"/openmedia/{item}").json()
    assert moved["queueName"] == "Social Media"


def test_actions_that_do_not_apply_to_open_media_are_refused(live):
    sdk = agent_sdk(live, username_of(live, "1001"))
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    r = sdk.put(f"/employees/me/conversations/{item}", json={"conversationAction": "Dtmf"})
    assert r.status_code == 400 and "does not apply" in r.json()["message"]
    r = sdk.put(f"/employees/me/conversations/{item}", json={"conversationAction": "Explode"})
    assert r.status_code == 400 and "modelState" in r.json()


def test_an_agent_starts_an_open_media_conversation(live):
    live.set_agent("1001", profile="manual")
    sdk = agent_sdk(live, username_of(live, "1001"))
    r = sdk.post("/employees/me/conversations", json={"type": "OpenMedia", "to": "customer", "subject": "follow up"})
    assert r.status_code == 200, r.text
    item = r.json()
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Offered"
    assert sdk.post("/employees/me/conversations", json={"type": "Sms", "to": "+3161234"}).status_code == 400


def test_employee_list_conforms(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/employees", params={"$filter": "reporting eq '1001'"})
    assert r.status_code == 200 and r.json()["count"] == 1
    assert_conforms(r, "Employee_GetEmployees")
