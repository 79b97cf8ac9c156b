"""``micc-sim load``: tiny locust runs (a few seconds, a few users) judged from the simulator's side."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys

import pytest

from micc_sim.cli import main

# never import locust here: it patches the standard library (gevent) in the process that imports it
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None,
                                reason="the `load` extra (the `test` extra includes it)")


def _verdict(folder) -> dict:
    return json.loads((folder / "verdict.json").read_text())


def _open_the_report_in_a_browser(report, charts=6):
    """Headless Chromium draws every chart of the report from the file alone, with no error."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(report.as_uri())
            page.wait_for_selector("#charts canvas")
            drawn = page.evaluate("""() => [...document.querySelectorAll('#charts canvas')].map(c =>
                c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0))""")
            assert len(drawn) == charts and all(drawn), drawn  # queue-cap: the queue's four charts, locust's two
            page.screenshot(path=str(report.with_name("report.png")), full_page=True)
            assert errors == []
        finally:
            browser.close()


def _checks(verdict: dict) -> dict[str, bool]:
    return {c["name"]: c["passed"] for c in verdict["checks"]}


def test_queue_cap_run_passes_and_writes_its_reports(tmp_path, capsys):
    """A simulator of its own (scaled clock); chats arrive faster than four agents take them."""
    code = main(["load", "queue-cap", "--duration", "4", "--cap", "3", "--rate", "10", "--poll", "0.25", "--quiet",
                 "--report-dir", str(tmp_path)])
    assert code == 0, (tmp_path / "verdict.json").read_text() if code == 1 else capsys.readouterr().err
    verdict = _verdict(tmp_path)
    assert verdict["passed"] and _checks(verdict) == {"queue cap": True, "no interaction lost": True}
    assert verdict["peak_waiting"] == 3  # the cap was reached, never passed
    ledger = verdict["interactions"]
    assert ledger["created"] == sum(ledger["states"].values()) > 3
    for name in ("locust_stats.csv", "locust_stats_history.csv", "locust.html", "series.json", "series.csv",
                 "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "plots.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "report.html").read_text()
    assert "PASS" in page and "items waiting" in page and "uPlot" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # one self-contained file: nothing fetched
    _open_the_report_in_a_browser(tmp_path / "report.html")
    series = json.loads((tmp_path / "series.json").read_text())["queue"]
    assert series["queue"]["name"] == "Web Chat" and max(s["waiting"] for s in series["samples"]) <= 3


def test_an_integration_that_ignores_the_cap_fails_the_run(live_with, tmp_path, capsys):
    """The api-mix profile (readers and a feeding integration) against a running simulator."""
    live = live_with(clock="scaled", clock_scale=60, token_lifetime=86400)
    code = main(["load", "api-mix", "--base-url", live.base_url, "--users", "3", "--spawn-rate", "3",
                 "--duration", "3", "--cap", "2", "--rate", "10", "--ignore-cap", "--quiet",
                 "--report-dir", str(tmp_path)])
    assert code == 1, capsys.readouterr()
    verdict = _verdict(tmp_path)
    assert _checks(verdict) == {"queue cap": False, "no interaction lost": True}
    assert verdict["peak_waiting"] > 2
    stats = (tmp_path / "locust_stats.csv").read_text()
    reads = [read for read in ("/queues/states", "/queues/{id}/state", "/agents/states", "/openmedia/{id}")
             if f"GET,{read}," in stats]
    assert reads  # the readers read (which of their tasks a few seconds pick is chance)


def test_a_distributed_run_with_a_master_and_two_workers_completes(live_with, tmp_path, capsys):
    """The agents profile, on a master and two local workers, with drawn behaviour and not-ready spells."""
    live = live_with(clock="scaled", clock_scale=60, token_lifetime=86400, seed=3)
    code = main(["load", "agents", "--base-url", live.base_url, "--workers", "2", "--users", "3",
                 "--spawn-rate", "3", "--duration", "3", "--cap", "4", "--rate", "5", "--agents", "2",
                 "--accept-delay", "uniform:1:5", "--handle-time", "lognormal:60:0.5",
                 "--not-ready", "every=exponential:120,lasts=uniform:30:90,reason=Break", "--quiet",
                 "--report-dir", str(tmp_path)])
    log = (tmp_path / "locust.log").read_text()
    verdict = tmp_path / "verdict.json"
    assert code == 0, verdict.read_text() if verdict.exists() else (capsys.readouterr().err, log[-3000:])
    assert "2 workers connected" in log
    verdict = _verdict(tmp_path)
    assert verdict["passed"] and verdict["interactions"]["created"] > 0
    assert ",/employees/me/state," in (tmp_path / "locust_stats.csv").read_text()
    profiles = live.world()["agent_profiles"]
    assert profiles["@load60001"]["handle_time"] == {"distribution": "lognormal", "mean": 60.0, "sigma": 0.5}


def test_load_without_locust_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "locust", None)
    assert main(["load", "queue-cap"]) == 2
    assert "pip install 'micc-sim[load]'" in capsys.readouterr().err


def test_bad_behaviour_texts_are_refused_before_anything_starts(capsys):
    assert main(["load", "agents", "--handle-time", "gaussian:3"]) == 2
    assert "lognormal:MEAN:SIGMA" in capsys.readouterr().err


