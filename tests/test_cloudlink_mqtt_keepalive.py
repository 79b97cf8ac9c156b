"""CloudLink websocket notifications stay connected on MQTT's own keep-alive, with the clients apps use.

paho-mqtt (Python) and mqtt.js (Node, browsers) send PINGREQ when they have been quiet for their keep-alive;
the server answers PINGRESP, sends no WebSocket ping of its own (paho answers those with an unmasked pong, a
protocol error that cost it its connection every 20 s) and closes a client that goes silent for 1.5 times its
keep-alive. Keep-alive is wall time: the tests use 1 s, so its timeout passes in about 2 s.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import websockets.sync.client
from cloudlink_notify import DEVICE, Device, api, connection_url, publish, subscribe

MEDIA = "platform-api-media"
NODE_CLIENT = Path(__file__).parent / "node" / "mqttjs_client.cjs"
MQTT_JS = Path(__file__).parent / ".node" / "node_modules" / "mqtt" / "package.json"
STAY = 2.2  # wall seconds: past the 1.5 s a 1 s keep-alive allows, so only PINGREQs keep a client on


def ringing(client, call_id: str) -> dict:
    return publish(client, MEDIA, "PUT", f"/2017-09-01/endpoints/5001/calls/{call_id}",
                   {"callId": call_id, "state": "ringing"})


def test_paho_stays_connected_across_keep_alive_intervals_and_still_receives(live):
    client = api(live)
    sid = subscribe(client, deviceId=DEVICE, transport="websocket", topic=MEDIA)["subscriptionId"]
    device = Device(connection_url(client), keepalive=1)
    try:
        assert device.subscribe(sid) == 1
        assert not device.dropped.wait(STAY), "paho was disconnected although it sent its PINGREQs"
        ringing(client, "after-keep-alives")
        assert json.loads(device.next_message().payload)["content"]["callId"] == "after-keep-alives"
    finally:
        device.close()


@pytest.mark.skipif(not shutil.which("node") or not MQTT_JS.exists(), reason="node or mqtt.js missing "
                    "(scripts/test-setup.sh installs mqtt.js)")
def test_mqtt_js_stays_connected_across_keep_alive_intervals_and_still_receives(live):
    client = api(live)
    client_id = "mqttjs-" + DEVICE
    sid = subscribe(client, deviceId=client_id, transport="websocket", topic=MEDIA)["subscriptionId"]
    node = subprocess.Popen(["node", str(NODE_CLIENT), connection_url(client), client_id, "1", sid,
                             str(int((STAY + 1.0) * 1000))], stdout=subprocess.PIPE, text=True)
    events: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [events.put(json.loads(line)) for line in node.stdout], daemon=True).start()
    seen: list[dict] = []

    def until(kind: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = events.get(timeout=max(0.01, deadline - time.monotonic()))
            seen.append(event)
            if event["event"] == kind:
                return event

    try:
        assert until("suback")["granted"] == [1], seen
        time.sleep(STAY)  # keep-alive is wall time: the point is that intervals pass
        ringing(client, "after-keep-alives")
        message = until("message")
        assert message["topic"] == sid and json.loads(message["payload"])["content"]["callId"] == "after-keep-alives"
        done = until("done")
        assert done["closes"] == 0 and done["connected"], seen
    finally:
        node.kill()
        node.wait(5)


def _connect_packet(client_id: str, keep_alive: int) -> bytes:
    """MQTT 3.1.1 CONNECT (clean session) as bytes, written out here so the test does not trust our codec."""
    cid = client_id.encode()
    body = b"\x00\x04MQTT\x04\x02" + keep_alive.to_bytes(2, "big") + len(cid).to_bytes(2, "big") + cid
    return bytes([0x10, len(body)]) + body


def test_a_client_that_goes_silent_is_closed_after_one_and_a_half_keep_alives(live):
    url = connection_url(api(live))
    with websockets.sync.client.connect(url, subprotocols=["mqtt"], ping_interval=None) as ws:
        assert ws.subprotocol == "mqtt"
        started = time.monotonic()
        ws.send(_connect_packet("silent-client", 1))
        assert ws.recv(timeout=5) == b"\x20\x02\x00\x00"  # CONNACK, accepted
        ws.send(b"\xc0\x00")  # PINGREQ
        assert ws.recv(timeout=5) == b"\xd0\x00"  # PINGRESP
        with pytest.raises(websockets.ConnectionClosed):
            ws.recv(timeout=5)
        assert 1.4 < time.monotonic() - started < 4


def test_serve_starts_uvicorn_without_a_websocket_ping(monkeypatch):
    """The server's own WebSocket ping is off where users start it (``micc-sim serve``), as in the fixtures:
    paho-mqtt answers a ping with an unmasked pong and would lose its connection at each one (every 20 s)."""
    from micc_sim import cli, serving

    started: dict = {}
    monkeypatch.setattr(serving.ReadyServer, "run", lambda server, **options: started.update(
        ws_ping_interval=server.config.ws_ping_interval))
    assert cli.main(["serve", "--port", "0", "--clock", "manual"]) == 0
    assert "ws_ping_interval" in started and started["ws_ping_interval"] is None
