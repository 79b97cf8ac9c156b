"""Issue 17: one CloudLink account (or principal, or guest) cannot read another's notifications over MQTT, a
demoted admin's refresh token buys no admin tokens, the MQTT token stays out of the log, and a receiver that
never answers cannot make the pending deliveries grow without bound.

Through the real server with paho-mqtt over WebSocket, as a client app connects.
"""

from __future__ import annotations

import json
import logging
import queue
from urllib.parse import parse_qs, urlsplit

import httpx
import paho.mqtt.client as mqtt
import pytest
import websockets.sync.client
from cloudlink_notify import (
    ADMIN,
    AGENT,
    DEVICE,
    NOTIFY,
    OTHER_AGENT,
    PARTNER,
    Device,
    api,
    connection_url,
    deliveries,
    publish,
    receiver,
    subscribe,
    wait_until,
)

from micc_sim.world.seed import ACCOUNT_NUMBER

AUTH = "/authentication/2017-09-01"
MEDIA = "platform-api-media"
CONVERSATIONS = "platform-api-conversations"
NOT_AUTHORIZED = 135


def connack(url: str, client_id: str) -> int:
    """CONNECT with ``client_id``; the CONNACK's code as paho reports it (0 accepted; 3.1.1's 5, not
    authorized, as MQTT 5's reason 135)."""
    parts = urlsplit(url)
    codes: queue.Queue = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, transport="websockets",
                         protocol=mqtt.MQTTv311)
    client.ws_set_options(path=f"{parts.path}?{parts.query}")
    client.on_connect = lambda c, u, flags, reason, props: codes.put(reason.value)
    client.connect(parts.hostname, parts.port, keepalive=60)
    client.loop_start()
    try:
        return codes.get(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def ringing(client, call_id: str) -> None:
    publish(client, MEDIA, "PUT", f"/2017-09-01/endpoints/5001/calls/{call_id}", {"callId": call_id})


def test_a_client_id_in_use_by_another_principal_is_refused_not_taken_over(live):
    """The issue's leak: another account's client reusing the victim's client id got its session."""
    victim = api(live, AGENT)
    sid = subscribe(victim, deviceId=DEVICE, transport="websocket", topic=MEDIA)["subscriptionId"]
    device = Device(connection_url(victim))
    try:
        assert device.subscribe(sid) == 1
        for attacker in (PARTNER, OTHER_AGENT):  # another account (its partner's); the same account
            assert connack(connection_url(api(live, attacker)), DEVICE) == NOT_AUTHORIZED
        assert not device.dropped.is_set()
        ringing(victim, "still-mine")
        assert json.loads(device.next_message().payload)["content"]["callId"] == "still-mine"
    finally:
        device.close()


def test_a_user_cannot_subscribe_to_another_users_subscription_with_its_device_id(live):
    """Client ids are bound when first used: the attacker connects first with the victim's device id, yet
    SUBSCRIBE to the victim's subscription id is refused (it is not the attacker's subscription)."""
    victim = api(live, OTHER_AGENT)
    sid = subscribe(victim, deviceId="victims-device", transport="websocket", topic=MEDIA)["subscriptionId"]
    attacker = Device(connection_url(api(live, AGENT)), client_id="victims-device")
    try:
        assert attacker.subscribe(sid) == 128
        ringing(victim, "private")
        assert attacker.messages.empty()
    finally:
        attacker.close()
    admin = Device(connection_url(api(live, ADMIN)), client_id="victims-device")  # the account's admin may
    try:
        assert admin.subscribe(sid) == 1
    finally:
        admin.close()


def guest_client(live, principal_id: str = "7688c81e-c6ea-4777-a1a2-8163ed318a19"):
    member = live.cloudlink_token(AGENT)
    r = live.http.post(f"{AUTH}/guest/token", headers={"Authorization": f"Bearer {member}"},
                       json={"principalId": principal_id, "accountId": ACCOUNT_NUMBER, "name": "Bob Smith"})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=live.base_url + NOTIFY, timeout=30,
                        headers={"Authorization": f"Bearer {r.json()['access_token']}"})


