"""The CloudLink directory: accounts, users, clients and applications, and who may manage what.

Roles (seed 003): ``PARTNER_ADMIN`` manages its own account and every customer account of that partner,
``ACCOUNT_ADMIN`` its own account, ``USER`` only itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from simulator.cloudlink.config import CloudLinkConfig, cl_hex, cl_id

ROLE_RANK = {"GUEST": 0, "USER": 1, "ACCOUNT_ADMIN": 2, "PARTNER_ADMIN": 3}


class DirectoryError(Exception):
    """A directory command refused; the faces render it in CloudLink's error shape."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message


def not_found(what: str) -> DirectoryError:
    return DirectoryError(404, "NotFound", f"{what} not found")


@dataclass
class Account:
    account_id: str
    number: str
    name: str
    label: str | None = None
    partner_id: str | None = None  # the partner account managing this one (None: a partner itself)
    created_on: datetime | None = None

    def named(self, ref: str) -> bool:
        wanted = ref.lower()
        return wanted in (self.account_id.lower(), self.number.lower(), (self.label or "").lower())


@dataclass
class User:
    user_id: str
    account_id: str
    email: str
    password: str
    name: str
    role: str
    extension: str | None = None
    micc_employee: str | None = None
    created_on: datetime | None = None

    @property
    def username(self) -> str:
        return self.email


@dataclass
class Client:
    client_id: str
    secret: str
    account_id: str
    name: str
    role: str
    active: bool = True
    created_on: datetime | None = None


@dataclass
class Application:
    client_id: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    active: bool = True
    description: str = ""


@dataclass
class Directory:
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: CloudLinkConfig, now: datetime) -> Directory:
        directory = cls()
        for a in config.accounts:
            account = Account(a.id or cl_id("account", a.name), a.number, a.name, a.label, created_on=now)
            directory.accounts[account.account_id] = account
        for a in config.accounts:
            if a.partner:
                directory.account(a.id or cl_id("account", a.name)).partner_id = directory.account(a.partner).account_id
        for u in config.users:
            account = directory.account(u.account)
            user = User(u.id or cl_id("user", f"{u.email}@{account.account_id}"), account.account_id, u.email,
                        u.password, u.name, u.role, u.extension, u.micc_employee, now)
            directory.users[user.user_id] = user
        for c in config.clients:
            account = directory.account(c.account)
            client = Client(c.client_id or cl_hex("client", c.name), c.secret or cl_hex("client-secret", c.name),
                            account.account_id, c.name, c.role, c.active, now)
            directory.clients[client.client_id] = client
        for p in config.applications:
            app = Application(p.client_id or cl_hex("application", p.name), p.name, list(p.redirect_uris),
                              p.active, p.description)
            directory.applications[app.client_id] = app
        return directory

    # -- lookups ---------------------------------------------------------------------------------
    def account(self, ref: str) -> Account:
        """An account by id, number or label."""
        found = self.accounts.get(ref) or next((a for a in self.accounts.values() if a.named(ref)), None)
        if found is None:
            raise not_found(f"account {ref!r}")
        return found

    def user(self, user_id: str) -> User:
        found = self.users.get(user_id) or next(
            (u for u in self.users.values() if u.user_id.lower() == user_id.lower()), None)
        if found is None:
            raise not_found(f"user {user_id!r}")
        return found

    def users_named(self, username: str) -> list[User]:
        wanted = username.strip().lower()
        return [u for u in self.users.values() if u.email.lower() == wanted]

    def user_for_extension(self, extension: str) -> User | None:
        return next((u for u in self.users.values() if u.extension == extension), None)

    def user_for_micc_employee(self, *refs: str | None) -> User | None:
        wanted = {r.lower() for r in refs if r}
        return next((u for u in self.users.values() if (u.micc_employee or "").lower() in wanted), None)

    def client(self, client_id: str) -> Client:
        found = self.clients.get(client_id)
        if found is None:
            raise not_found(f"client {client_id!r}")
        return found

    def application(self, client_id: str) -> Application:
        found = self.applications.get(client_id)
        if found is None:
            raise not_found(f"application {client_id!r}")
        return found

    # -- access ----------------------------------------------------------------------------------
    def manages(self, role: str, own_account_id: str, account_id: str) -> bool:
        """Whether a principal of ``role`` in ``own_account_id`` may administer ``account_id``."""
        if role == "PARTNER_ADMIN":
            account = self.accounts.get(account_id)
            return account_id == own_account_id or (account is not None and account.partner_id == own_account_id)
        return role == "ACCOUNT_ADMIN" and account_id == own_account_id