def test_the_shapes_move_the_user_count_over_the_run():
    from micc_sim.harness.load.profiles import shape_users

    over = [shape_users(shape, 8, t, 10) for shape in ("steady", "ramp", "spike") for t in (0, 2, 5, 8, 9.9)]
    assert over == [8, 8, 8, 8, 8,  1, 2, 5, 8, 8,  2, 2, 8, 2, 2]


def test_the_cap_is_split_between_workers_so_that_together_they_keep_it():
    from micc_sim.harness.load.profiles import cap_shares

    assert cap_shares(10, 3) == [4, 3, 3] and cap_shares(1, 2) == [1, 0] and sum(cap_shares(7, 4)) == 7


def test_a_notifications_run_delivers_every_publication_once_to_webhooks_and_mqtt(live_with, tmp_path, capsys):
    """CloudLink users call, chat and change presence; the run's consumer gets it all by signed webhook (its
    receiver refusing a third of the POSTs, so they are retried) and by MQTT over WebSocket."""
    from micc_sim.world.seed import default_world

    world = default_world()
    [admin] = [u for u in world.cloudlink.users if u.email == "admin@wagner.example.com"]
    admin.password = "Zq8-not-in-any-report"
    live = live_with(world, clock="scaled", clock_scale=60, token_lifetime=86400)
    code = main(["load", "notifications", "--base-url", live.base_url, "--users", "3", "--spawn-rate", "3",
                 "--duration", "3", "--rate", "4", "--webhook-errors", "0.3", "--quiet", "--report-dir", str(tmp_path),
                 "--cloudlink-password", admin.password])
    verdict = tmp_path / "verdict.json"
    assert code == 0, verdict.read_text() if verdict.exists() else capsys.readouterr()
    verdict = _verdict(tmp_path)
    assert _checks(verdict) == {"every notification delivered once": True, "the consumer got what was delivered": True}
    deliveries = json.loads((tmp_path / "deliveries.json").read_text())
    transports = {d["transport"] for d in deliveries}
    assert transports == {"webhook", "websocket"} and verdict["publications"] > 0
    assert {d["status"] for d in deliveries} <= {"delivered", "failed"}  # a dead letter is a visible outcome
    assert any(len(d["attempts"]) > 1 for d in deliveries if d["transport"] == "webhook")  # 503s were retried
    assert set(verdict["latency"]) == {"all", "webhook", "websocket"}
    assert 0 < verdict["latency"]["all"]["p50_ms"] <= verdict["latency"]["all"]["p99_ms"]
    topics = {d["topic"] for d in deliveries}
    assert {"platform-api-media", "platform-api-presence"} <= topics  # calls and presence changes at least
    stats = (tmp_path / "locust_stats.csv").read_text()
    assert ",/media/endpoints/{id}/calls," in stats and ",/presence/presentities/{id}," in stats
    assert "uPlot" in (tmp_path / "report.html").read_text() and (tmp_path / "plots.png").stat().st_size > 0
    _open_the_report_in_a_browser(tmp_path / "report.html", charts=4)  # deliveries' two, locust's two
    assert (tmp_path / "deliveries.csv").read_text().count("\n") == len(deliveries) + 1
    assert live.sim.cloudlink.notify.subscriptions == {}  # the consumer's subscriptions went with the run
    leaked = [p.name for p in tmp_path.rglob("*") if p.is_file() and admin.password.encode() in p.read_bytes()]
    assert leaked == []  # the run's credentials are in no file of the report folder


def test_the_notifications_verdict_fails_a_delivery_missing_doubled_or_not_owed():
    from datetime import UTC, datetime

    from micc_sim.faces.cloudlink.notify.models import Publication, Subscription
    from micc_sim.harness.load.notifications import Consumer, Observation, judge

    now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    consumer = Consumer("http://127.0.0.1:9", "admin", "password")
    consumer.subscriptions = {"s1": Subscription("s1", "acct", "me", "http://127.0.0.1/h", "webhook", "media", now,
                                                 "app", subject_filter="^/calls/")}
    consumer.names = {"s1": "calls"}
    publications = [Publication(f"p{n}", "media", "PUT", subject, {}, now, "c", "acct")
                    for n, subject in enumerate(["/calls/1", "/calls/2", "/other/3"])]

    def delivery(pid: str, status: str = "delivered") -> dict:
        consumer.receipts.got["webhook"][("s1", pid)] = 1
        return {"subscription_id": "s1", "publication_id": pid, "transport": "webhook", "status": status,
                "wall_created_at": "2026-11-22T09:00:00Z", "reason": None,
                "attempts": [{"wall_ended_at": "2026-11-22T09:00:00.010Z"}]}

    def verdict(*deliveries: dict) -> dict[str, bool]:
        return {c.name: c.passed for c in judge(consumer, Observation(publications, list(deliveries), False, False, 0))}

    assert verdict(delivery("p0"), delivery("p1", "failed")) == {"every notification delivered once": True,
                                                                 "the consumer got what was delivered": True}
    assert not verdict(delivery("p0"))["every notification delivered once"]  # p1 never queued
    assert not verdict(delivery("p0"), delivery("p1"), delivery("p1"))["every notification delivered once"]
    assert not verdict(delivery("p0"), delivery("p1"), delivery("p2"))["every notification delivered once"]
    d0, d1 = delivery("p0"), delivery("p1")
    del consumer.receipts.got["webhook"][("s1", "p1")]  # delivered, says the log; the consumer never got it
    assert verdict(d0, d1) == {"every notification delivered once": True, "the consumer got what was delivered": False}
    consumer.http.close()