def test_a_guest_subscribes_to_its_own_conversations_only(live):
    guest = guest_client(live)
    for topic in (MEDIA, "platform-api-admin", "platform-api-presence"):
        r = guest.post("/subscriptions", json={"deviceId": "guest-device", "transport": "websocket", "topic": topic})
        assert r.status_code == 403 and "GUEST" in r.json()["message"], r.text
    admin = api(live, ADMIN)
    admins = subscribe(admin, deviceId="guest-device", transport="websocket", topic=MEDIA)["subscriptionId"]
    own = subscribe(guest, deviceId="guest-device", transport="websocket", topic=CONVERSATIONS)["subscriptionId"]
    device = Device(connection_url(guest), client_id="guest-device")
    try:
        assert device.subscribe(admins) == 128  # an admin's subscription on the guest's device id: not the guest's
        assert device.subscribe(own) == 1
        publish(admin, CONVERSATIONS, "POST", "/conversations/c1/messages/m1", {"body": "account-wide"})
        publish(admin, CONVERSATIONS, "POST", "/conversations/c2/messages/m2", {"body": "for the guest"},
                principalFilter=["7688c81e-c6ea-4777-a1a2-8163ed318a19"])
        message = device.next_message()
        assert json.loads(message.payload)["content"]["body"] == "for the guest"
        assert device.messages.empty()
    finally:
        device.close()


