"""Issue 22: no URL a client registers makes the simulator call itself (its control API trusts loopback).

Each spelling of the simulator's own address is refused at registration with a 400; what only a DNS look-up
tells is refused at delivery; a delivery that comes back in (a receiver redirecting, a proxy) is refused on
arrival; deliveries to the user's own receiver on another loopback port keep working.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from cloudlink_notify import ADMIN, AGENT, api, deliveries, publish, receiver, subscribe, wait_until

from micc_sim.outbound import OwnAddress, OwnSockets, delivery_addresses, is_own_url

TOPIC = "platform-api-media"


def _port(live: Any) -> int:
    return int(urlsplit(live.base_url).port)


SPELLINGS = [
    "http://127.0.0.1:{port}/_sim/clock/advance?seconds=7200",
    "http://127.1:{port}/_sim/clock/advance?seconds=7200",
    "http://127.0.0.2:{port}/_sim/reset",
    "http://2130706433:{port}/_sim/reset",
    "http://0x7f000001:{port}/_sim/reset",
    "http://0x7f.0.0.1:{port}/_sim/reset",
    "http://0177.0.0.1:{port}/_sim/reset",
    "http://0.0.0.0:{port}/_sim/reset",
    "http://0:{port}/_sim/reset",
    "http://localhost:{port}/_sim/reset",
    "http://LOCALHOST.:{port}/_sim/reset",
    "http://sim.localhost:{port}/_sim/reset",
    "http://[::1]:{port}/_sim/reset",
    "http://[0:0:0:0:0:0:0:1]:{port}/_sim/reset",
    "http://[::ffff:127.0.0.1]:{port}/_sim/reset",
    "http://[::ffff:7f00:1]:{port}/_sim/reset",
    "http://user:pass@127.0.0.1:{port}/_sim/reset",
    "http://%6c%6f%63%61%6c%68%6f%73%74:{port}/_sim/reset",
    "http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling",
    "http://127.0.0.1:{port}/_sim/dashboard",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_webhook_naming_the_simulator_itself_is_refused_at_registration(live, spelling):
    url = spelling.format(port=_port(live))
    with api(live, AGENT) as client:
        r = client.post("/subscriptions", json={"applicationId": "app", "deviceId": url, "transport": "webhook",
                                                "topic": TOPIC})
    assert r.status_code == 400, r.text
    assert r.json()["name"] and "names the simulator itself" in r.json()["message"]


def test_the_clock_does_not_move_whatever_the_user_registers(live):
    """The issue's attack: a USER's webhook at /_sim/clock/advance, then a publication."""
    before = live.http.get("/_sim/clock").json()
    with api(live, AGENT) as client:
        for spelling in SPELLINGS:
            client.post("/subscriptions", json={"applicationId": "a", "transport": "webhook", "topic": TOPIC,
                                                "deviceId": spelling.format(port=_port(live))})
        publish(client, TOPIC, "PUT", "/2017-09-01/endpoints/2001/calls/1", {"state": "ringing"})
    assert live.http.get("/_sim/clock").json() == before


def test_a_dns_name_resolving_to_loopback_is_refused_at_delivery(live_with):
    """A name only a look-up tells apart (this machine's host name, a rebinding or nip.io-style name): allowed
    at registration, refused after resolution as a final failure, and the clock stays put."""
    live = live_with(notifications={"webhook_hosts": ["*"]})
    port = _port(live)
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)}
    assert any(live.sim.own_sockets.owns(a, port) for a in addresses), f"{name} resolves to {addresses}"
    before = live.http.get("/_sim/clock").json()
    with api(live, ADMIN) as client:
        sid = subscribe(client, applicationId="a", transport="webhook", topic=TOPIC,
                        deviceId=f"http://{name}:{port}/_sim/clock/advance?seconds=7200")["subscriptionId"]
        publish(client, TOPIC, "PUT", "/2017-09-01/endpoints/2001/calls/1", {"state": "ringing"})
    found = wait_until(lambda: [d for d in deliveries(live, subscription_id=sid)["deliveries"]
                                if d["status"] == "failed"], what="the delivery refused")
    assert "where the simulator itself listens" in found[0]["reason"]
    assert live.http.get("/_sim/clock").json() == before


def test_a_redirect_back_to_the_simulator_is_refused_on_arrival(live):
    """The control API tells a delivery apart by the header every delivery carries: a receiver that forwards a
    delivery (or a client following its redirect) to /_sim gets a 403."""
    r = live.http.post("/_sim/clock/advance", json={"seconds": 60}, headers={"x-micc-sim-delivery": "x"})
    assert r.status_code == 403 and "may not call the simulator itself" in r.json()["message"]
    assert live.http.post("/_sim/clock/advance", json={"seconds": 60}).status_code == 200


def test_deliveries_to_the_users_own_loopback_receiver_keep_working(live):
    with receiver() as hook, api(live, AGENT) as client:
        assert not is_own_url(hook.url, live.sim.own_sockets)
        subscribe(client, applicationId="a", deviceId=hook.url, transport="webhook", topic=TOPIC)
        publish(client, TOPIC, "PUT", "/2017-09-01/endpoints/2001/calls/1", {"state": "ringing"})
        headers, _, _ = hook.wait_for(1)[0]
        assert headers["x-micc-sim-delivery"] == "cloudlink-notify"


def test_a_receiver_redirecting_to_the_simulator_does_not_move_the_clock(live):
    """A receiver answering 307 to /_sim/clock/advance: the webhook client does not follow it, and a client
    that would carries the delivery header, refused on arrival."""
    target = f"{live.base_url}/_sim/clock/advance?seconds=7200"

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("location", target)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = live.http.get("/_sim/clock").json()
    try:
        with api(live, ADMIN) as client:
            sid = subscribe(client, applicationId="a", transport="webhook", topic=TOPIC,
                            deviceId=f"http://127.0.0.1:{server.server_port}/hook")["subscriptionId"]
            publish(client, TOPIC, "PUT", "/2017-09-01/endpoints/2001/calls/1", {"state": "ringing"})
            wait_until(lambda: deliveries(live, subscription_id=sid)["deliveries"][0]["status"] == "failed",
                       what="the 307 as a final answer")
    finally:
        server.shutdown()
        server.server_close()
    assert live.http.get("/_sim/clock").json() == before


def test_the_url_check_knows_the_sockets_it_learnt():
    own = OwnSockets()
    assert not is_own_url("http://127.0.0.1:9/x", own)
    own.add("127.0.0.1", 9)
    assert is_own_url("http://127.0.0.1:9/x", own) and is_own_url("http://[::ffff:127.0.0.1]:9/", own)
    assert not is_own_url("http://127.0.0.1:10/x", own) and not is_own_url("http://example.com:9/", own)
    with pytest.raises(OwnAddress):
        asyncio.run(delivery_addresses("localhost", 9, own))
    assert asyncio.run(delivery_addresses("127.0.0.1", 10, own)) == ["127.0.0.1"]


def test_the_guard_can_be_turned_off(live_with):
    """``deliveries_to_self`` (``MICC_SIM_DELIVERIES_TO_SELF=true``): a webhook may then name the simulator."""
    live = live_with(deliveries_to_self=True)
    with api(live, ADMIN) as client:
        url = f"http://127.0.0.1:{_port(live)}/_sim/clock"
        assert client.post("/subscriptions", json={"applicationId": "a", "deviceId": url, "transport": "webhook",
                                                   "topic": TOPIC}).status_code == 201
    assert live.http.get("/_sim/clock", headers={"x-micc-sim-delivery": "x"}).status_code == 200


def test_the_httpx_delivery_client_refuses_the_simulator_and_reaches_the_users_receiver(live):
    """What MiCC SDK web hooks and other callbacks deliver with: ``micc_sim.outbound.delivery_client``."""
    import httpx

    from micc_sim.outbound import delivery_client

    async def post(url: str) -> int:
        async with delivery_client(live.sim.own_sockets, timeout=5) as client:
            return (await client.post(url, json={"a": 1})).status_code

    for url in (f"http://127.0.0.1:{_port(live)}/_sim/reset", f"http://localhost:{_port(live)}/_sim/reset",
                f"http://{socket.gethostname()}:{_port(live)}/_sim/reset"):
        with pytest.raises(httpx.ConnectError, match="simulator itself"):
            asyncio.run(post(url))
    with receiver() as hook:
        assert asyncio.run(post(hook.url)) == 200
        assert hook.wait_for(1)[0][0]["x-micc-sim-delivery"] == "callback"
