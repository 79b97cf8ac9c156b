"""The agent desktop's JavaScript test page in a real browser (Debian's headless Chromium, driven by Playwright):
our own socket.io client (socketio-lite.js) against the real python-socketio server."""

from __future__ import annotations

import pytest
from conftest import only_1001_world
from playwright.sync_api import expect
from test_dashboard import CHROMIUM, page  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by scripts/test-setup")


def test_the_page_logs_an_agent_on_and_shows_an_open_media_offer_posted_over_rest(live_with, page):  # noqa: F811
    live = live_with(world=only_1001_world())
    page.goto(f"{live.base_url}/_sim/desktop/")
    page.fill("#password", "wrong")
    page.click("#logon")
    expect(page.locator("#status")).to_contain_text("refused: unknown logon ID or wrong password")
    page.fill("#password", "password")
    page.click("#logon")  # tcervantes is the page's default
    expect(page.locator("#status")).to_have_text("registered")
    info = page.evaluate("agentClient.getUserInformation()")
    assert (info["LoggedOn"], info["LoginID"], info["RecordID"]) == (1, "tcervantes", 1001)
    assert page.evaluate("agentClient.setOpenMediaReadyStatus(false)") is True
    assert page.evaluate("agentClient.setOpenMediaReadyStatus(true)") is True
    expect(page.locator("#events")).to_contain_text('"OpenMediaReadyStatus":true')

    sdk = live.sdk(live.client_token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "from": "Ada"}).json()
    offer = page.locator("#events li", has_text="OnOpenMediaEvent")
    expect(offer).to_contain_text('"State":3')
    expect(offer).to_contain_text('"CallingNumber":"Ada"')

    offers = page.evaluate("agentClient.getOpenMedia()")
    assert [o["State"] for o in offers] == [3]
    assert page.evaluate(f"agentClient.answerCall({offers[0]['ID']})") is True
    assert sdk.get(f"/openmedia/{item['id']}").json()["conversationState"] == "Acd"

    page.select_option("#request", "getCalls")  # the form sends any request
    page.click("#send")
    expect(page.locator("#answer")).to_have_text("[]")
    error = page.evaluate("agentClient.answerCall('twelve').then(() => 'resolved', (e) => e.code)")
    assert error == "invalid_arguments"

