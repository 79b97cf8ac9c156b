"""The agent desktop (Agent Integration's IAgentClient) over socket.io, driven with python-socketio's own client.

Every request answers its documented type; requests the agent's state does not allow answer false; world
changes arrive as the document's events, whichever face made them.
"""

from __future__ import annotations

import pytest
from conftest import only_1001_world
from desktop_client import Desktop, connect

from micc_sim.faces.desktop.responses import REQUESTS

USER_INFORMATION = {"ExtensionNumber", "LoggedOn", "LoginID", "UserName", "ReadyStatus", "EmailReadyStatus",
                    "OpenMediaReadyStatus", "OASID", "OASServerName", "ChatReadyStatus", "RecordID",
                    "VoiceNotReadyReasonID", "VoiceNotReadyReasonString", "PhoneIPAddress"}
CALL = {"CallerName", "CallInfo", "IsCampaignCall", "CampaignCallInfo", "CanAnswer", "CanDeflect", "CanHangup",
        "CanHold", "CanRetrieve", "CanReject", "ConnectedTime", "ConsultingCallInfo", "EndTime", "ID", "Incoming",
        "PhoneNumber", "RecordingState", "StartTime", "State", "StateDescription", "PrivateData", "CalledNumber",
        "Type", "IVRData", "IVRLabels"}
CALL_INFORMATION = {"CallingNumber", "GroupName", "QueueDuration", "IVRData", "IVRLabels", "IVRDataString",
                    "IVRLabelString"}
OPEN_MEDIA = {"ID", "State", "StateDescription", "CallInfo", "StartTime", "ConnectedTime", "EndTime"}
CHAT = {"ID", "GroupName", "CustomerName", "CustomerID", "CustomerEmailAddress", "CustomerPhoneNumber", "State",
        "StateDescription", "StartTime", "ConnectedTime", "EndTime", "PrivateData"}
EMAIL = {"BodyText", "ConnectedTime", "EndTime", "GroupName", "ID", "SenderEmailAddress", "StartTime", "State",
         "StateDescription", "Subject"}
SMS = {"ConnectedTime", "EndTime", "GroupName", "ID", "Message", "SenderNumber", "StartTime", "State",
       "StateDescription"}
TAB = {"Index", "Name", "Symbol", "Selected", "InDockBar", "Focused"}
SAMPLE = {"int": 1, "str": "x", "bool": False, "datetime": "2026-11-23T10:00:00Z", "codes": []}
OFFERED, CONNECTED, HELD, CLERICAL, IDLE, DIALING, CALLING = 3, 6, 8, 99, 1, 2, 4


def answers(kind: str, value: object) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "void":
        return value is None
    if kind.endswith("[]"):
        return isinstance(value, list)
    return value is None or isinstance(value, dict)


