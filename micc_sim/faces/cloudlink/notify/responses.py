"""CloudLink Notifications API: subscriptions, custom publications and websocket connections (CloudLink guides).

Who sees what: a subscription belongs to the caller's account and to the caller; its owner sees and deletes
it, and so do the admins of its account (an ACCOUNT_ADMIN of it, a PARTNER_ADMIN of its partner), as
everywhere in CloudLink. A subscription is notified of its own account's publications only.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from micc_sim.faces.cloudlink.auth.models import Principal
from micc_sim.faces.cloudlink.common import cloudlink, collection, correlation_id, principal
from micc_sim.faces.cloudlink.notify import mqtt
from micc_sim.faces.cloudlink.notify.filters import FilterError
from micc_sim.faces.cloudlink.notify.models import Publication, Subscription, js_time
from micc_sim.faces.cloudlink.notify.mqtt import CONVERSATIONS
from micc_sim.outbound import own_url_refusal
from micc_sim.spec.router import ApiError, Call, Handler, Reply


def _invalid(message: str) -> ApiError:
    return ApiError(400, message, code="ValidationError")


def _may_see(call: Call, who: Principal, account_id: str, owner: str) -> bool:
    """The owner sees a subscription, and so do the admins of its account (as ``require_account`` decides)."""
    return owner == who.principal_id or cloudlink(call).directory.manages(who.role, who.account_id, account_id)


def _sees_publication(call: Call, who: Principal, p: Publication) -> bool:
    """What a subscription of the caller could be notified of, or what the caller may administer."""
    if p.principal_id == who.principal_id or (
            p.account_id is not None and cloudlink(call).directory.manages(who.role, who.account_id, p.account_id)):
        return True
    return (p.account_id is None or p.account_id == who.account_id) and (
        p.principal_filter is None or who.principal_id in p.principal_filter)


# -- subscriptions ----------------------------------------------------------------------------------
def subscription_view(s: Subscription) -> dict[str, Any]:
    view = {"subscriptionId": s.subscription_id, "accountId": s.account_id, "principalId": s.principal_id,
            "applicationId": s.application_id, "deviceId": s.device_id, "transport": s.transport, "topic": s.topic,
            "subjectFilter": s.subject_filter, "methodFilter": s.method_filter,
            "publicationFilter": s.publication_filter,
            "expiryDateTime": js_time(s.expiry) if s.expiry else None, "createdOn": js_time(s.created_on)}
    return {k: v for k, v in view.items() if v is not None}


def post_subscription(call: Call) -> Reply:
    who, body = principal(call), call.body
    settings = call.sim.settings.notifications
    transport, device_id = body["transport"], body["deviceId"]
    application_id = body.get("applicationId") or None
    guest = who.role == "GUEST"
    if guest and body["topic"] != CONVERSATIONS:
        raise ApiError(403, f"a GUEST may subscribe to its conversations ({CONVERSATIONS}) only, not to "
                            f"{body['topic']}", code="ForbiddenError")
    if transport == "webhook":
        if not application_id:
            raise _invalid("a webhook subscription needs applicationId: it keys the x-notify-signature of each "
                           "notification")
        refusal = own_url_refusal(device_id, call.sim.own_sockets)  # whatever webhook_hosts allows
        if refusal:
            raise _invalid(f"deviceId {refusal}")
        _check_webhook_url(device_id, settings.webhook_hosts)
    elif not device_id.strip():
        raise _invalid("deviceId of a websocket subscription is the client id of the MQTT connection")
    try:
        subscription = cloudlink(call).notify.subscribe(
            account_id=who.account_id, principal_id=who.principal_id, device_id=device_id, transport=transport,
            topic=body["topic"], application_id=application_id, subject_filter=body.get("subjectFilter"),
            method_filter=body.get("methodFilter") or None, publication_filter=body.get("publicationFilter"),
            expiry=_time("expiryDateTime", body.get("expiryDateTime")), guest=guest)
    except FilterError as exc:
        raise _invalid(str(exc)) from exc
    return Reply(subscription_view(subscription), 201)


def get_subscriptions(call: Call) -> dict[str, Any]:
    who = principal(call)
    notify = cloudlink(call).notify
    items = [subscription_view(s) for s in notify.live_subscriptions(call.sim.clock.now())
             if _may_see(call, who, s.account_id, s.principal_id)]
    return collection(items, call, "/subscriptions")


def _subscription(call: Call) -> Subscription:
    who = principal(call)
    subscription = cloudlink(call).notify.subscription(call.path["subscriptionId"])
    if subscription is None:
        raise ApiError(404, f"no subscription {call.path['subscriptionId']}", code="NotFoundError")
    if not _may_see(call, who, subscription.account_id, subscription.principal_id):
        raise ApiError(403, f"subscription {subscription.subscription_id} belongs to another principal",
                       code="ForbiddenError")
    return subscription


def get_subscription(call: Call) -> dict[str, Any]:
    return subscription_view(_subscription(call))


def delete_subscription(call: Call) -> Reply:
    cloudlink(call).notify.unsubscribe(_subscription(call).subscription_id)
    return Reply(None, 204)


def _check_webhook_url(url: str, allowed: list[str]) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise _invalid(f"deviceId {url!r} is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("deviceId of a webhook subscription is the http(s) URL notifications are POSTed to, "
                       f"not {url!r}")
    if not _host_allowed(parts.hostname, allowed):
        raise _invalid(f"the simulator delivers webhooks only to {', '.join(allowed)}, not to {parts.hostname} "
                       "(setting notifications.webhook_hosts; see docs/cloudlink-notifications.md)")


def _host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (e.lower() for e in allowed):
        if entry in ("*", host) or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _time(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(f"{name} must be an ISO 8601 date and time such as 2026-11-22T10:00:00.000Z, "
                       f"not {value!r}") from None


# -- publications -----------------------------------------------------------------------------------
def publication_view(p: Publication) -> dict[str, Any]:
    view = p.as_item()
    if p.principal_filter is not None:
        view["principalFilter"] = list(p.principal_filter)
    return view


def post_publication(call: Call) -> Reply:
    who, body = principal(call), call.body
    directory = cloudlink(call).directory
    account_id = who.account_id
    if body.get("accountId"):
        account_id = directory.account(str(body["accountId"])).account_id
        if account_id != who.account_id and not directory.manages(who.role, who.account_id, account_id):
            raise ApiError(403, f"a {who.role} of account {who.account_id} may not publish for account "
                                f"{account_id}", code="ForbiddenError")
    principal_id = body.get("principalId") or who.principal_id
    if principal_id != who.principal_id and not directory.manages(who.role, who.account_id, account_id):
        raise ApiError(403, f"a {who.role} may publish only as itself ({who.principal_id})", code="ForbiddenError")
    publication = cloudlink(call).notify.publish(
        body["topic"], body["method"], body["subject"], body.get("content"), account_id=account_id,
        principal_id=principal_id, correlation_id=correlation_id(call),
        principal_filter=body.get("principalFilter"))
    return Reply(publication_view(publication), 201)


def get_publications(call: Call) -> dict[str, Any]:
    who = principal(call)
    items = [publication_view(p) for p in reversed(cloudlink(call).notify.log) if _sees_publication(call, who, p)]
    return collection(items, call, "/publications")


# -- connections ------------------------------------------------------------------------------------
def post_connection(call: Call) -> dict[str, Any]:
    who = principal(call)
    settings = call.sim.settings.notifications
    token, expires = cloudlink(call).sessions.issue_connection(who, call.sim.clock.now(),
                                                                settings.connection_lifetime)
    request = call.request
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    scheme = "wss" if request.url.scheme in ("https", "wss") else "ws"
    path = mqtt.PATH.removeprefix("/notifications") if host.lower().startswith("notifications.") else mqtt.PATH
    return mqtt.connection_view(f"{scheme}://{host}{path}?token={token}", expires)


HANDLERS: dict[str, Handler] = {
    "Subscriptions_PostSubscription": post_subscription,
    "Subscriptions_GetSubscriptions": get_subscriptions,
    "Subscriptions_GetSubscription": get_subscription,
    "Subscriptions_DeleteSubscription": delete_subscription,
    "Publications_PostPublication": post_publication,
    "Publications_GetPublications": get_publications,
    "Connections_PostConnection": post_connection,
}
