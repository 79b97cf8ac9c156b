"""The live dashboard in a real browser (Debian's headless Chromium, driven by Playwright)."""

from __future__ import annotations

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