def ring(live, **body) -> dict:
    r = live.http.post("/_sim/interactions", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_every_request_answers_its_documented_type_by_both_names(live):
    desk = connect(live, "tcervantes")
    last = ("Uninitialize", "CloseApplication")
    for req in sorted(REQUESTS.values(), key=lambda r: r.name in last):
        args = [SAMPLE[p.type] for p in req.params]
        if not req.js_only:
            assert answers(req.returns, desk(req.name, *args)), req.name
        camel = desk(req.camel, *args)
        if req.js:
            assert answers(req.returns, camel), req.camel
        else:
            assert camel["error"]["code"] == "not_in_javascript", req.camel
    assert desk("GetTab")["error"]["code"] == "unknown_request"  # GetTab is in the JavaScript interface only
    assert len(REQUESTS) == 88
    desk.close()


def test_the_documented_properties_and_enum_values(live):
    desk = connect(live, "lcummings")
    info = desk("GetUserInformation")
    assert set(info) == USER_INFORMATION
    assert info | {"LoggedOn": 1, "LoginID": "lcummings", "ExtensionNumber": "7001", "RecordID": 3001,
                   "ReadyStatus": True, "OASServerName": "MiVoice Business"} == info
    ring(live, media="Voice", queue="Support Voice", **{"from": "+15551230001"}, from_name="Ada",
         ivr={"IVR1": "12345", "Account": "A-9"})
    (call,) = desk.wait("OnCallEvent")
    assert set(call) == CALL and set(call["CallInfo"]) == CALL_INFORMATION
    assert (call["State"], call["StateDescription"], call["Type"], call["Incoming"]) == (OFFERED, "Offered", 1, True)
    assert call["CallInfo"]["GroupName"] == "Support Voice" and call["IVRLabels"] == ["IVR1", "Account"]
    assert call["CallInfo"]["IVRDataString"] == "12345,A-9" and call["EndTime"] == "0001-01-01T00:00:00"
    assert (call["CanAnswer"], call["CanReject"], call["CanHold"]) == (True, True, False)
    assert desk("GetCalls") == [call]
    assert desk("GetNotReadyReasons") == [{"ID": 100, "Name": "Lunch"}, {"ID": 101, "Name": "Meeting"},
                                         {"ID": 102, "Name": "Break"}]
    codes = desk("GetCQCodes", 9001)
    assert codes and set(codes[0]) == {"ID", "Code", "Name"}
    assert desk("EnterCQCodes", call["ID"], 2, [codes[0]]) is True
    assert desk("GetCallCQCodes", {"callId": call["ID"], "mediaType": 2}) == [codes[0]]
    assert desk("EnterCQCodes", call["ID"], 1, [codes[0]]) is False  # not a chat
    tabs = desk("GetAllTabs")
    assert tabs and all(set(t) == TAB for t in tabs)
    assert desk("getTab") == tabs[1] and desk("GetTabByName", "home") is None  # names match with case
    assert desk("SetTabHeaderSymbol", 0, "\u2605", "#FF0000") and desk("GetAllTabs")[0]["Symbol"] == "\u2605"
    assert desk("GetEmailTemplates")[0] == {"ID": 1, "Name": "Order confirmation"}
    desk.close()


def test_requests_the_agents_state_does_not_allow_answer_false(live):
    desk = connect(live, "lcummings")
    for request, args in [("AnswerActiveCall", []), ("HoldActiveCall", []), ("RetrieveActiveCall", []),
                          ("HangupActiveCall", []), ("ConferenceActiveCall", []), ("TransferCall", [12]),
                          ("AnswerCall", [12]), ("CancelClerical", [12]), ("RejectServiceCall", [12]),
                          ("EnterDtmfActiveCall", ["123"]), ("CanConference", []), ("CanTransfer", []),
                          ("RetrieveDispatchVoiceCall", [1]), ("ReserveDispatchEmail", [1, True]),
                          ("ClearCurrentAuthenticatingCall", []), ("StopMonitor", []), ("StopRecording", [0]),
                          ("SetReadyStatus", [False, 999, ""]), ("SetReadyStatus", [False, 0, "Nap"]),
                          ("StartMonitor", ["lcummings", False]), ("SelectTab", [7]),
                          ("TabNavigate", [0, "not a url"]), ("SendSMS", ["+1555", 9001]),
                          ("SubscribeRealTimeInformation", [0, "No Such Queue", True])]:
        assert desk(request, *args) is False, request
    assert desk("CanMakeCall") is True and desk("StartMonitor", "3002", True) is True
    assert desk("StartMonitor", "1001", False) is False  # one agent at a time

    closed = Desktop(live.base_url)  # no Agent application runs for this connection
    assert closed("GetCalls") == [] and closed("MakeCall", "123") is False and closed("GetUserInformation") is None
    assert closed("IsBSARunning") is False and closed("Initialize") is False
    closed.close()
    desk.close()


def test_bad_arguments_get_a_clear_error_and_the_connection_lives_on(live):
    desk = connect(live, "lcummings")
    for request, args in [("MakeCall", []), ("MakeCall", [{"nested": 1}]), ("AnswerCall", ["twelve"]),
                          ("SetReadyStatus", ["maybe"]), ("MakeCall", [{"Number": "1", "Colour": "red"}]),
                          ("EnterCQCodes", [1, 2, "codes"]), ("SetCampaignCallStatus", [1, 8, True, "soon"]),
                          ("HangupCall", [1, 2, 3])]:
        answer = desk(request, *args)
        assert answer["error"]["code"] == "invalid_arguments" and answer["error"]["message"], (request, answer)
    assert desk("Nothing")["error"]["code"] == "unknown_request"
    assert desk("SetReadyStatus", {"Status": "false", "Reason Name": "Lunch"}) is True  # lenient, named
    assert desk("GetUserInformation")["VoiceNotReadyReasonString"] == "Lunch"
    desk.close()


def test_an_application_launched_with_credentials_logs_the_agent_on_and_closing_it_logs_them_off(live):
    live.set_agent("1005", logged_in=False)
    desk = Desktop(live.base_url)
    assert [desk("IsBSARunning"), desk("CanInitialize"), desk("Initialize")] == [False, False, False]
    assert desk("LaunchBSAWithCredentials", "mflores", "wrong") is False
    assert desk("LaunchAgentWithParams", "1005", "password", "6005", "", "", "", "", 0, 1) is True
    desk.wait("OnApplicationReadyForInitialization")
    desk.wait("OnUserLogin")
    assert desk("IsRegistered") is False and desk("CanInitialize") is True and desk("GetCalls") == []
    assert desk("Initialize") is True and desk("IsRegistered") is True
    info = desk("GetUserInformation")
    assert (info["LoggedOn"], info["ExtensionNumber"], info["LoginID"]) == (1, "6005", "mflores")
    employee = next(e for e in live.world()["employees"] if e["reporting"] == "1005")
    assert employee["logged_in"] and employee["extension"] == "6005"
    assert desk("CloseApplication") is None
    desk.wait("OnApplicationClosed")
    assert not next(e for e in live.world()["employees"] if e["reporting"] == "1005")["logged_in"]
    assert desk("IsBSARunning") is False
    desk.close()


def test_a_connection_with_bad_credentials_is_refused(live):
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        Desktop(live.base_url, {"logonId": "lcummings", "password": "nope"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        Desktop(live.base_url, {"token": live.token()})  # the administrator is no agent
    desk = Desktop(live.base_url, {"token": live.token("lcummings", "password")})
    assert desk("GetUserInformation")["LoginID"] == "lcummings"
    desk.close()


def test_an_open_media_item_posted_over_rest_is_offered_answered_and_ended_on_the_desktop(live_with):
    live = live_with(world=only_1001_world())
    desk = connect(live, "tcervantes")
    assert desk("SetOpenMediaReadyStatus", False) is True
    (info,) = desk.wait("OnUserStatusUpdate")
    assert info["OpenMediaReadyStatus"] is False
    sdk = live.sdk(live.client_token())
    waiting = sdk.post("/openmedia", json={"queue": "Web Chat", "from": "Ada", "variableData": {"order": "42"}}).json()
    assert waiting["conversationState"] == "InQueue"
    assert desk("GetOpenMedia") == []

    assert desk("SetOpenMediaReadyStatus", True) is True
    (offer,) = desk.wait("OnOpenMediaEvent")
    assert set(offer) == OPEN_MEDIA and offer["State"] == OFFERED
    assert offer["CallInfo"]["CallingNumber"] == "Ada" and offer["CallInfo"]["IVRLabels"] == ["order"]
    item = waiting["id"]
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Offered"

    assert desk("AnswerCall", offer["ID"]) is True
    (accepted,) = desk.wait("OnOpenMediaEvent")
    assert accepted["State"] == CONNECTED and accepted["ConnectedTime"] != "0001-01-01T00:00:00"
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Acd"

    assert desk("HangupCall", offer["ID"]) is True
    (ended,) = desk.wait("OnOpenMediaEvent")
    assert ended["State"] == IDLE and ended["EndTime"] != "0001-01-01T00:00:00"
    assert sdk.get(f"/openmedia/{item}").status_code == 404  # handled: gone from the Open Media API
    assert next(i for i in live.world()["open_media"]["items"] if i["id"] == item)["state"] == "Handled"
    desk.close()


def test_an_inbound_call_rings_the_desktop_and_answer_hold_retrieve_hangup_move_it(live):
    desk = connect(live, "lcummings")
    call = ring(live, media="Voice", queue="Support Voice", **{"from": "+15551230001"})
    assert (call["state"], call["agent_id"]) == ("Ringing", next(
        e["id"] for e in live.world()["employees"] if e["username"] == "lcummings"))
    assert desk.wait("OnCallEvent")[0]["State"] == OFFERED
    steps = [("AnswerActiveCall", CONNECTED, "Connected"), ("HoldActiveCall", HELD, "Held"),
             ("RetrieveActiveCall", CONNECTED, "Connected"), ("HangupActiveCall", CLERICAL, "Clerical")]
    for request, state, world_state in steps:
        assert desk(request) is True, request
        assert desk.wait("OnCallEvent")[0]["State"] == state, request
        assert live.http.get(f"/_sim/interactions/{call['number']}").json()["state"] == world_state
    live.advance(30)  # the wrap-up time of the default world
    assert desk.wait("OnCallEvent", lambda c: c["State"] == IDLE)
    assert desk("GetCalls") == []
    desk.close()


def test_a_consultation_call_to_another_agent_and_a_transfer_hand_the_caller_over(live):
    first, second = connect(live, "lcummings"), connect(live, "cbartlett")
    live.set_agent("3002", profile="manual")
    ring(live, media="Voice", agent="3001", **{"from": "+15551230002"}, from_name="Grace")
    original = first.wait("OnCallEvent")[0]["ID"]
    assert first("AnswerCall", original) and first("HoldActiveCall") and first("CanMakeCall")
    assert first("MakeCall", "7002", "", False) is True
    assert first.wait("OnCallEvent", lambda c: c["State"] == CALLING)[0]["Type"] == 3  # Consultation
    consulted = second.wait("OnCallEvent")[0]
    assert (consulted["State"], consulted["PhoneNumber"], consulted["CallerName"]) == (OFFERED, "7001",
                                                                                       "Lisa Cummings")
    assert second("AnswerActiveCall") is True
    first.wait("OnCallEvent", lambda c: c["State"] == CONNECTED)
    assert first("CanTransfer") is True and first("CanConference") is True
    assert first("TransferCall", original) is True
    handed = second.wait("OnCallEvent", lambda c: c["PhoneNumber"] == "+15551230002")[0]
    assert handed["State"] == CONNECTED and handed["CallerName"] == "Grace"
    assert first("GetCalls") == []
    assert [c["State"] for c in second("GetCalls")] == [CONNECTED]
    first.close()
    second.close()


def test_an_outgoing_call_is_dialed_answered_recorded_and_conferenced(live):
    desk = connect(live, "lcummings")
    live.set_agent("3001", profile="manual")
    assert desk("StartRecording", 0, False) is True and desk("MakeCall", {"number": "5550100", "name": "Shop"})
    assert desk.wait("OnCallEvent")[0]["State"] == DIALING
    live.advance(1)
    assert desk.wait("OnCallEvent")[0]["State"] == CALLING
    live.advance(5)
    call = desk.wait("OnCallEvent")[0]
    assert (call["State"], call["RecordingState"], call["Incoming"], call["Type"]) == (CONNECTED, 2, False, 2)
    assert desk("EnterDtmfActiveCall", "12#") is True and desk("EnterDtmfActiveCall", "xyz") is False
    assert desk("SetPrivateData", call["ID"], "case 7") is True
    desk.wait("OnCallEvent", lambda c: c["PrivateData"] == "case 7")
    assert desk("HoldActiveCall") and desk("MakeCall", "5550101") and live.advance(6)
    assert desk("ConferenceActiveCall") is True
    assert [c["State"] for c in desk("GetCalls")] == [10, 10]
    assert desk("HangupCall", call["ID"]) is True
    assert [c["State"] for c in desk("GetCalls")] == [CONNECTED]  # the other party stays
    assert desk("StopRecording", 0) is False  # only the first call was to be recorded, and it is over
    assert desk("StartRecording", {"allCalls": True}) is True
    assert [c["RecordingState"] for c in desk("GetCalls")] == [2]
    assert desk("StopRecording", 0) is True and [c["RecordingState"] for c in desk("GetCalls")] == [0]
    desk.close()


def test_dispatch_events_add_update_and_delete_a_waiting_call_the_agent_reserves_and_retrieves(live):
    desk = connect(live, "lcummings")
    live.set_agent("3002", ready_media=[])
    assert desk("SetReadyStatus", False, 0, "Break") is True
    assert desk("EnableDispatchEvents", True) and desk("SubscribeDispatchVoiceCalls", 9001, True)
    call = ring(live, media="Voice", queue="Support Voice", **{"from": "+15551230003"}, to="8000")
    added, update = desk.wait("OnDispatchVoiceCallEvent")
    assert update == 0 and added["ID"] == call["number"] and added["ServiceGroupID"] == 9001
    assert (added["Number"], added["CalledNumber"], added["ReservedAgentID"]) == ("+15551230003", "8000", 0)
    assert desk("ReserveDispatchVoiceCall", call["number"], True) is True
    reserved, update = desk.wait("OnDispatchVoiceCallEvent")
    assert update == 1 and (reserved["ReservedAgentID"], reserved["ReservedAgentName"]) == (3001, "Lisa Cummings")
    assert desk("RetrieveDispatchVoiceCall", call["number"]) is True
    assert desk.wait("OnDispatchVoiceCallEvent")[1] == 2
    assert desk.wait("OnCallEvent")[0]["State"] == CONNECTED
    desk.close()


def test_a_campaign_customer_is_retrieved_as_a_campaign_call_and_given_a_status(live):
    desk = connect(live, "lcummings")
    live.set_agent("3001", profile="manual")
    assert desk("EnableDispatchEvents", True) and desk("SubscribeDispatchCampaignCalls", 0, True)
    ring(live, media="Voice", kind="campaign", queue="Support Voice", **{"from": "5550177"},
         campaign={"id": 7, "name": "Renewals", "customer_id": 4242, "customer_name": "Ada",
                   "fields": {"Plan": "Gold"}})
    customer, update = desk.wait("OnDispatchCampaignCallEvent")
    assert (customer["ID"], customer["CampaignID"], customer["Fields"], update) == (
        4242, 7, [{"Label": "Plan", "Data": "Gold"}], 0)
    assert desk("RetrieveDispatchCampaignCall", 4242) is True
    call = desk.wait("OnCallEvent")[0]
    assert (call["State"], call["IsCampaignCall"], call["CampaignCallInfo"]["CampaignName"]) == (DIALING, True,
                                                                                               "Renewals")
    assert desk("SetCampaignCallStatus", call["ID"], 3) is False  # not a status
    assert desk("SetCampaignCallStatus", call["ID"], 16, True, "2026-11-23T10:00:00Z") is False  # callback needs 8
    assert desk("SetIVRData", call["ID"], "Plan", "Platinum") is True
    assert desk("SetCampaignCallStatusAndCloseForm", call["ID"], 8, True, "2026-11-23T10:00:00Z") is True
    info = desk.wait("OnCallEvent", lambda c: c["CampaignCallInfo"]["CallStatus"] == 8)[0]["CampaignCallInfo"]
    assert info["Fields"] == [{"Label": "Plan", "Data": "Platinum"}]
    desk.close()


def test_chats_e_mails_and_sms_reach_the_desktop_and_are_handled_by_call_id(live):
    desk = connect(live, "mfoster")
    live.set_agent("2001", profile="manual")
    live.set_agent("2002", logged_in=False)
    live.set_agent("1004", logged_in=False)
    ring(live, media="Chat", queue="Sales Chat", from_name="Ada", email="ada@example.com")
    (chat,) = desk.wait("OnChatEvent")
    assert set(chat) == CHAT and (chat["State"], chat["GroupName"], chat["CustomerName"]) == (OFFERED, "Sales Chat",
                                                                                              "Ada")
    assert desk("AnswerCall", chat["ID"]) and desk.wait("OnChatEvent")[0]["State"] == CONNECTED
    assert desk("HangupCall", chat["ID"]) and desk.wait("OnChatEvent")[0]["State"] == CLERICAL
    assert desk("CancelClerical", chat["ID"]) and desk.wait("OnChatEvent")[0]["State"] == IDLE

    assert desk("SetEmailReadyStatus", True) is True
    ring(live, media="Email", agent="2001", **{"from": "ada@example.com"}, subject="Invoice", body="Hello")
    (mail,) = desk.wait("OnEmailEvent")
    assert set(mail) == EMAIL and (mail["State"], mail["StateDescription"], mail["Subject"]) == (101, "Offered",
                                                                                                 "Invoice")
    assert desk("AnswerCall", mail["ID"]) and desk.wait("OnEmailEvent")[0]["State"] == 102
    assert desk("HangupCall", mail["ID"]) and desk.wait("OnEmailEvent")[0]["State"] == IDLE
    ring(live, media="Sms", agent="2001", **{"from": "+15550009"}, body="Call me")
    (text,) = desk.wait("OnSMSEvent")
    assert set(text) == SMS and (text["Message"], text["SenderNumber"]) == ("Call me", "+15550009")
    assert desk("GetSMS") == [text]
    desk.close()


def test_status_changes_from_rest_and_control_show_on_the_desktop(live):
    desk = connect(live, "lcummings")
    assert desk("SetReadyStatus", {"status": False, "reasonId": 101}) is True
    (info,) = desk.wait("OnUserStatusUpdate")
    assert (info["ReadyStatus"], info["VoiceNotReadyReasonID"], info["VoiceNotReadyReasonString"]) == (
        False, 101, "Meeting")
    assert "Voice" not in next(e for e in live.world()["employees"] if e["reporting"] == "3001")["ready_media"]
    assert desk("SetReadyStatus", True) is True
    assert desk.wait("OnUserStatusUpdate")[0]["ReadyStatus"] is True

    sdk = live.sdk(live.token("lcummings", "password"))
    assert sdk.put("/employees/me/state", json={"state": "Busy", "reason": "Lunch"}).status_code == 200
    info = desk.wait("OnUserStatusUpdate")[0]
    assert (info["ReadyStatus"], info["VoiceNotReadyReasonString"], info["VoiceNotReadyReasonID"]) == (
        False, "Lunch", 100)
    live.set_agent("3001", logged_in=False)
    assert desk.wait("OnUserStatusUpdate")[0]["LoggedOn"] == 0
    live.set_agent("3001", logged_in=True)
    desk.wait("OnUserLogin")
    desk.close()


def test_real_time_information_follows_the_calls_waiting_in_a_service_group(live):
    desk = connect(live, "lcummings")
    live.set_agent("3001", logged_in=True, ready_media=[])
    live.set_agent("3002", ready_media=[])
    assert desk("SubscribeRealTimeInformation", {"serviceGroupId": 9001, "subscribe": True}) is True
    assert desk.wait("OnRealTimeInformationUpdate")[0] == {"ServiceGroupID": 9001,
                                                            "ServiceGroupName": "Support Voice", "CallsInQueue": 0}
    ring(live, media="Voice", queue="P9001")
    assert desk.wait("OnRealTimeInformationUpdate")[0]["CallsInQueue"] == 1
    sdk = live.sdk(live.token())
    state = next(q for q in sdk.get("/queues/states").json()["_embedded"]["items"] if q["reporting"] == "P9001")
    assert state["waitingConversations"] == 1  # Queue Now of the MiCC SDK counts the call too
    desk.close()


def test_a_disconnect_fault_drops_the_connection_before_the_event(live):
    desk = connect(live, "lcummings")
    rule = live.http.post("/_sim/faults", json={"kind": "disconnect", "face": "desktop", "path": "OnCallEvent",
                                                "count": 1}).json()
    ring(live, media="Voice", agent="3001")
    for _ in range(100):
        if not desk.client.connected:
            break
        import time
        time.sleep(0.05)
    assert not desk.client.connected and "OnCallEvent" not in desk.names()
    assert live.http.get("/_sim/faults").json()["rules"][0]["fired"] == 1 == rule["count"]
    again = connect(live, "lcummings")
    assert [c["State"] for c in again("GetCalls")] == [OFFERED]  # the world went on; only the connection dropped
    again.close()


def test_a_snapshot_with_calls_and_chats_restores_byte_for_byte(live):
    ring(live, media="Voice", queue="Support Voice", ivr={"IVR1": "1"})
    ring(live, media="Voice", kind="common_hold", **{"from": "5551"})
    ring(live, media="Chat", queue="Sales Chat")
    live.advance(3)
    saved = live.http.get("/_sim/snapshot").content
    live.advance(200)
    assert live.http.get("/_sim/snapshot").content != saved
    assert live.http.post("/_sim/restore", content=saved).status_code == 200
    assert live.http.get("/_sim/snapshot").content == saved
    live.advance(200)  # the restored timers fire: the virtual agents hang up
    states = {i["state"] for i in live.http.get("/_sim/interactions").json()["items"]}
    assert states <= {"Ended", "Clerical", "Queued"} and "Ended" in states


def test_the_control_api_refuses_bad_interactions_clearly(live):
    for body, status in [({"media": "Voice"}, 400), ({"media": "Fax", "queue": "Support Voice"}, 400),
                         ({"media": "Chat", "queue": "Support Voice"}, 400), ({"media": "Voice", "queue": "Nope"}, 404),
                         ({"media": "Voice", "agent": "1005"}, 400), ({"media": "Chat", "kind": "campaign"}, 400)]:
        r = live.http.post("/_sim/interactions", json=body)
        assert r.status_code == status and r.json()["error"]["message"], body
    call = ring(live, media="Voice", queue="Support Voice")
    assert live.http.delete(f"/_sim/interactions/{call['id']}").json()["state"] == "Abandoned"
    assert live.http.delete(f"/_sim/interactions/{call['id']}").status_code == 409
    assert live.http.get("/_sim/interactions/999").status_code == 404



def test_the_micc_sdk_shows_calls_chats_and_messages_in_the_inbox_and_the_queues(live):
    from contract import assert_conforms

    live.set_agent("3001", profile="manual")
    live.set_agent("3002", ready_media=[])
    desk = connect(live, "lcummings")
    call = ring(live, media="Voice", queue="Support Voice", **{"from": "+15551230004"}, to="8000")
    waiting = ring(live, media="Voice", queue="Support Voice", **{"from": "+15551230005"})
    agent = live.sdk(live.token("lcummings", "password"))
    inbox = agent.get("/employees/me/conversations", params={"type": "active"})
    assert_conforms(inbox, "Employee_GetEmployeeConversations")
    (mine,) = inbox.json()["_embedded"]["items"]
    assert (mine["conversationId"], mine["mediaType"], mine["conversationState"], mine["ani"], mine["dnis"]) == (
        call["id"], "Voice", "Offered", "+15551230004", "8000")
    assert desk("AnswerCall", call["number"]) is True
    assert agent.get(f"/employees/me/conversations/{call['id']}").json()["conversationState"] == "Acd"
    queue = live.sdk(live.token()).get("/queues/P9001/conversations")
    assert_conforms(queue, "Queue_GetQueueConversations")
    assert [(c["conversationId"], c["positionInQueue"]) for c in queue.json()["_embedded"]["items"]] == [
        (waiting["id"], 1)]
    state = agent.get("/employees/me/state").json()
    assert state["presence"]["aggregate"]["acdState"] == "Acd" and state["acdVoiceConversationsToday"] == 1
    desk.close()


def test_the_desktop_page_documents_every_request_and_event():
    from pathlib import Path

    from micc_sim.faces.desktop.wire import DISPATCH_EVENTS

    text = (Path(__file__).parent.parent / "docs" / "desktop.md").read_text(encoding="utf-8")
    for req in REQUESTS.values():
        assert f"`{req.camel if req.js_only else req.name}`" in text, req.name
        assert not req.js or f"`{req.camel}`" in text, req.camel
    events = ["OnApplicationClosed", "OnApplicationReadyForInitialization", "OnCallEvent", "OnEmailEvent",
              "OnSMSEvent", "OnOpenMediaEvent", "OnRegistrationStatus", "OnUserLogin", "OnUserStatusUpdate",
              "OnChatEvent", "OnRealTimeInformationUpdate", *DISPATCH_EVENTS.values()]
    assert all(f"| `{event}` |" in text for event in events)
