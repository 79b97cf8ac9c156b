"""A hostile web page the developer opens: it must not drive the simulator's control, its dashboard or socket.io."""
# ruff: noqa: F811  (the fixtures imported from attack are arguments of the tests)

from __future__ import annotations

import json
import re

import pytest
from attack import EVIL, error_of, module_sim, raw_exchange, sim  # noqa: F401  (fixtures)


def test_a_cross_origin_text_plain_post_cannot_move_the_clock(sim):
    """fetch(url, {method: "POST", mode: "no-cors", body: '{"seconds": 3600}'}) is a "simple" request: no
    preflight, so the browser sends it as it is."""
    before = sim.http.get("/_sim/clock").json()["now"]
    r = sim.http.post("/_sim/clock/advance", content=b'{"seconds": 3600}',
                      headers={"Origin": EVIL, "Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden_origin"
    assert sim.http.get("/_sim/clock").json()["now"] == before


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1.evil.example"])
def test_no_foreign_page_can_reset_the_world_even_without_a_body(sim, origin):
    sim.http.post("/_sim/faults", json={"kind": "busy", "face": "miccsdk"})
    r = sim.http.post("/_sim/reset", headers={"Origin": origin})
    assert r.status_code == 403
    assert len(sim.http.get("/_sim/faults").json()["rules"]) == 1  # the reset did not happen


def test_a_dns_rebinding_page_is_refused_by_its_host_name(sim):
    """A rebinding page is same-origin with itself: its requests name its own domain in Host."""
    port = sim.base_url.rsplit(":", 1)[1]
    for path in ("/_sim/world", "/_sim/dashboard", "/socket.io/?EIO=4&transport=polling"):
        r = sim.http.get(path, headers={"Host": f"rebind.evil.example:{port}"})
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden_host", path
    assert sim.http.get("/_sim/world", headers={"Host": f"localhost:{port}"}).status_code == 200


def test_a_control_body_must_say_it_is_json(sim):
    for content_type in ("text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x"):
        r = sim.http.post("/_sim/faults", content=b'{"kind": "busy"}', headers={"Content-Type": content_type})
        assert r.status_code == 415 and error_of(r)["code"] == "unsupported_media_type", content_type
    browser = {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"}
    for content_type in ("application/x-www-form-urlencoded", None):  # a form, a Blob without a type
        headers = {**browser, **({"Content-Type": content_type} if content_type else {})}
        assert sim.http.post("/_sim/faults", content=b'{"kind": "busy"}', headers=headers).status_code == 415
    assert sim.http.get("/_sim/faults").json()["rules"] == []
    # a program's body (no Origin, no Sec-Fetch-*) without a type, or curl -d's form type, is read as JSON
    assert sim.http.post("/_sim/faults", content=b'{"kind": "busy"}').status_code == 201
    curl = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "curl/8.5.0"}
    assert sim.http.post("/_sim/faults", content=b'{"kind": "busy"}', headers=curl).status_code == 201


def test_the_simulators_own_pages_and_the_cli_keep_working(sim):
    port = sim.base_url.rsplit(":", 1)[1]
    same_origin = {"Origin": sim.base_url, "Content-Type": "application/json"}
    assert sim.http.post("/_sim/clock/advance", json={"seconds": 1}, headers=same_origin).status_code == 200
    assert sim.http.post("/_sim/clock/advance", json={"seconds": 1},
                         headers={"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}).status_code == 200
    world = "site: {name: Lab}\n"
    assert sim.http.put("/_sim/world", content=world, headers={"Content-Type": "application/yaml"}).status_code == 200


def test_an_allowed_origin_and_host_are_a_setting(live_with):
    live = live_with(allowed_origins=["http://tools.example:5173"], allowed_hosts=["sim.internal"])
    port = live.base_url.rsplit(":", 1)[1]
    assert live.http.post("/_sim/reset", headers={"Origin": "http://tools.example:5173"}).status_code == 200
    assert live.http.get("/_sim/world", headers={"Host": f"sim.internal:{port}"}).status_code == 200
    assert live.http.post("/_sim/reset", headers={"Origin": EVIL}).status_code == 403


def test_socketio_refuses_a_foreign_page_and_takes_a_local_one(sim):
    """The agent desktop's namespace serves an app under development on localhost:3000, not a page on the web."""
    handshake = "/socket.io/?EIO=4&transport=polling"
    foreign = sim.http.get(handshake, headers={"Origin": EVIL})
    assert foreign.status_code == 403
    local = sim.http.get(handshake, headers={"Origin": "http://localhost:3000"})
    assert local.status_code == 200 and local.headers["access-control-allow-origin"] == "http://localhost:3000"
    port = sim.base_url.rsplit(":", 1)[1]
    for origin, status in ((EVIL, b"403"), ("http://localhost:3000", b"101")):
        upgrade = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Origin: {origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()
        answer = raw_exchange(sim.base_url, upgrade, read_for=1.0)
        assert answer.split(b" ", 2)[1] == status, (origin, answer[:80])


def _dashboard_connect(live, auth: dict | None) -> str:
    """Engine.IO's polling transport, by hand: open, CONNECT to /dashboard with ``auth``, read the answer."""
    opened = live.http.get("/socket.io/?EIO=4&transport=polling")
    sid = json.loads(opened.text[1:])["sid"]
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    live.http.post(url, content="40/dashboard," + (json.dumps(auth) if auth is not None else ""),
                   headers={"Content-Type": "text/plain;charset=UTF-8"})
    answer = live.http.get(url).text
    return "connected" if answer.startswith("40/dashboard,") else f"refused: {answer}"


def test_the_dashboard_feed_needs_the_token_its_own_page_carries(sim):
    assert _dashboard_connect(sim, None).startswith("refused")
    assert _dashboard_connect(sim, {"token": "guessed"}).startswith("refused")
    page = sim.http.get("/_sim/dashboard")
    assert page.headers["x-frame-options"] == "DENY"
    token = re.search(r'name="micc-sim-token" content="([^"]+)"', page.text).group(1)
    assert _dashboard_connect(sim, {"token": token}) == "connected"
    # the token also lets a page of this process through the Origin check (a proxy under another name)
    r = sim.http.post("/_sim/reset", headers={"Origin": EVIL, "X-Micc-Sim-Token": token})
    assert r.status_code == 200
