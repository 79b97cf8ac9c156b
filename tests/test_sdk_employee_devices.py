"""An employee's devices and recordings answer from the world: account codes, the softphone gateway, greetings
recorded by calling the agent (a real call the agent answers), and the profile picture upload."""

from __future__ import annotations

import base64


def employee(sdk, reporting: str) -> dict:
    return next(e for e in sdk.get("/employees").json()["_embedded"]["items"] if e.get("reporting") == reporting)


def test_a_greeting_is_recorded_by_a_call_the_agent_answers_and_then_chosen_per_queue(live):
    admin = live.sdk(live.token())
    agent = employee(admin, "3001")
    me = live.sdk(live.token(agent["username"], "password"))
    assert me.get("/employees/me/greetings").json() == {"isDefault": True, "defaultGreeting": None,
                                                         "greetings": [], "queueGreetings": []}
    call_id = me.post("/employees/me/greetings", json={"recordingName": "Morning", "isDefault": True}).json()
    ringing = admin.get(f"/conversations/{call_id}").json()
    assert (ringing["agentId"], ringing["mediaType"], ringing["conversationState"]) == (agent["id"], "Voice",
                                                                                        "Offered")
    assert me.get("/employees/me/greetings").json()["greetings"] == []  # not recorded until the call is over
    live.advance(3 + 120)  # the agent answers, records, hangs up
    greetings = me.get("/employees/me/greetings").json()
    assert (greetings["greetings"], greetings["defaultGreeting"]) == (["Morning"], "Morning")
    queue = admin.get("/queues/P9001").json()
    ok = me.put("/employees/me/greetings/Update/none", json={
        "isDefault": False, "defaultGreeting": "Morning", "queueGreetings": [{"queueId": queue["id"],
                                                                             "greeting": "Morning"}]})
    assert ok.status_code == 200, ok.text
    shown = admin.get(f"/employees/{agent['id']}/greetings").json()
    assert shown["isDefault"] is False
    assert shown["queueGreetings"] == [{"queueId": queue["id"], "queueName": "Support Voice",
                                        "queueReporting": "P9001", "greeting": "Morning"}]
    bad = me.put("/employees/me/greetings/Update/none", json={"defaultGreeting": "Evening"})
    assert bad.status_code == 400
    assert admin.get(f"/employees/{agent['id']}/greetings").json() == shown
    assert admin.put(f"/employees/{agent['id']}/greetings/Delete/Morning", json={}).status_code == 403
    assert me.put("/employees/me/greetings/Delete/Morning", json={}).status_code == 200
    assert me.get("/employees/me/greetings").json() == {"isDefault": False, "defaultGreeting": None,
                                                         "greetings": [], "queueGreetings": []}


def test_a_logged_out_agent_cannot_record_a_greeting(live):
    admin = live.sdk(live.token())
    me = live.sdk(live.token(employee(admin, "3003")["username"], "password"))
    r = me.post("/employees/me/greetings", json={"recordingName": "Hi"})
    assert r.status_code == 400 and "logged in" in str(r.json()["modelState"])


def test_account_codes_softphone_and_profile_picture(live):
    admin = live.sdk(live.token())
    agent = employee(admin, "1001")
    codes = admin.get(f"/employees/{agent['id']}/accountcodes").json()["_embedded"]["items"]
    assert [c["name"] for c in codes] == ["Sales", "Support"]
    me = live.sdk(live.token(agent["username"], "password"))
    phone = me.get("/agents/me/softphone").json()
    assert phone["gatewayMediaServerConsumerId"] == "1001"
    assert admin.get(f"/agents/{agent['id']}/softphone").json() == phone
    other = employee(admin, "1002")
    assert me.get(f"/agents/{other['id']}/softphone").status_code == 403
    picture = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 100).decode()
    assert me.post("/employees/me/profilepicture", json={"base64String": picture}).json() == "108"
    assert live.sim.world.greetings.pictures[agent["id"]].startswith(b"\x89PNG")
    bad = me.post("/employees/me/profilepicture", json={"base64String": "not base64!"})
    assert bad.status_code == 400 and "model.Base64String" in bad.json()["modelState"]
