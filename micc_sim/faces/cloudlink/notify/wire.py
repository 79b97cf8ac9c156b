"""A notification on the wire: the JSON body (wire-notes) and the webhook's signature.

The body is the same for both transports: a webhook POST carries it, and so does the MQTT PUBLISH of a
websocket subscription. It is serialized once, compactly, and the signature is computed over exactly those
bytes, so a receiver verifies the raw body it read before parsing it.
"""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any

from micc_sim.faces.cloudlink.notify.models import Delivery
from micc_sim.faces.cloudlink.notify.settings import NotifySettings
from micc_sim.outbound import DELIVERY_HEADER


def notification(delivery: Delivery) -> dict[str, Any]:
    item = delivery.publication.as_item()
    return {**{k: item[k] for k in ("publicationId", "topic", "method", "subject", "content", "publisher")},
            "subscription": {"subscriptionId": delivery.subscription_id},
            "notification": item["notification"]}


def body_bytes(delivery: Delivery) -> bytes:
    return json.dumps(notification(delivery), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(body: bytes, application_id: str, settings: NotifySettings) -> str:
    """HMAC of the exact body bytes keyed by the subscription's applicationId (CloudLink guides), hex by default."""
    digest = hmac.new(application_id.encode("utf-8"), body, settings.signature_algorithm).digest()
    return digest.hex() if settings.signature_encoding == "hex" else base64.b64encode(digest).decode("ascii")


def webhook_headers(delivery: Delivery, body: bytes, application_id: str | None,
                    settings: NotifySettings) -> dict[str, str]:
    headers = {"content-type": "application/json; charset=utf-8", "user-agent": "micc-sim-notify",
               "x-mitel-correlation-id": delivery.publication.correlation_id,
               DELIVERY_HEADER: "cloudlink-notify"}  # the simulator refuses it if it comes back in
    if application_id:
        headers[settings.signature_header] = signature(body, application_id, settings)
    return headers


def verify(body: bytes, header: str, application_id: str, settings: NotifySettings | None = None) -> bool:
    """What a receiver does (and the tests do): recompute the signature and compare in constant time."""
    return hmac.compare_digest(signature(body, application_id, settings or NotifySettings()), header)

