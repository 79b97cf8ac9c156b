"""Every stateful read of the MiCC SDK answers from the world, as the contract documents it."""

from __future__ import annotations

import pytest
from contract import assert_conforms

from micc_sim.faces.micc.sdk import HANDLERS
from micc_sim.spec.contract import load_contract

ADMIN = "_admin"


@pytest.fixture
def ids(live):
    world = live.world()
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "read me"}).json()["id"]
    live.advance(3)  # accepted by 1001: it stays theirs when they go Away
    for reporting in ("1001", "1002", "1003", "1004"):
        live.set_agent(reporting, presence="Away")
    waiting = sdk.post("/openmedia", json={"queue": "Overflow"}).json()["id"]
    agent = next(e for e in world["employees"] if e["reporting"] == "1001")
    return {
        "item": item, "waiting": waiting, "agent": agent["id"], "agent_user": agent["username"],
        "queue": next(q["id"] for q in world["queues"] if q["name"] == "Overflow"),
        "group": next(g["id"] for g in world["agent_groups"] if g["name"] == "Open Media Agents"),
        "server": world["media_servers"][0]["id"], "site": world["site"]["id"],
        "reason": "Lunch",
    }


READS = [
    ("Employee_GetEmployeeAgentGroups", "/employees/{agent}/agentgroups", 1),
    ("Employee_GetEmployeeQueues", "/employees/{agent}/queues", 4),
    ("Queue_GetQueue", "/queues/{queue}", None),
    ("Queue_GetQueueConversation", "/queues/{queue}/conversations/{waiting}", None),
    ("Queue_GetGroupStates", "/queuegroups/states", 3),  # one queue group per media of the world's queues
    ("Agents_GetAgents", "/agents", 10),
    ("Agents_GetAgent", "/agents/{agent}", None),
    ("Agent_GetAgentGroups", "/agentgroups", 4),
    ("Agents_GetAgentGroup", "/agentgroups/{group}", None),
    ("Agents_GetAgentGroupStates", "/agentgroups/{group}/states", 5),
    ("Agents_GetAgentLicenses", "/agents/licenses", None),
    ("Status_GetStatus", "/status", None),
    ("Site_GetSite", "/sites/{site}", None),
    ("MediaServer_GetMediaServer", "/mediaservers/{server}", None),
    ("MediaServer_GetMediaServerTimes", "/mediaservers/times", None),
    ("ReasonCode_GetReasonCode", "/reasoncodes/{reason}", None),
    ("Directory_GetDirectoryEntries", "/directory", 24),  # 12 employees, 7 queues, 5 contacts
    ("Directory_GetDirectoryEntry", "/directory/{queue}", None),
    ("Employee_GetEmployeeConversation", "/employees/{agent}/conversations/{item}", None),
]


@pytest.mark.parametrize(("operation_id", "template", "count"), READS, ids=[r[0] for r in READS])
def test_stateful_reads_conform_and_reflect_the_world(live, ids, operation_id, template, count):
    assert operation_id in HANDLERS
    sdk = live.sdk(live.token())
    r = sdk.get(template.format(**ids))
    assert r.status_code == 200, r.text
    assert_conforms(r, operation_id)
    if count is not None:
        assert r.json()["count"] == count


def test_every_stateful_operation_is_exercised_by_the_suite():
    """A guard for this file and its siblings: each stateful operation id appears in some test."""
    from pathlib import Path

    text = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    paths = {op.operation_id: op.path for op in load_contract("micc-sdk").operations}
    untested = [op for op in HANDLERS if op not in text and paths[op].split("{")[0].rstrip("/") + '"' not in text]
    assert untested == [], untested


def test_the_status_reports_ready_and_its_up_time(live):
    sdk = live.sdk(live.token())
    live.advance(90)
    sdk = live.sdk(live.token())
    status = sdk.get("/status").json()
    assert status["isReady"] is True and status["applicationUpTime"] == "00:01:30"


def test_classification_codes_are_stored_on_the_item(live, ids):
    sdk = live.sdk(live.token(ids["agent_user"], "password"))
    r = sdk.put(f"/employees/me/conversations/{ids['item']}",
                json={"conversationAction": "EnterClassificationCode", "tags": [{"key": "Sales", "value": "Sales"}]})
    assert r.status_code == 200, r.text
    assert live.sim.world.item(ids["item"]).classification_codes == ["Sales"]
    r = sdk.put(f"/employees/me/conversations/{ids['item']}", json={"conversationAction": "EnterClassificationCode"})
    assert r.status_code == 400


def test_a_supervisor_sets_several_states_at_once(live, ids):
    sdk = live.sdk(live.token("amyers", "password"))
    r = sdk.put("/employees/states", json=[{"deviceId": "1002", "state": "Offline"},
                                           {"deviceId": "1003", "state": "Busy", "reason": "Meeting"}])
    assert r.status_code == 200, r.text
    employees = {e["reporting"]: e for e in live.world()["employees"]}
    assert employees["1002"]["logged_in"] is False and employees["1003"]["presence"] == "Busy"
    agent = live.sdk(live.token(ids["agent_user"], "password"))
    assert agent.put("/employees/states", json=[{"deviceId": "1002", "state": "Offline"}]).status_code == 403


def test_a_transfer_to_an_employee_needs_one_who_can_take_it(live, ids):
    sdk = live.sdk(live.token())
    r = sdk.put(f"/queues/{ids['queue']}/conversations/{ids['waiting']}",
                json={"conversationAction": "Transfer", "transferDestinationType": "Employee",
                      "transferDestination": "1005"})
    assert r.status_code == 400 and "not available" in r.json()["message"]  # 1005 is logged out
    live.set_agent("1005", logged_in=True)
    # logging 1005 in makes them take the waiting item on their own, being in the Overflow groups
    assert sdk.get(f"/openmedia/{ids['waiting']}").json()["agentReporting"] == "1005"


def test_an_agent_picks_a_waiting_item_out_of_the_queue(live, ids):
    live.set_agent("1002", presence="Available")  # ... with no other item routed to them meanwhile
    sdk = live.sdk(live.token("amyers", "password"))
    picker = next(e["username"] for e in live.world()["employees"] if e["reporting"] == "1002")
    agent = live.sdk(live.token(picker, "password"))
    assert sdk.get(f"/openmedia/{ids['waiting']}").json()["agentReporting"] == "1002"  # routed at once
    live.set_agent("1002", presence="Away")  # the offer goes back to the queue
    r = agent.put(f"/employees/me/conversations/{ids['waiting']}", json={"conversationAction": "Pick"})
    assert r.status_code == 200, r.text
    picked = agent.get(f"/openmedia/{ids['waiting']}").json()
    assert picked["conversationState"] == "Acd" and picked["agentReporting"] == "1002"


def test_the_directory_filters_by_entry_type_as_seed_002_writes_it(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/directory", params={"$filter": "Type eq Mitel.MiccSdk.Models.DirectoryEntryType'Queue'"})
    assert r.status_code == 200
    assert r.json()["count"] == 7 and {e["type"] for e in r.json()["_embedded"]["items"]} == {"Queue"}


def test_history_needs_its_search(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/history")
    assert r.status_code == 400 and "$search" in r.json()["modelState"]
    assert sdk.get("/history", params={"$search": "_exists_:lastagentid;media:Voice"}).status_code == 200
