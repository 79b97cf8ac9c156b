"""The live dashboard in a real browser (Debian's headless Chromium, driven by Playwright)."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by scripts/test-setup")


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_a_posted_interaction_appears_on_the_dashboard_and_moves_through_its_lifecycle(live, page):
    page.goto(f"{live.base_url}/_sim/dashboard")
    expect(page.locator("#status")).to_have_text("live")
    expect(page.locator("#queues tbody tr")).to_have_count(7)

    sdk = live.sdk(live.client_token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "Order 42"}).json()["id"]
    row = page.locator(f"#items td[data-item='{item}']").locator("xpath=..")
    expect(row).to_contain_text("Offered")
    expect(row).to_contain_text("Order 42")
    expect(page.locator("#timeline")).to_contain_text("new → InQueue in Web Chat")
    expect(page.locator("#requests")).to_contain_text("/miccsdk/api/v1/openmedia")

    page.fill("#advance-seconds", "3")
    page.click("#advance")  # the button moves the simulated clock: the virtual agent accepts
    expect(row).to_contain_text("Acd")
    web_chat = page.locator("#queues tbody tr", has_text="P7001")
    expect(web_chat).to_contain_text("online")


def test_a_rung_call_is_an_interaction_of_the_dashboard_too(live, page):
    page.goto(f"{live.base_url}/_sim/dashboard")
    expect(page.locator("#status")).to_have_text("live")
    call = live.http.post("/_sim/interactions", json={"media": "Voice", "queue": "Support Voice",
                                                      "from": "+15551230001", "from_name": "Ada"}).json()
    row = page.locator(f"#items td[data-item='{call['id']}']").locator("xpath=..")
    expect(row).to_contain_text(f"Voice {call['number']}")
    expect(row).to_contain_text("Ada +15551230001")
    expect(row).to_contain_text(call["state"])
    live.http.delete(f"/_sim/interactions/{call['id']}")  # the caller hangs up: the call leaves the table
    expect(page.locator(f"#items td[data-item='{call['id']}']")).to_have_count(0)


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_the_dashboard_feed_refuses_clients_off_this_machine():
    """Like the control API: a socket.io connection to /dashboard from another machine is refused."""
    from starlette.testclient import TestClient

    from micc_sim.app import create_app

    with TestClient(create_app(), client=("203.0.113.9", 5555)) as client, \
            client.websocket_connect("/socket.io/?EIO=4&transport=websocket",
                                     headers={"upgrade": "websocket", "connection": "Upgrade"}) as ws:
        assert ws.receive_text().startswith("0{")  # Engine.IO open
        ws.send_text("40/dashboard,")
        refused = ws.receive_text()
        assert refused.startswith("44/dashboard,") and "loopback clients only" in refused


def test_a_page_opened_later_shows_what_happened_before(live, page):
    live.sdk(live.token()).post("/openmedia", json={"queue": "Training"})
    page.goto(f"{live.base_url}/_sim/dashboard")
    expect(page.locator("#timeline")).to_contain_text("new → InQueue in Overflow")
    expect(page.locator("#queues tbody tr", has_text="P7004")).to_contain_text("offline")


def test_the_fault_button_makes_the_sdk_answer_busy(live, page):
    page.goto(f"{live.base_url}/_sim/dashboard")
    expect(page.locator("#status")).to_have_text("live")
    page.click("#busy-fault")
    expect(page.locator("#busy-fault")).to_have_text("fault: server busy (on)")
    sdk = live.sdk(live.token())
    assert sdk.get("/openmedia").status_code == 503
    page.click("#busy-fault")
    expect(page.locator("#busy-fault")).to_have_text("fault: server busy")
    assert sdk.get("/openmedia").status_code == 200


def _feed(live):
    """A python-socketio client of the /dashboard namespace that keeps what it receives, with its size."""
    import json
    import queue

    import socketio

    got: queue.Queue = queue.Queue()
    client = socketio.Client()
    for event in ("snapshot", "diff"):
        client.on(event, (lambda name: lambda data: got.put((name, len(json.dumps(data)), data)))(event),
                  namespace="/dashboard")
    client.connect(live.base_url, namespaces=["/dashboard"], transports=["websocket"])
    return client, got


def test_one_change_among_3000_live_items_is_a_few_kib_and_an_idle_world_sends_nothing(live):
    from micc_sim.world.core import OpenMediaRequest

    world = live.sim.world
    for n in range(3000):  # queued before any page connects
        world.post_open_media(OpenMediaRequest(queue="Web Chat", subject=f"chat {n}"))
    client, got = _feed(live)
    try:
        kind, snapshot_bytes, snapshot = got.get(timeout=10)
        assert kind == "snapshot" and len(snapshot["items"]) == 3000
        live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat", "subject": "one more"})
        changes = []
        while not any(c[2].get("items") for c in changes):
            changes.append(got.get(timeout=10))
        assert all(kind == "diff" for kind, _, _ in changes)
        [item_change] = [c for c in changes if c[2].get("items")]
        assert [r["subject"] for r in item_change[2]["items"]["upsert"]] == ["one more"]
        print(f"snapshot {snapshot_bytes} bytes; one change: {sum(size for _, size, _ in changes)} bytes")
        assert sum(size for _, size, _ in changes) < 5 * 1024 < snapshot_bytes / 100, (snapshot_bytes, changes)
        sent = live.sim.dashboard_feed.sent_bytes
        import time

        time.sleep(1.5)  # a manual clock and no requests: nothing to tell the page
        assert got.empty() and live.sim.dashboard_feed.sent_bytes == sent
    finally:
        client.disconnect()


def test_on_a_busy_world_the_charts_are_drawn_and_a_queue_drills_down_to_an_items_requests(live, page, tmp_path):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    live.http.delete("/_sim/metrics/series", params={"queue": "Web Chat", "cap": 4})  # as a load run marks its cap
    sdk = live.sdk(live.client_token())
    ids = []
    for n in range(12):
        ids.append(sdk.post("/openmedia", json={"queue": "Web Chat", "subject": f"Order {n}"}).json()["id"])
        live.advance(20)  # agents accept and handle; samples are taken on the simulated clock
        sdk.get(f"/openmedia/{ids[-1]}")  # the integration polls its item
    live.advance(120)
    live.http.post("/_sim/faults", json={"kind": "busy", "face": "miccsdk", "probability": 0})
    page.set_viewport_size({"width": 1400, "height": 1100})
    page.goto(f"{live.base_url}/_sim/dashboard")
    expect(page.locator("#status")).to_have_text("live")
    expect(page).to_have_title(re.compile(r"^micc-sim · .+ · dashboard$"))
    expect(page.locator("#waiting-chart canvas")).to_have_count(1)
    expect(page.locator("#timeline-chart canvas")).to_have_count(1)
    expect(page.locator(".spark canvas")).to_have_count(7)
    drawn = page.evaluate("""() => [...document.querySelectorAll('#waiting-chart canvas, #timeline-chart canvas')]
        .map(c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0))""")
    assert drawn == [True, True]
    expect(page.locator("#queues tbody tr", has_text="P7001")).to_contain_text("cap 4")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.locator("#queues tbody tr", has_text="P7001").click()  # the queue's history
    history = page.locator("#drill-history tbody tr")
    expect(history.first).to_be_visible()
    assert history.count() >= 5
    history.first.click()  # an ended item: its events and the requests that named it
    expect(page.locator("#drill")).to_contain_text("Interaction")
    expect(page.locator("#drill-events li").first).to_contain_text("→")
    expect(page.locator("#drill-requests")).to_contain_text("/openmedia/")
    page.screenshot(path=str(tmp_path / "drill-down.png"), full_page=True)
    assert errors == []
    import os

    if os.environ.get("MICC_SIM_SCREENSHOTS"):  # keep them to look at
        import shutil

        for name in ("dashboard.png", "drill-down.png"):
            shutil.copy(tmp_path / name, os.path.join(os.environ["MICC_SIM_SCREENSHOTS"], name))
