"""POST /employees/me/conversations places a voice call as Mitel's employeeDialer sample does: it rings,
connects and ends in the world, and the far end is another agent's phone when the number is an extension."""

from __future__ import annotations

from micc_sim.world.interactions import InteractionState as S

JSON = {"content-type": "application/json"}


def inbox(sdk):
    return sdk.get("/employees/me/conversations").json()["_embedded"]["items"]


def test_dialing_an_outside_number_rings_connects_and_ends(live):
    sdk = live.sdk(live.token("lcummings", "password"))
    device = sdk.get("/employees/me/state").json()["presence"]["voice"][0]["reporting"]  # the sample's "from"
    body = f'{{\n        "type":"Voice",\n        "from":"{device}",\n        "to":"0612345678"\n    }}'
    r = sdk.post("/employees/me/conversations", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    conversation = r.json()
    assert r.headers["location"].endswith(f"/conversations/{conversation}")
    call = live.sim.world.sessions.get(conversation)
    assert call.state is S.Dialing
    [shown] = inbox(sdk)
    assert (shown["conversationId"], shown["mediaType"], shown["direction"], shown["toAddress"]) == (
        conversation, "Voice", "Outbound", "0612345678")
    live.advance(1)
    assert call.state is S.Calling  # the far end rings
    live.advance(live.sim.world.sessions.config.far_answer_seconds)
    assert call.state is S.Connected
    r = sdk.put(f"/employees/me/conversations/{conversation}", content="{conversationAction: 'End'}", headers=JSON)
    assert r.status_code == 200, r.text
    assert not call.live and inbox(sdk) == []


def test_dialing_an_extension_rings_that_agents_phone(live):
    caller = live.sdk(live.token("lcummings", "password"))
    callee = live.sdk(live.token("cbartlett", "password"))
    conversation = caller.post("/employees/me/conversations", json={"type": "Voice", "to": "7002"}).json()
    [ringing] = inbox(callee)
    assert ringing["conversationState"] == "Offered" and ringing["fromAddress"] == "7001"
    ringing_id = ringing["conversationId"]
    r = callee.put(f"/employees/me/conversations/{ringing_id}",
                   content=f"{{conversationAction: 'Accept', id: '{ringing_id}'}}", headers=JSON)
    assert r.status_code == 200, r.text
    assert live.sim.world.sessions.get(conversation).state is S.Connected
    assert inbox(callee)[0]["conversationState"] == "NonAcd"
    r = caller.put(f"/employees/me/conversations/{conversation}", json={"conversationAction": "End"})
    assert r.status_code == 200, r.text
    assert inbox(callee) == [] and inbox(caller) == []


def test_a_call_needs_a_number_and_one_of_the_callers_devices(live):
    sdk = live.sdk(live.token("lcummings", "password"))
    r = sdk.post("/employees/me/conversations", json={"type": "Voice", "to": ""})
    assert r.status_code == 400 and "model.to" in r.json()["modelState"]
    r = sdk.post("/employees/me/conversations", json={"type": "Voice", "from": "9999", "to": "7002"})
    assert r.status_code == 400 and "not a voice device" in r.json()["message"]
    offline = live.sdk(live.token("nacosta", "password"))
    r = offline.post("/employees/me/conversations", json={"type": "Voice", "to": "7002"})
    assert r.status_code == 400 and "not logged in" in r.json()["message"]
    sdk.post("/employees/me/conversations", json={"type": "Voice", "to": "0612345678"})
    r = sdk.post("/employees/me/conversations", json={"type": "Voice", "to": "7002"})  # already dialing
    assert r.status_code == 400 and "cannot make a call" in r.json()["message"]
