"""CloudLink websocket notifications: an independent MQTT client (paho) over WebSocket, as a client app connects."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from cloudlink_notify import (
    DEVICE,
    Device,
    api,
    connection_url,
    deliveries,
    delivery_states,
    publish,
    subscribe,
    wait_until,
)

MEDIA = "platform-api-media"


def ringing(client, extension: str, call_id: str) -> dict:
    return publish(client, MEDIA, "PUT", f"/2017-09-01/endpoints/{extension}/calls/{call_id}",
                   {"callId": call_id, "state": "ringing"})


def test_a_client_on_the_connection_url_receives_its_subscriptions_publications_on_their_topic(live):
    client = api(live)
    url = connection_url(client)
    assert url.startswith(f"ws://127.0.0.1:{urlsplit(live.base_url).port}/notifications/2017-09-01/mqtt?token=")
    device = Device(url)
    try:
        sub = subscribe(client, deviceId=DEVICE, transport="websocket", topic=MEDIA,
                        subjectFilter="^/2017-09-01/endpoints/5001/")
        sid = sub["subscriptionId"]
        assert device.subscribe(sid) == 1
        ringing(client, "5002", "1")  # not for this subscription
        publication = ringing(client, "5001", "2")
        message = device.next_message()
        assert message.topic == sid and message.qos == 1
        assert json.loads(message.payload) == {
            **{k: publication[k] for k in ("publicationId", "topic", "method", "subject", "content", "publisher",
                                           "notification")},
            "subscription": {"subscriptionId": sid}}
        wait_until(lambda: delivery_states(live, sid) == ["delivered"], what="the delivery")
        assert "PUBACK received" in deliveries(live, subscription_id=sid)["deliveries"][0]["attempts"][0]["outcome"]
        other = subscribe(client, deviceId="another-device", transport="websocket", topic=MEDIA)["subscriptionId"]
        assert device.subscribe(other) == 128  # not this client's subscription
        assert device.subscribe("#") == 128
        assert device.messages.empty()
    finally:
        device.close()
    with pytest.raises(Exception, match=r"(?i)handshake|upgrade|403"):
        Device(url.replace("token=", "token=x"))


def test_an_offline_client_gets_what_it_missed_by_retry_or_from_its_persistent_session(live):
    client = api(live)
    url = connection_url(client)
    sid = subscribe(client, deviceId=DEVICE, transport="websocket", topic=MEDIA)["subscriptionId"]
    ringing(client, "5001", "before-connecting")
    wait_until(lambda: delivery_states(live, sid) == ["retrying"], what="a failed attempt")
    assert "no MQTT client is subscribed" in deliveries(live, subscription_id=sid)["deliveries"][0]["reason"]
    device = Device(url, clean_session=False)
    assert device.subscribe(sid) == 1
    live.advance(2)
    assert json.loads(device.next_message().payload)["content"]["callId"] == "before-connecting"
    device.close()
    ringing(client, "5001", "while-away")
    # queued at once, or (if the broker had not yet seen the client go) retried and queued then
    wait_until(lambda: delivery_states(live, sid)[1] in ("delivered", "retrying"), what="the first attempt")
    live.advance(2)
    wait_until(lambda: delivery_states(live, sid) == ["delivered", "delivered"], what="the queued delivery")
    assert "persistent session" in deliveries(live, subscription_id=sid)["deliveries"][0]["attempts"][-1]["outcome"]
    device = Device(url, clean_session=False)  # back, without subscribing again
    try:
        assert json.loads(device.next_message().payload)["content"]["callId"] == "while-away"
    finally:
        device.close()


def test_a_disconnect_rule_drops_the_mqtt_connection_and_the_notification_is_retried(live):
    client = api(live)
    url = connection_url(client)
    rule = {"kind": "disconnect", "face": "cloudlink-mqtt", "path": f"/mqtt/{DEVICE}$", "count": 1}
    assert live.http.post("/_sim/faults", json=rule).status_code == 201
    sid = subscribe(client, deviceId=DEVICE, transport="websocket", topic=MEDIA)["subscriptionId"]
    device = Device(url, clean_session=False)
    assert device.subscribe(sid) == 1
    ringing(client, "5001", "1")
    assert device.dropped.wait(10), "the connection was not dropped"
    wait_until(lambda: delivery_states(live, sid) == ["retrying"], what="a failed attempt")
    assert "fault rule" in deliveries(live, subscription_id=sid)["deliveries"][0]["reason"]
    device.close()
    device = Device(url, clean_session=False)
    try:
        live.advance(2)
        assert json.loads(device.next_message().payload)["content"]["callId"] == "1"
        wait_until(lambda: delivery_states(live, sid) == ["delivered"], what="the retried delivery")
    finally:
        device.close()


def test_an_mqtt_5_connect_is_answered_as_a_3_1_1_broker_does(live):
    """Return code 1 (unacceptable protocol version), then the close [MQTT-3.1.2-2]: clients that offer 5
    first (mqtt.js with protocolVersion 5) can fall back to 3.1.1."""
    import websockets.sync.client

    url = connection_url(api(live))
    body = b"\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01c"  # level 5, clean start, keep-alive 60, no properties
    with websockets.sync.client.connect(url, subprotocols=["mqtt"], ping_interval=None) as ws:
        ws.send(bytes([0x10, len(body)]) + body)
        assert ws.recv(timeout=5) == b"\x20\x02\x00\x01"
        with pytest.raises(websockets.ConnectionClosed):
            ws.recv(timeout=5)


def test_a_url_without_its_token_connects_with_a_cloudlink_token_as_the_password(live):
    import queue

    import paho.mqtt.client as mqtt

    parts = urlsplit(connection_url(api(live)))
    results = []
    for password in ("not-a-token", live.cloudlink_token("admin@wagner.example.com")):
        codes: queue.Queue = queue.Queue()
        paho = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=DEVICE, transport="websockets",
                           protocol=mqtt.MQTTv311)
        paho.ws_set_options(path=parts.path)  # the URL without its token
        paho.username_pw_set("anyone", password)
        paho.on_connect = lambda c, u, flags, reason, props, codes=codes: codes.put(reason.value)
        paho.connect(parts.hostname, parts.port)
        paho.loop_start()
        results.append(codes.get(timeout=10))
        paho.disconnect()
        paho.loop_stop()
    assert results == [135, 0]  # not authorized (3.1.1's 5, as paho reports it), then accepted
