"""The locust user of the ``notifications`` profile: CloudLink users doing what publishes notifications.

Each ``CloudLinkActivity`` user is one CloudLink user of the account (a user with a phone, taken in turn from
the Admin API's list) and, at ``--micc-rate`` actions a second (Poisson, seeded), it:

* calls another user's phone, which answers, then hangs up (Media API, as the account's admin: a call
  publishes each leg's ringing, connected and completed, and each phone's presence);
* posts a message to its direct conversation with a colleague and the consumer (Chat API: the consumer is a
  participant, so the private conversation's principal filter lets its subscriptions hear it);
* sets its principal presence Busy, Away, Available in turn (Presence API).

The consumer that subscribes and receives the notifications is the run's, not a locust user
(:mod:`micc_sim.harness.load.notifications`). Time on this side is wall time.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from locust import FastHttpUser, task

from micc_sim.harness.load.bearer import bearer_request, fetch_token

CL = "/authentication/2017-09-01"
MEDIA, CHAT, PRESENCE, ADMIN = (f"/{s}/2017-09-01" for s in ("media", "chat", "presence", "admin"))
STATUSES = ("Busy", "Away", "Available")


class Tenant:
    """What one locust process learns once: the admin's token and who the account's users with phones are."""

    def __init__(self) -> None:
        self.admin_token: str | None = None
        self.admin: dict[str, Any] = {}  # the admin's token claims (principalId, accountId)
        self.people: list[dict[str, Any]] = []  # users with an extension, by extension


TENANT = Tenant()


class CloudLinkActivity(FastHttpUser):
    _users = itertools.count()

    def on_start(self) -> None:
        o = self.environment.parsed_options
        self.options = o
        number = next(self._users)
        index = getattr(self.environment.runner, "worker_index", 0)
        self.random = random.Random(f"{o.micc_seed}:{index}:{number}")
        self.statuses = itertools.cycle(STATUSES)
        self.messages = itertools.count(1)
        if TENANT.admin_token is None:
            self._admin_login()
        if len(TENANT.people) < 2:
            raise RuntimeError(f"account {TENANT.admin.get('accountId')} needs two users with an extension")
        self.me = TENANT.people[(index * 7919 + number) % len(TENANT.people)]
        self.colleague = TENANT.people[(TENANT.people.index(self.me) + 1) % len(TENANT.people)]  # not me
        self.token = self._login(self.me["email"], o.micc_agent_password)
        participants = [self.me["userId"], self.colleague["userId"], TENANT.admin["principalId"]]
        r = self._call("POST", f"{CHAT}/conversations", "/chat/conversations", self.token, ok=(201,), json={
            "stream": False, "generateSystemMessages": False,
            "originalParticipants": [{"type": "USER", "participantId": p} for p in participants]})
        self.conversation = r.json()["conversationId"] if r is not None and r.status_code == 201 else None

    def wait_time(self) -> float:  # type: ignore[override]
        return self.random.expovariate(self.options.micc_rate)

    # -- tokens --------------------------------------------------------------------------------------
    def _login(self, username: str, password: str) -> str:
        body = {"grant_type": "password", "username": username, "password": password}
        if TENANT.admin.get("accountId"):
            body["account_id"] = TENANT.admin["accountId"]
        return fetch_token(self.client, f"{CL}/token", "/authentication/token",
                           f"{username} cannot log in to CloudLink", json=body)

    def _admin_login(self) -> None:
        o = self.options
        token = self._login(o.micc_cloudlink_login, o.micc_cloudlink_password)
        TENANT.admin = self.client.get(f"{CL}/token", headers={"Authorization": f"Bearer {token}"},
                                       name="/authentication/token").json()
        users = self.client.get(f"{ADMIN}/accounts/{TENANT.admin['accountId']}/users",
                                headers={"Authorization": f"Bearer {token}"},
                                name="/admin/accounts/{id}/users").json()["_embedded"]["items"]
        TENANT.people = sorted((u for u in users if u.get("extension")), key=lambda u: u["extension"])
        TENANT.admin_token = token

    def _call(self, method: str, path: str, name: str, token: str, ok: tuple[int, ...] = (200, 201),
              **kwargs: Any) -> Any:
        """A request with ``token`` (the admin's or this user's), which logs in again once when it expired."""
        return bearer_request(self.client, method, path, name, token, lambda: self._login_again(token), ok, **kwargs)

    def _login_again(self, token: str) -> str:
        if token == TENANT.admin_token:
            self._admin_login()
            return TENANT.admin_token or ""
        self.token = self._login(self.me["email"], self.options.micc_agent_password)
        return self.token

    # -- what publishes ------------------------------------------------------------------------------
    @task(2)
    def call(self) -> None:
        """Ring a colleague's phone; they answer, and hang up. Another caller may have them busy (then the
        call is refused at once and the answer finds nothing: 404 or 409, not a failure here)."""
        callee = self.random.choice([p for p in TENANT.people if p["extension"] != self.me["extension"]])
        admin = TENANT.admin_token or ""
        r = self._call("POST", f"{MEDIA}/endpoints/{self.me['extension']}/calls", "/media/endpoints/{id}/calls",
                       admin, ok=(200,), json={"to": callee["extension"]})
        if r is None or r.status_code != 200:
            return
        call_id = r.json()["callId"]
        for endpoint, action in ((callee["extension"], "answer"), (callee["extension"], "end")):
            self._call("PUT", f"{MEDIA}/endpoints/{endpoint}/calls/{call_id}",
                       "/media/endpoints/{id}/calls/{callId}", TENANT.admin_token or admin,
                       ok=(200, 404, 409), json={"action": action})

    @task(2)
    def message(self) -> None:
        if self.conversation is not None:
            self._call("POST", f"{CHAT}/conversations/{self.conversation}/messages",
                       "/chat/conversations/{id}/messages", self.token, ok=(201,),
                       json={"body": f"load message {next(self.messages)} from {self.me['extension']}"})

    @task(1)
    def presence(self) -> None:
        self._call("PUT", f"{PRESENCE}/presentities/{self.me['userId']}", "/presence/presentities/{id}",
                   self.token, json={"status": next(self.statuses)})
