"""CloudLink from the client's side: a token from the Authentication API, a webhook subscription on Notify.

The defaults are the default tenant's (docs/cloudlink.md, "The default tenant"): its account administrator
``admin@wagner.example.com`` and its client-credentials client.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from micc_sim.faces.cloudlink.common import VERSION
from micc_sim.world.seed import ACCOUNT_NUMBER, CLOUDLINK_CLIENT_ID, CLOUDLINK_CLIENT_SECRET

DEFAULT_ADMIN = "admin@wagner.example.com"
DEFAULT_PASSWORD = "password"
SERVICES = ("authentication", "admin", "notifications", "chat", "media", "presence", "servicedelivery",
            "workflow")


def service_url(base_url: str, service: str) -> str:
    """``http://127.0.0.1:8080/media/2017-09-01``: a CloudLink service's base URL on the simulator."""
    if service not in SERVICES:
        raise ValueError(f"no CloudLink service {service!r}; one of {', '.join(SERVICES)}")
    return f"{base_url.rstrip('/')}/{service}/{VERSION}"


def token(base_url: str, username: str | None = None, password: str | None = None, *,
          client_id: str | None = None, client_secret: str | None = None, account_id: str | None = None,
          verify: Any = True) -> str:
    """An access token: the password grant for ``username`` (the default tenant's account admin when neither
    a username nor a client is given), or client credentials for ``client_id`` (``"default"``: the tenant's
    client)."""
    if client_id is not None:
        if client_id == "default":
            client_id, client_secret = CLOUDLINK_CLIENT_ID, client_secret or CLOUDLINK_CLIENT_SECRET
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret or "",
                "account_id": account_id or ACCOUNT_NUMBER}
    else:
        body = {"grant_type": "password", "username": username or DEFAULT_ADMIN,
                "password": password if password is not None else DEFAULT_PASSWORD}
        if account_id:
            body["account_id"] = account_id
    response = httpx.post(f"{service_url(base_url, 'authentication')}/token", json=body, timeout=30, verify=verify)
    if response.status_code != 200:
        raise PermissionError(f"CloudLink /token refused {body['grant_type']}: {response.status_code} "
                              f"{response.text[:300]}")
    return response.json()["access_token"]


def subscribe_webhook(base_url: str, access_token: str, url: str, subscription: dict[str, Any],
                      application_id: str | None = None, verify: Any = True) -> dict[str, Any]:
    """``POST /subscriptions`` for a webhook to ``url``; ``subscription`` holds the rest (topic, subjectFilter,
    publicationFilter, methodFilter, ...) in the API's own spelling. Returns the subscription."""
    body = {"applicationId": application_id or str(uuid.uuid4()), **subscription, "deviceId": url,
            "transport": "webhook"}
    response = httpx.post(f"{service_url(base_url, 'notifications')}/subscriptions", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {access_token}"}, verify=verify)
    if response.status_code != 201:
        raise ValueError(f"POST /subscriptions: {response.status_code} {response.text[:300]}")
    return response.json()
