"""Client tokens that act for an employee: the ``Impersonate`` header of a client-credentials token request.

Mitel's MiCC SDK authentication sample ("Client Authentication with Impersonation"): a trusted client sends
its id and secret with ``Impersonate: <Windows user name>`` and gets a token that "represents the user and
their identity claims" without the user's password. The simulator matches the name to an employee's
username in any case, with or without a ``DOMAIN\\`` prefix; the token's subject is that employee (so
``employees/me/...``, ``addSelfMonitor`` and every "me" operation act for them) and it still names the client.
Which clients may do it is Clients.config's ``AllowImpersonation`` per entry (see models.py).
"""

from __future__ import annotations

import logging

from starlette.requests import Request

from micc_sim.faces.micc.authserver.models import Client
from micc_sim.spec.router import ApiError
from micc_sim.world.model import Employee

HEADER = "impersonate"
INVALID_GRANT = "invalid_grant"
UNAUTHORIZED_CLIENT = "unauthorized_client"

log = logging.getLogger("micc_sim.authserver")


def wanted_user(request: Request) -> str | None:
    """The user name the request asks to act for, None without the header (or with a blank one)."""
    value = request.headers.get(HEADER, "").strip()
    return value or None


def windows_user(name: str) -> str:
    """``DOMAIN\\user`` without its domain."""
    return name.rsplit("\\", 1)[-1].strip()


def impersonated(world: object, client: Client, name: str) -> Employee:
    """The employee ``client`` asks to act for, or the refusal (OAuth's shape, 400, as OWIN sets errors)."""
    if not client.may_impersonate:
        raise ApiError(400, f"The client '{client.id}' is not allowed to impersonate users (AllowImpersonation "
                            "is false in Clients.config).", code=UNAUTHORIZED_CLIENT)
    user = windows_user(name).lower()
    for employee in world.employees.values():  # type: ignore[attr-defined]
        if user and employee.username.lower() == user:
            log.info("client %s gets a token acting for %s (Impersonate: %s)", client.id, employee.username, name)
            return employee
    raise ApiError(400, f"The user '{name}' to impersonate is not known.", code=INVALID_GRANT)