def test_a_demoted_admins_refresh_token_no_longer_mints_admin_tokens(live):
    pair = live.http.post(f"{AUTH}/token", json={"grant_type": "password", "username": ADMIN,
                                                 "password": "password"}).json()
    users = live.cloudlink(PARTNER, "/admin/2017-09-01")
    me = live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {pair['access_token']}"}).json()
    assert me["role"] == "ACCOUNT_ADMIN"
    r = users.put(f"/accounts/{ACCOUNT_NUMBER}/users/{me['userId']}", json={"role": "USER"})
    assert r.status_code == 200, r.text
    refreshed = live.http.post(f"{AUTH}/token", json={"grant_type": "refresh_token",
                                                      "refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    again = live.http.get(f"{AUTH}/token", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
    assert again.json()["role"] == "USER"
    admin_only = live.http.get(f"/admin/2017-09-01/accounts/{ACCOUNT_NUMBER}/clients",
                               headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
    assert admin_only.status_code == 403
    assert users.delete(f"/accounts/{ACCOUNT_NUMBER}/users/{me['userId']}").status_code == 204
    gone = live.http.post(f"{AUTH}/token", json={"grant_type": "refresh_token",
                                                 "refresh_token": refreshed.json()["refresh_token"]})
    assert gone.status_code == 401


def test_a_connection_url_of_a_deleted_user_no_longer_connects(live):
    url = connection_url(api(live, AGENT))
    admin = live.cloudlink(ADMIN, "/admin/2017-09-01")
    user = next(u for u in live.sim.cloudlink.directory.users.values() if u.email == AGENT)
    assert admin.delete(f"/accounts/{ACCOUNT_NUMBER}/users/{user.user_id}").status_code == 204
    try:
        code = connack(url, "deleted-users-device")
    except Exception as exc:  # refused at the handshake: paho raises
        assert "403" in str(exc) or "handshake" in str(exc).lower()
    else:
        assert code == NOT_AUTHORIZED


def test_the_mqtt_token_never_appears_in_the_server_log(live):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        url = connection_url(api(live))
        token = parse_qs(urlsplit(url).query)["token"][0]
        Device(url).close()
        live.http.get(f"{NOTIFY}/subscriptions", params={"token": token})
        wait_until(lambda: any("token=***" in line for line in records), what="the logged request")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    assert not [line for line in records if token in line]


def test_pending_deliveries_of_a_subscription_are_bounded_and_the_overflow_is_counted(live_with):
    live = live_with(notifications={"max_pending": 3, "timeout": 2})
    with receiver(statuses=[503] * 50) as hook:  # down: the first delivery waits for its retry
        client = api(live, AGENT)
        sid = subscribe(client, applicationId="a", deviceId=hook.url, transport="webhook", topic=MEDIA)[
            "subscriptionId"]
        for n in range(10):
            ringing(client, str(n))
        hook.wait_for(1)
        log = deliveries(live, subscription_id=sid)
        assert log["count"] == 3 and log["counts"]["overflowed"] == 7 and log["overflowed"] == {sid: 7}
        assert "micc_sim_notifications_overflowed_total 7.0" in live.http.get("/_sim/metrics").text
        other = subscribe(client, applicationId="a", deviceId=hook.url, transport="webhook", topic=MEDIA)
        ringing(client, "to-the-other")  # the bound is per subscription: another one is not affected
        assert deliveries(live, subscription_id=other["subscriptionId"])["count"] == 1


CONNECT = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01c"  # MQTT 3.1.1, clean session, client id "c"


@pytest.mark.parametrize("garbage", [
    b"\x82\x05\x00\x01\x00\x00\x00",  # SUBSCRIBE before CONNECT
    b"\x10\xff\xff\xff\xff\x7f",  # a remaining length of more than 4 bytes
    b"\x10\xff\xff\xff\x7f",  # 256 MB announced: larger than the server takes
    b"\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03\xed\xa0\x80",  # a client id with a lone surrogate
    b"\x10\x0c\x00\x04MQTT\x04\x03\x00\x3c\x00\x00",  # CONNECT's reserved flag set
    CONNECT + b"\x30\x04\x00\x01tx",  # PUBLISH: clients may not publish here
    CONNECT + CONNECT,  # a second CONNECT
    CONNECT + b"\xc0\x00" * 70_000,  # 140 kB of PINGREQs in one message: refused, not parsed into a pile
])
def test_malformed_mqtt_is_a_closed_connection_and_the_server_goes_on(live, garbage):
    url = connection_url(api(live))
    with websockets.sync.client.connect(url, subprotocols=["mqtt"], ping_interval=None) as ws:
        ws.send(garbage)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                assert ws.recv(timeout=5)[:1] in (b"\x20", b"\xd0")  # a CONNACK, PINGRESPs, then the close
    assert live.http.get("/_sim/clock").status_code == 200


def test_a_reset_ends_the_bindings_of_client_ids(live):
    """A persistent session binds its client id until the tenant it was made in is gone: after a reset the
    next test's principal may use the same id (the pytest plugin resets one server between tests)."""
    device = Device(connection_url(api(live, AGENT)), clean_session=False)
    device.close()
    assert connack(connection_url(api(live, OTHER_AGENT)), DEVICE) == NOT_AUTHORIZED
    assert live.http.post("/_sim/reset").status_code == 200
    assert connack(connection_url(api(live, OTHER_AGENT)), DEVICE) == 0


def test_a_deleted_users_open_connection_gets_nothing_more(live):
    agent = api(live, AGENT)
    sid = subscribe(agent, deviceId=DEVICE, transport="websocket", topic=MEDIA)["subscriptionId"]
    device = Device(connection_url(agent))
    try:
        assert device.subscribe(sid) == 1
        user = next(u for u in live.sim.cloudlink.directory.users.values() if u.email == AGENT)
        admin = live.cloudlink(ADMIN, "/admin/2017-09-01")
        assert admin.delete(f"/accounts/{ACCOUNT_NUMBER}/users/{user.user_id}").status_code == 204
        ringing(api(live, ADMIN), "after-deletion")
        assert device.dropped.wait(10), "the deleted user's connection stayed open"
        assert device.messages.empty()
    finally:
        device.close()


def test_a_guest_hears_of_a_public_stream_only_where_it_takes_part(live):
    guest_id = "7688c81e-c6ea-4777-a1a2-8163ed318a19"
    guest = guest_client(live, guest_id)
    sid = subscribe(guest, deviceId="guest-device", transport="websocket", topic=CONVERSATIONS)["subscriptionId"]
    device = Device(connection_url(guest), client_id="guest-device")
    try:
        assert device.subscribe(sid) == 1
        agent = live.cloudlink(AGENT, "/chat/2017-09-01")
        joined = agent.post("/conversations", json={"stream": True, "visibility": "PUBLIC", "name": "Help"}).json()
        other = agent.post("/conversations", json={"stream": True, "visibility": "PUBLIC", "name": "Staff"}).json()
        assert agent.post(f"/conversations/{joined['conversationId']}/participants",
                          json={"userId": guest_id}).status_code == 201
        assert agent.post(f"/conversations/{other['conversationId']}/messages",
                          json={"body": "staff only"}).status_code == 201
        assert agent.post(f"/conversations/{joined['conversationId']}/messages",
                          json={"body": "hello guest"}).status_code == 201
        heard = []
        while not heard or heard[-1]["content"].get("body") != "hello guest":
            heard.append(json.loads(device.next_message().payload))
        assert {n["subject"].split("/")[2] for n in heard} == {joined["conversationId"]}, heard
    finally:
        device.close()
