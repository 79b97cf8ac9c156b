"""Who may do what in the directory: one table from (resource, action) to how far the caller must reach.

The CloudLink guides gives the roles: a ``PARTNER_ADMIN`` has full access to its partner account and every customer
account, an ``ACCOUNT_ADMIN`` to its account, a ``USER`` basic rights in its account. The rest is inferred
and documented in ``docs/cloudlink-admin.md``: a user reads its account's directory (a chat client has to
find the people it talks to) but changes nothing in it; personal contacts are seen by their creator only;
guest contacts may be created by any member (a meeting invitation); applications belong to a partner.
A principal never grants, or touches a holder of, a role above its own.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from micc_sim.faces.cloudlink.admin.models import ROLE_RANK, Directory


class Caller(Protocol):
    role: str
    account_id: str
    principal_id: str


class Reach(StrEnum):
    MEMBER = "member"  # any principal of the account (USER and up), or an admin managing it
    MANAGER = "manager"  # an ACCOUNT_ADMIN of the account, a PARTNER_ADMIN of it or of its partner
    CREATOR = "creator"  # only the principal that created the entity
    CREATOR_OR_MANAGER = "creator_or_manager"
    PARTNER = "partner"  # a PARTNER_ADMIN of the owning partner account (any partner if it has no owner)


_ADMINISTRATIVE = {"read": Reach.MEMBER, "create": Reach.MANAGER, "write": Reach.MANAGER}

RULES: dict[str, dict[str, Reach]] = {
    "account": {"read": Reach.MEMBER, "write": Reach.MANAGER},
    "user": _ADMINISTRATIVE,
    "group": _ADMINISTRATIVE,
    "site": _ADMINISTRATIVE,
    "client": {"read": Reach.MANAGER, "create": Reach.MANAGER, "write": Reach.MANAGER},
    "entity": {"read": Reach.MEMBER},
    "contact:CORPORATE": _ADMINISTRATIVE,
    "contact:MAIN_CONTACT": _ADMINISTRATIVE,
    "contact:TECHNICAL_SUPPORT": _ADMINISTRATIVE,
    "contact:GUEST": {"read": Reach.MEMBER, "create": Reach.MEMBER, "write": Reach.CREATOR_OR_MANAGER},
    "contact:PERSONAL_CONTACT": {"read": Reach.CREATOR, "create": Reach.MEMBER, "write": Reach.CREATOR},
    "application": {"read": Reach.PARTNER, "write": Reach.PARTNER},
}


def allowed(directory: Directory, who: Caller, resource: str, action: str, account_id: str | None,
            created_by: str | None = None) -> bool:
    """Whether ``who`` may ``action`` (read, create, write) a ``resource`` of ``account_id``."""
    reach = RULES[resource][action]
    manager = account_id is not None and directory.manages(who.role, who.account_id, account_id)
    creator = created_by is not None and created_by == who.principal_id
    if reach is Reach.MEMBER:
        return manager or (ROLE_RANK.get(who.role, 0) >= ROLE_RANK["USER"] and who.account_id == account_id)
    if reach is Reach.MANAGER:
        return manager
    if reach is Reach.CREATOR:
        return creator
    if reach is Reach.CREATOR_OR_MANAGER:
        return creator or manager
    return who.role == "PARTNER_ADMIN" and account_id in (None, who.account_id)


def outranks(role: str, who: Caller) -> bool:
    """A role above the caller's: it may not be granted by it, nor may its holders be changed by it."""
    return ROLE_RANK.get(role, 0) > ROLE_RANK.get(who.role, 0)
