"""CloudLink webhooks: one signed POST per matching publication, retries on the simulated clock, dead letters."""

from __future__ import annotations

import hashlib
import hmac
import json

from cloudlink_notify import api, deliveries, delivery_states, publish, receiver, subscribe, wait_until

MEDIA = "platform-api-media"
APP = "5b0e3c6a-8a3e-4b8f-9a55-0c3c1a9f2d71"


def ringing(client, extension: str, call_id: str, state: str = "ringing") -> dict:
    return publish(client, MEDIA, "PUT", f"/2017-09-01/endpoints/{extension}/calls/{call_id}",
                   {"callId": call_id, "state": state, "direction": "inbound", "eventType": "CallStateNotification"})


def signed(headers: dict[str, str], raw: bytes, key: str = APP) -> bool:
    """What a receiver does: HMAC-SHA256 of the raw body, keyed by the applicationId, hex."""
    expected = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-notify-signature"])


def test_each_matching_publication_is_one_signed_post_with_the_wire_body(live):
    client = api(live)
    with receiver() as hook:
        sub = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA,
                        subjectFilter="^/2017-09-01/endpoints/5001/")
        ringing(client, "5002", "900")  # another extension: not for this subscription
        r = client.post("/publications", headers={"x-mitel-correlation-id": "corr-42"}, json={
            "topic": MEDIA, "method": "put", "subject": "/2017-09-01/endpoints/5001/calls/33656066",
            "content": {"callId": "33656066", "state": "ringing", "from": "+16135550100"}})
        assert r.status_code == 201, r.text
        [(headers, raw, _)] = hook.wait_for(1)
        assert signed(headers, raw)
        assert headers["content-type"].startswith("application/json")
        body = json.loads(raw)
        publication = r.json()
        assert body == {
            "publicationId": publication["publicationId"], "topic": MEDIA, "method": "PUT",
            "subject": "/2017-09-01/endpoints/5001/calls/33656066",
            "content": {"callId": "33656066", "state": "ringing", "from": "+16135550100"},
            "publisher": publication["publisher"], "subscription": {"subscriptionId": sub["subscriptionId"]},
            "notification": {"createdOn": "2026-11-22T09:00:00.000Z", "correlationId": "corr-42"}}
        assert not signed(headers, raw, key="another-application")
        wait_until(lambda: delivery_states(live, sub["subscriptionId"]) == ["delivered"], what="the delivery")
        assert deliveries(live, subscription_id=sub["subscriptionId"])["deliveries"][0]["attempts"][0]["status"] == 200
        assert len(hook.received) == 1  # the other extension's call was never posted


def test_a_failing_receiver_is_retried_on_the_simulated_clock_and_order_is_kept(live):
    client = api(live)
    with receiver([503, 500]) as hook:
        sub = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA)
        sid = sub["subscriptionId"]
        for n in (1, 2, 3):
            ringing(client, "5001", f"call-{n}")
        hook.wait_for(1)
        wait_until(lambda: delivery_states(live, sid) == ["retrying", "pending", "pending"], what="a retry")
        assert len(hook.received) == 1  # the newer ones wait behind the failed one
        live.advance(1.9)
        assert len(hook.received) == 1  # the first retry is due 2 s after the failure
        live.advance(0.1)
        hook.wait_for(2)
        wait_until(lambda: delivery_states(live, sid) == ["retrying", "pending", "pending"], what="a 2nd retry")
        live.advance(4)  # then twice as long
        received = hook.wait_for(5)
        wait_until(lambda: delivery_states(live, sid) == ["delivered"] * 3, what="all delivered")
        calls = [json.loads(raw)["content"]["callId"] for _, raw, _ in received]
        assert calls == ["call-1", "call-1", "call-1", "call-2", "call-3"]
        assert [status for *_, status in received] == [503, 500, 200, 200, 200]
        assert all(signed(headers, raw) for headers, raw, _ in received)
        first = deliveries(live, subscription_id=sid)["deliveries"][-1]
        assert [a["outcome"] for a in first["attempts"]] == ["HTTP 503", "HTTP 500", "HTTP 200"]
        assert [a["started_on"][11:19] for a in first["attempts"]] == ["09:00:00", "09:00:02", "09:00:06"]


def test_after_the_last_attempt_a_delivery_is_a_dead_letter_and_the_next_goes_on(live_with):
    live = live_with(notifications={"attempts": 3, "first_retry": 1})
    client = api(live)
    with receiver([500, 500, 500, 410]) as hook:
        sid = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA)[
            "subscriptionId"]
        for n in (1, 2, 3):
            ringing(client, "5001", f"call-{n}")
        for tried, wait in ((1, 1), (2, 2)):
            wait_until(lambda n=tried: attempts(live, sid) == (n, "retrying"), what=f"failed attempt {tried}")
            live.advance(wait)
        received = hook.wait_for(5)  # call-1's last attempt, call-2 refused for good (410), call-3
        wait_until(lambda: delivery_states(live, sid) == ["failed", "failed", "delivered"], what="the outcomes")
        log = deliveries(live, subscription_id=sid)["deliveries"]
        dead, refused = log[-1], log[-2]
        assert len(dead["attempts"]) == 3 and dead["reason"] == "HTTP 500" and dead["ended_on"]
        assert len(refused["attempts"]) == 1 and "not retried" in refused["reason"]
        assert [json.loads(raw)["content"]["callId"] for _, raw, _ in received] == ["call-1"] * 3 + [
            "call-2", "call-3"]
        assert live.http.get("/_sim/notifications/deliveries", params={"status": "lost"}).status_code == 400
        counts = deliveries(live, status="failed")["counts"]
        assert counts["failed"] == 2 and counts["delivered"] == 1 and counts["pending"] == counts["retrying"] == 0


