"""Diagnostics report the simulator's real state: monitor counts include the real-time hubs' subscriptions and
the monitors registered through the SDK, the router answers commands from the world's routing state, and an
employee's SignalR connections are the ones they hold."""

from __future__ import annotations

from micc_sim.harness.clients.signalr import HubConnection

# the operations these tests exercise (the suite's guard looks for each id)
COVERS = [
    "Diagnostics_GetEmployeeStateMonitorCount", "Diagnostics_GetAgentStateMonitorCount",
    "Diagnostics_GetAgentInboxMonitorCount", "Diagnostics_PostEmployeeStateMonitor",
    "Diagnostics_PostAgentStateMonitors", "Diagnostics_PostAgentInboxMonitors",
    "Diagnostics_DeleteEmployeeStateMonitor", "Diagnostics_DeleteAgentStateMonitors",
    "Diagnostics_DeleteAgentInboxMonitors", "Diagnostics_GetSignalRConnectionsById"
]

def agent(admin, reporting: str) -> dict:
    return next(e for e in admin.get("/employees").json()["_embedded"]["items"] if e.get("reporting") == reporting)


def test_monitor_counts_are_the_hubs_subscriptions_and_the_registered_ones(live):
    admin = live.sdk(live.token())
    a = agent(admin, "1001")
    base = f"/diagnostics/employees/{a['id']}"
    assert admin.get(f"{base}/statemonitor").json() == "0"
    token = live.token(a["username"], "password")
    hub = HubConnection(live.base_url, token, ["employeeHub"], lambda *args: None).start()
    try:
        hub.invoke("employeeHub", "addSelfMonitor")
        assert admin.get(f"{base}/statemonitor").json() == "1"
        assert admin.get(f"{base}/agentinboxmonitors").json() == "1"
        assert admin.post(f"{base}/statemonitor/true").json() == "1"  # one exists: skipped
        assert admin.post(f"{base}/statemonitor/false").json() == "2"
        assert admin.get(f"{base}/statemonitor").json() == "2"
        connections = admin.get(f"/diagnostics/signalrconnections/{a['id']}").json()
        assert len(connections) == 1
        assert admin.get(f"/diagnostics/signalrconnections/{agent(admin, '1002')['id']}").json() == []
    finally:
        hub.close()
    assert admin.delete(f"{base}/statemonitor").json() == "1"
    assert admin.get(f"{base}/agentstatemonitors").json() == "0"
    assert admin.post(f"{base}/agentstatemonitors/true").json() == "1"
    assert admin.delete(f"{base}/agentstatemonitors").json() == "1"
    assert admin.post(f"{base}/agentinboxmonitors/false").json() == "1"  # the hub connection is closed now
    assert admin.delete(f"{base}/agentinboxmonitors").json() == "1"
    assert admin.get(f"{base}/agentinboxmonitors").json() == "0"
    assert admin.post(f"{base}/agentstatemonitors/maybe").status_code == 400
    assert admin.get("/diagnostics/employees/nobody/statemonitor").status_code == 404
    me = live.sdk(token)
    assert me.get(f"{base}/statemonitor").status_code == 403


def test_the_router_answers_from_the_world(live):
    admin = live.sdk(live.token())
    assert "Queues:" in admin.post("/diagnostics/router", json={"commandName": "Help"}).json()
    live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat"})
    items = admin.post("/diagnostics/router", json={"commandName": "Items"}).json()
    assert "Offered: 1" in items
    queues = admin.post("/diagnostics/router", json={"commandName": "Queues"}).json()
    assert "P7004 Training: waiting 0, available 0, offline" in queues
    assert admin.post("/diagnostics/router", json={"commandName": "Reboot"}).status_code == 400


def test_a_problem_report_is_kept(live):
    sdk = live.sdk(live.client_token())
    r = sdk.post("/diagnostics/problemreports", json={"application": "Talkative", "description": "Chat stuck",
                                                      "logs": ["12:00 timeout"]})
    assert r.status_code == 200, r.text
    [report] = live.sim.world.diagnostics.reports
    assert (report.id, report.application, report.logs) == (r.json(), "Talkative", ("12:00 timeout",))
    assert sdk.post("/diagnostics/problemreports", json={}).status_code == 400
