"""Who is calling a CloudLink service: the accounts they see and manage, and the signature of what they change.

A change a request makes may publish through the services' own events (a call's legs, a presentity);
:func:`signed` makes those publications carry the request's correlation id and the caller as the
publisher, as publications made directly by a handler do (``common.publish``). Changes made by the
clock or by the MiCC side carry neither.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from micc_sim.faces.cloudlink.common import cloudlink, correlation_id, principal
from micc_sim.spec.router import ApiError, Call

ADMINS = ("ACCOUNT_ADMIN", "PARTNER_ADMIN")


@dataclass(frozen=True)
class Signature:
    correlation_id: str
    principal_id: str | None


_signature: ContextVar[Signature | None] = ContextVar("cloudlink_signature", default=None)


def current_signature() -> Signature | None:
    return _signature.get()


def signed(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
    """Run ``handler`` with the request's signature on whatever it publishes."""

    @wraps(handler)
    def run(call: Call) -> Any:
        who = call.principal
        token = _signature.set(Signature(correlation_id(call), who.principal_id if who else None))
        try:
            return handler(call)
        finally:
            _signature.reset(token)

    return run


def visible_accounts(call: Call) -> list[str]:
    """The caller's account first, then (for a partner admin) its customers' accounts."""
    who = principal(call)
    accounts = [who.account_id]
    if who.role == "PARTNER_ADMIN":
        accounts += sorted(a.account_id for a in cloudlink(call).directory.accounts.values()
                           if a.partner_id == who.account_id)
    return accounts


def manages(call: Call, account_id: str) -> bool:
    who = principal(call)
    return cloudlink(call).directory.manages(who.role, who.account_id, account_id)


def require_self_or_admin(call: Call, account_id: str, user_id: str | None, what: str) -> None:
    """A user acts on what is theirs; an admin on anything of the accounts they manage."""
    who = principal(call)
    if user_id is not None and who.principal_id == user_id and who.account_id == account_id:
        return
    if not manages(call, account_id):
        raise ApiError(403, f"a {who.role} may not change {what}", code="ForbiddenError")