def test_unreachable_receivers_and_webhook_fault_rules_count_as_failures(live):
    client = api(live)
    for rule in ({"kind": "error", "status": 502, "count": 1}, {"kind": "reset", "count": 1}):
        r = live.http.post("/_sim/faults", json={"face": "cloudlink-webhooks", "path": "/hooks/notify$", **rule})
        assert r.status_code == 201, r.text
    with receiver() as hook:
        sid = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA)[
            "subscriptionId"]
        closed = subscribe(client, applicationId=APP, deviceId="http://127.0.0.1:9/nobody", transport="webhook",
                           topic="custom-topic")["subscriptionId"]
        ringing(client, "5001", "1")
        publish(client, "custom-topic", "POST", "/anything", {"n": 1})
        for tried, wait in ((1, 2), (2, 4)):
            wait_until(lambda n=tried: attempts(live, sid) == (n, "retrying"), what=f"failed attempt {tried}")
            live.advance(wait)
        hook.wait_for(1)
        wait_until(lambda: attempts(live, sid) == (3, "delivered"), what="delivery after the faults")
        outcomes = [a["outcome"] for a in deliveries(live, subscription_id=sid)["deliveries"][0]["attempts"]]
        assert outcomes[0].endswith("HTTP 502") and "reset" in outcomes[1] and outcomes[2] == "HTTP 200"
        unreachable = deliveries(live, subscription_id=closed)["deliveries"][0]
        assert unreachable["status"] == "retrying" and "could not reach the receiver" in unreachable["reason"]
        assert len(hook.received) == 1
        assert live.http.post("/_sim/faults", json={"face": "cloudlink-webhooks", "kind": "garbage"}).status_code == 400


def attempts(live, subscription_id: str) -> tuple[int, str]:
    """How many attempts the subscription's oldest delivery has had, and its state."""
    oldest = deliveries(live, subscription_id=subscription_id)["deliveries"][-1]
    return len(oldest["attempts"]), oldest["status"]


def test_a_slow_receiver_times_out_and_is_retried(live_with):
    live = live_with(notifications={"timeout": 0.2})
    live.http.post("/_sim/faults", json={"face": "cloudlink-webhooks", "kind": "latency", "latency_ms": 5000,
                                         "count": 1})
    client = api(live)
    with receiver() as hook:
        sid = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA)[
            "subscriptionId"]
        ringing(client, "5001", "1")
        wait_until(lambda: delivery_states(live, sid) == ["retrying"], what="a timeout")
        assert "longer than 0.2 s" in deliveries(live, subscription_id=sid)["deliveries"][0]["reason"]
        live.advance(2)
        hook.wait_for(1)


def test_deleting_a_subscription_stops_delivery_and_cancels_what_it_was_owed(live):
    client = api(live)
    with receiver([503]) as hook:
        sid = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA)[
            "subscriptionId"]
        ringing(client, "5001", "1")
        ringing(client, "5001", "2")
        wait_until(lambda: delivery_states(live, sid) == ["retrying", "pending"], what="a failed attempt")
        assert client.delete(f"/subscriptions/{sid}").status_code == 204
        assert delivery_states(live, sid) == ["cancelled", "cancelled"]
        assert "deleted" in deliveries(live, subscription_id=sid)["deliveries"][0]["reason"]
        ringing(client, "5001", "3")
        live.advance(60)
        assert len(hook.received) == 1 and deliveries(live)["count"] == 2
        assert client.get(f"/subscriptions/{sid}").status_code == 404


def test_a_subscription_ends_at_its_expiry_on_the_simulated_clock(live):
    client = api(live)
    with receiver() as hook:
        sid = subscribe(client, applicationId=APP, deviceId=hook.url, transport="webhook", topic=MEDIA,
                        expiryDateTime="2026-11-22T09:01:00.000Z")["subscriptionId"]
        assert client.get(f"/subscriptions/{sid}").json()["expiryDateTime"] == "2026-11-22T09:01:00.000Z"
        ringing(client, "5001", "1")
        hook.wait_for(1)
        live.advance(60)
        assert client.get(f"/subscriptions/{sid}").status_code == 404
        ringing(client, "5001", "2")
        assert deliveries(live)["count"] == 1 and len(hook.received) == 1
        r = client.post("/subscriptions", json={"applicationId": APP, "deviceId": hook.url, "transport": "webhook",
                                                "topic": MEDIA, "expiryDateTime": "2026-11-22T09:00:30Z"})
        assert r.status_code == 400 and "expiryDateTime" in r.json()["message"]
