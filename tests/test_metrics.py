"""The simulator's own time series (GET /_sim/metrics/series) and its Prometheus face (GET /_sim/metrics)."""

from __future__ import annotations

from conftest import only_1001_world
from prometheus_client.parser import text_string_to_metric_families


def _series(live, **params):
    r = live.http.get("/_sim/metrics/series", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_series_samples_a_queue_on_the_simulated_clock(live):
    sdk = live.sdk(live.client_token())
    live.http.delete("/_sim/metrics/series")
    for _ in range(6):  # four agents take four; two wait
        sdk.post("/openmedia", json={"queue": "Web Chat"})
    live.advance(10)
    series = _series(live, queue="P7001")
    assert series["queue"]["name"] == "Web Chat"
    last = series["samples"][-1]
    assert last["at"] == "2026-11-22T09:00:10Z"  # stamped with simulated time
    assert (last["waiting"], last["offered"], last["answered"], last["agents_busy"]) == (2, 6, 4, 4)
    assert last["longest_wait"] == 10 and last["agents_logged_in"] == 4  # 1005 is logged out
    live.advance(200)  # the first four are handled after 123 s, the two waiting taken
    last = _series(live, queue="Web Chat")["samples"][-1]
    assert (last["waiting"], last["handled"], last["live"]) == (0, 4, 2)
    assert len(_series(live, since="2026-11-22T09:00:10Z")["samples"]) == 1  # only what came after


def test_the_peak_counts_every_item_waiting_even_between_samples(live_with):
    live = live_with(world=only_1001_world("never"))  # one agent that lets every offer ring out
    live.http.delete("/_sim/metrics/series")
    sdk = live.sdk(live.client_token())
    ids = [sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"] for _ in range(4)]
    for item in ids[1:3]:  # two of the three waiting give up before the clock moves
        sdk.put(f"/openmedia/{item}", json={"action": "Complete"})
    live.advance(60)  # the offer rings out: back in the queue, and the last one is offered
    series = _series(live, queue="Web Chat")
    assert max(s["waiting"] for s in series["samples"]) < 3  # no sample saw three waiting...
    assert series["peak_waiting"] == 3 and series["peaks"]["P7001"] == 3  # ...the peak did
    ledger = series["interactions"]
    assert ledger["created"] == 4 and ledger["states"] == {"Abandoned": 2, "InQueue": 1, "Offered": 1}
    assert ledger["live"] == 2 and ledger["world_replaced"] is False


def test_clearing_starts_the_ledger_afresh_and_a_reset_is_reported(live):
    sdk = live.sdk(live.client_token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    assert live.http.delete("/_sim/metrics/series").json() == {"cleared": True}
    series = _series(live)
    assert series["interactions"]["created"] == 0 and series["interactions"]["states"] == {}
    assert len(series["samples"]) == 1 and series["queue"] is None
    live.http.post("/_sim/reset")
    sdk = live.sdk(live.client_token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    assert _series(live)["interactions"]["world_replaced"] is True
    assert live.http.get("/_sim/metrics/series", params={"queue": "Nope"}).status_code == 404
    assert live.http.get("/_sim/metrics/series", params={"since": "yesterday"}).json()["error"]["code"] == \
        "invalid_query"


def test_items_live_before_the_clear_do_not_count_in_the_run(live):
    """``micc-sim load --base-url`` against a server that already had work: what ends during the run of the earlier
    items is not the run's (it made InQueue and Acd negative)."""
    sdk = live.sdk(live.client_token())
    before = [sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"] for _ in range(6)]
    live.advance(5)  # the earlier items are accepted by the agents
    live.http.delete("/_sim/metrics/series")
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    for item in before:
        sdk.put(f"/openmedia/{item}", json={"action": "Complete"})
    ledger = _series(live)["interactions"]
    assert ledger["created"] == 1 and all(n > 0 for n in ledger["states"].values()), ledger
    assert sum(ledger["states"].values()) == 1 and ledger["live"] == 1


def test_prometheus_reads_the_same_numbers(live):
    sdk = live.sdk(live.client_token())
    for _ in range(5):
        sdk.post("/openmedia", json={"queue": "Web Chat"})
    r = live.http.get("/_sim/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(r.text) for s in family.samples}
    web_chat = (("queue", "Web Chat"), ("reporting", "P7001"))
    assert samples[("micc_sim_queue_waiting", web_chat)] == 1
    assert samples[("micc_sim_queue_offered_total", web_chat)] == 5
    assert samples[("micc_sim_agents", (("state", "busy"),))] == 4
    assert samples[("micc_sim_interactions_live", ())] == 5


def test_prometheus_has_the_worlds_figures_faults_fired_and_notification_outcomes(live):
    sdk = live.sdk(live.client_token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    rule = live.http.post("/_sim/faults", json={"kind": "busy", "face": "miccsdk", "count": 1}).json()
    assert sdk.get("/openmedia").status_code == 503
    text = live.http.get("/_sim/metrics").text
    assert 'micc_sim_open_media_items{state="Offered"} 1.0' in text
    assert 'micc_sim_agents_by_presence{presence="Available"}' in text
    assert f'micc_sim_faults_fired_total{{face="miccsdk",kind="busy",rule="{rule["id"]}"}} 1.0' in text
    assert 'micc_sim_notifications_finished_total{outcome="delivered"} 0.0' in text
    assert 'micc_sim_notifications_pending{state="retrying"} 0.0' in text


def test_prometheus_counts_requests_by_face_operation_and_status_with_latency_and_connections(live):
    import socketio

    sdk = live.sdk(live.client_token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    sdk.get("/openmedia/not-an-item")
    import re

    desk = socketio.Client()
    token = re.search(r'name="micc-sim-token" content="([^"]+)"', live.http.get("/_sim/dashboard").text).group(1)
    desk.connect(live.base_url, namespaces=["/dashboard"], transports=["websocket"], auth={"token": token})
    try:
        text = live.http.get("/_sim/metrics").text
    finally:
        desk.disconnect()
    lines = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
             if line and not line.startswith("#")}
    posted = [k for k in lines if k.startswith("micc_sim_http_requests_total{") and 'status="201"' in k]
    assert posted == ['micc_sim_http_requests_total{face="miccsdk",operation="OpenMedia_PostOpenMedia",'
                      'status="201"}'] and lines[posted[0]] == 1.0
    assert any('status="404"' in k and 'face="miccsdk"' in k for k in lines)
    assert lines['micc_sim_http_requests_total{face="authorizationserver",operation="Token_PostToken",'
                 'status="200"}'] == 1.0
    assert lines['micc_sim_http_request_duration_seconds_count{face="miccsdk"}'] == 2.0
    assert lines['micc_sim_http_request_duration_seconds_bucket{face="miccsdk",le="+Inf"}'] == 2.0
    assert lines['micc_sim_connections{transport="socketio"}'] == 1.0
    assert lines['micc_sim_connections{transport="signalr"}'] == 0.0
    assert lines['micc_sim_connections{transport="mqtt"}'] == 0.0


def test_the_grafana_dashboard_queries_only_metrics_the_simulator_exports(live):
    import json
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).parent.parent / "docs" / "grafana-dashboard.json").read_text())
    queried = {m for p in dashboard["panels"] for t in p["targets"] for m in re.findall(r"micc_sim_\w+", t["expr"])}
    exported = set(re.findall(r"^# TYPE (micc_sim_\w+) (\w+)", live.http.get("/_sim/metrics").text, re.M))
    names = {n for n, kind in exported} | {f"{n}_total" for n, k in exported if k == "counter"} | {
        f"{n}_bucket" for n, k in exported if k == "histogram"}
    assert queried and queried <= names, queried - names
