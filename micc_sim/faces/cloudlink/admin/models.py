"""The CloudLink directory: accounts, users, clients, groups, sites, contacts and applications.

Roles (CloudLink guides): ``PARTNER_ADMIN`` manages its own account and every customer account of that partner,
``ACCOUNT_ADMIN`` its own account, ``USER`` only itself. Who may do what is :mod:`.access`; this module
keeps the directory consistent (unique logins per account, unique extensions, no dangling members) and
refuses what would break it with a :class:`DirectoryError`.

Entities created through the API get ids from a counter (``serial``), so a run that makes the same calls
gets the same ids, as the rest of the simulator does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from micc_sim.faces.cloudlink.errors import DirectoryError, known, not_found, refused
from micc_sim.world.cloudlink_config import CloudLinkConfig, cl_hex, cl_id

T = TypeVar("T")
ROLE_RANK = {"GUEST": 0, "USER": 1, "ACCOUNT_ADMIN": 2, "PARTNER_ADMIN": 3}
ROLES = ("PARTNER_ADMIN", "ACCOUNT_ADMIN", "USER")
CONTACT_TYPES = ("CORPORATE", "PERSONAL_CONTACT", "GUEST", "MAIN_CONTACT", "TECHNICAL_SUPPORT")


def conflict(message: str) -> DirectoryError:
    return refused(409, message)


def invalid(message: str) -> DirectoryError:
    return refused(400, message)


@dataclass
class Account:
    account_id: str
    number: str
    name: str
    label: str | None = None
    partner_id: str | None = None  # the partner account managing this one (None: a partner itself)
    created_on: datetime | None = None
    description: str = ""
    modified_on: datetime | None = None
    region: str = "na"  # where the account exists: na, eu or ap (its conferences' dial-in numbers)

    def named(self, ref: str) -> bool:
        wanted = ref.lower()
        return wanted in (self.account_id.lower(), self.number.lower(), (self.label or "").lower())

    @property
    def is_partner(self) -> bool:
        return self.partner_id is None


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
    first_name: str = ""
    last_name: str = ""
    modified_on: datetime | None = None
    active: bool = True  # False: deprovisioned (SCIM "active": false); no tokens, the account still lists it
    external_id: str | None = None  # the identity provider's id for it (SCIM externalId)

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
    type: str = "DEFAULT"
    description: str = ""
    modified_on: datetime | None = None


@dataclass
class Application:
    client_id: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    active: bool = True
    description: str = ""
    account_id: str | None = None  # the partner account that owns it (None: any partner may manage it)
    modified_on: datetime | None = None
    enabled_accounts: list[str] = field(default_factory=list)  # customer accounts it is enabled on (PUT accountId)

    def enabled_for(self, account_id: str) -> bool:
        """Whether users of ``account_id`` may sign in to it (the guide: "you may be required to manually
        activate your application on the account where it is being deployed"): it is active, and the account
        is its own partner account or one it was enabled on."""
        return self.active and (account_id == self.account_id or account_id in self.enabled_accounts)


@dataclass
class Group:
    group_id: str
    account_id: str
    name: str
    description: str = ""
    extension: str | None = None  # groups are dialable (a PBX concept)
    site_id: str | None = None
    members: list[str] = field(default_factory=list)  # user ids, in the order they were added
    created_on: datetime | None = None
    modified_on: datetime | None = None


@dataclass
class Site:
    site_id: str
    account_id: str
    name: str
    description: str = ""
    address: dict[str, str] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    inbound_digits: str | None = None
    outbound_digits: str | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None


@dataclass
class Contact:
    contact_id: str
    account_id: str
    type: str  # one of CONTACT_TYPES
    created_by: str  # the principal that created it (the only one who sees a PERSONAL_CONTACT)
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None


Entity = User | Client | Group | Contact


@dataclass
class Photo:
    """A user's, contact's or group's picture (the Admin API Guide: "Photos can be assigned to Users,
    Contacts, and Groups")."""

    content_type: str  # image/png, image/jpeg, image/gif or image/webp
    data: str  # base64, so that snapshots stay JSON
    updated_on: datetime


@dataclass
class ScimKey:
    """The secret an identity provider's SCIM integration authenticates with (``POST /accounts/{id}/scimkey``);
    asking again replaces it."""

    key: str
    created_on: datetime
    created_by: str


@dataclass
class Directory:
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    photos: dict[str, Photo] = field(default_factory=dict)  # by the user's, contact's or group's id
    scim_keys: dict[str, ScimKey] = field(default_factory=dict)  # by account id
    serial: int = 0  # entities created through the API so far (their ids derive from it)

    @classmethod
    def from_config(cls, config: CloudLinkConfig, now: datetime) -> Directory:
        directory = cls()
        for a in config.accounts:
            account = Account(a.id or cl_id("account", a.name), a.number, a.name, a.label, created_on=now,
                              region=a.region)
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
            owner = directory.account(p.account).account_id if p.account else None
            if p.enabled_on is not None:
                enabled = [directory.account(ref).account_id for ref in p.enabled_on]
            else:  # not said: every customer account of its partner, every account when it has none
                enabled = [a.account_id for a in directory.accounts.values()
                           if a.account_id != owner and (owner is None or a.partner_id == owner)]
            app = Application(p.client_id or cl_hex("application", p.name), p.name, list(p.redirect_uris),
                              p.active, p.description, owner, enabled_accounts=list(dict.fromkeys(enabled)))
            directory.applications[app.client_id] = app
        return directory

    # -- lookups ---------------------------------------------------------------------------------
    def account(self, ref: str) -> Account:
        """An account by id, number or label."""
        return known(self.accounts.get(ref) or next((a for a in self.accounts.values() if a.named(ref)), None),
                     f"account {ref!r}")

    def user(self, user_id: str) -> User:
        return known(_any_case(self.users, user_id), f"user {user_id!r}")

    def users_named(self, username: str) -> list[User]:
        wanted = username.strip().lower()
        return [u for u in self.users.values() if u.email.lower() == wanted]

    def user_for_extension(self, extension: str) -> User | None:
        return next((u for u in self.users.values() if u.extension == extension), None)

    def user_for_micc_employee(self, *refs: str | None) -> User | None:
        wanted = {r.lower() for r in refs if r}
        return next((u for u in self.users.values() if (u.micc_employee or "").lower() in wanted), None)

    def client(self, client_id: str) -> Client:
        return known(self.clients.get(client_id), f"client {client_id!r}")

    def application(self, client_id: str) -> Application:
        return known(self.applications.get(client_id), f"application {client_id!r}")

    def in_account(self, kind: str, account_id: str, entity_id: str) -> Any:
        """The user, client, group, site or contact ``entity_id`` of ``account_id`` (404 in any other)."""
        entity = _any_case(self._table(kind), entity_id)
        if entity is None or entity.account_id != account_id:
            raise not_found(f"{kind} {entity_id!r} in account {account_id}")
        return entity

    def of_account(self, kind: str, account_id: str) -> list[Any]:
        return [e for e in self._table(kind).values() if e.account_id == account_id]

    def _table(self, kind: str) -> dict[str, Any]:
        return {"user": self.users, "client": self.clients, "group": self.groups, "site": self.sites,
                "contact": self.contacts}[kind]

    def entities(self, account_id: str) -> list[tuple[str, Entity]]:
        """Users, contacts, groups and clients of an account, in that order (CloudLink guides' "entities")."""
        return [(kind, e) for kind in ("user", "contact", "group", "client") for e in self.of_account(kind, account_id)]

    def customers(self, partner_id: str) -> list[Account]:
        return [a for a in self.accounts.values() if a.partner_id == partner_id]

    # -- access ----------------------------------------------------------------------------------
    def manages(self, role: str, own_account_id: str, account_id: str) -> bool:
        """Whether a principal of ``role`` in ``own_account_id`` may administer ``account_id``."""
        if role == "PARTNER_ADMIN":
            account = self.accounts.get(account_id)
            return account_id == own_account_id or (account is not None and account.partner_id == own_account_id)
        return role == "ACCOUNT_ADMIN" and account_id == own_account_id

    # -- commands --------------------------------------------------------------------------------
    def change_account(self, account: Account, changes: dict[str, Any], now: datetime) -> Account:
        label = changes.get("label")
        if label:
            clash = next((a for a in self.accounts.values() if a is not account and a.named(label)), None)
            if clash is not None:
                raise conflict(f"label {label!r} already names account {clash.account_id}")
        _apply(account, changes, now)
        return account

    def add_user(self, account: Account, fields: dict[str, Any], now: datetime) -> User:
        user = User(self._new_id("user"), account.account_id, email="", password="", name="", role="USER",
                    created_on=now)
        fields = {"role": "USER", "email": "", **fields}
        self._check_user(user, fields, account)
        _apply(user, fields, None)
        if not user.name:
            user.name = f"{user.first_name} {user.last_name}".strip() or user.email
        self.users[user.user_id] = user
        return user

    def change_user(self, user: User, changes: dict[str, Any], now: datetime) -> User:
        self._check_user(user, changes, self.accounts[user.account_id])
        _apply(user, changes, now)
        return user

    def remove_user(self, user: User) -> User:
        """Delete a user, its group memberships, its photo and its personal contacts."""
        del self.users[user.user_id]
        self.photos.pop(user.user_id, None)
        for group in self.groups.values():
            if user.user_id in group.members:
                group.members.remove(user.user_id)
        self.contacts = {k: c for k, c in self.contacts.items()
                         if not (c.type == "PERSONAL_CONTACT" and c.created_by == user.user_id)}
        return user

    def add_client(self, account: Account, fields: dict[str, Any], now: datetime) -> Client:
        client_id = fields.pop("client_id", None) or self._new_hex("client")
        if client_id in self.clients:
            raise conflict(f"client {client_id!r} already exists")
        client = Client(client_id, cl_hex("client-secret", f"{client_id}:{self.serial}"), account.account_id,
                        name="", role="ACCOUNT_ADMIN", created_on=now)
        self._check_role(fields.get("role", client.role), account)
        _apply(client, fields, None)
        self.clients[client.client_id] = client
        return client

    def change_client(self, client: Client, changes: dict[str, Any], now: datetime) -> Client:
        if "role" in changes:
            self._check_role(changes["role"], self.accounts[client.account_id])
        _apply(client, changes, now)
        return client

    def remove_client(self, client: Client) -> Client:
        del self.clients[client.client_id]
        return client

    def add_group(self, account: Account, fields: dict[str, Any], now: datetime) -> Group:
        group = Group(self._new_id("group"), account.account_id, name="", created_on=now)
        return self.change_group(group, fields, None, new=True)

    def change_group(self, group: Group, changes: dict[str, Any], now: datetime | None, new: bool = False) -> Group:
        if changes.get("extension"):
            self._check_extension(changes["extension"], group.group_id)
        if changes.get("site_id"):
            self.in_account("site", group.account_id, changes["site_id"])
        _apply(group, changes, now)
        if new:
            self.groups[group.group_id] = group
        return group

    def remove_group(self, group: Group) -> Group:
        del self.groups[group.group_id]
        self.photos.pop(group.group_id, None)
        return group

    def add_member(self, group: Group, user: User, now: datetime) -> bool:
        """Add ``user`` to ``group``; False when it already was a member (nothing changes)."""
        if user.account_id != group.account_id:
            raise invalid(f"user {user.user_id} is not in the group's account {group.account_id}")
        if user.user_id in group.members:
            return False
        group.members.append(user.user_id)
        group.modified_on = now
        return True

    def remove_member(self, group: Group, user_id: str, now: datetime) -> str:
        member = known(next((m for m in group.members if m.lower() == user_id.lower()), None),
                       f"member {user_id!r} of group {group.group_id}")
        group.members.remove(member)
        group.modified_on = now
        return member

    def add_site(self, account: Account, fields: dict[str, Any], now: datetime) -> Site:
        site = Site(self._new_id("site"), account.account_id, name="", created_on=now)
        _apply(site, fields, None)
        self.sites[site.site_id] = site
        return site

    def change_site(self, site: Site, changes: dict[str, Any], now: datetime) -> Site:
        _apply(site, changes, now)
        return site

    def remove_site(self, site: Site) -> Site:
        groups = [g.group_id for g in self.groups.values() if g.site_id == site.site_id]
        if groups:
            raise conflict(f"site {site.site_id} has groups ({', '.join(groups)}): move them first")
        del self.sites[site.site_id]
        return site

    def add_contact(self, account: Account, created_by: str, fields: dict[str, Any], now: datetime) -> Contact:
        contact = Contact(self._new_id("contact"), account.account_id, fields.get("type", "CORPORATE"),
                          created_by, created_on=now)
        _apply(contact, fields, None)
        if not contact.name:
            contact.name = f"{contact.first_name} {contact.last_name}".strip()
        self.contacts[contact.contact_id] = contact
        return contact

    def change_contact(self, contact: Contact, changes: dict[str, Any], now: datetime) -> Contact:
        if "type" in changes and changes["type"] != contact.type:
            raise invalid(f"a contact's type cannot change ({contact.type}): delete it and create another")
        _apply(contact, changes, now)
        return contact

    def remove_contact(self, contact: Contact) -> Contact:
        del self.contacts[contact.contact_id]
        self.photos.pop(contact.contact_id, None)
        return contact

    def change_application(self, app: Application, changes: dict[str, Any], now: datetime) -> Application:
        _apply(app, changes, now)
        return app

    # -- consistency -----------------------------------------------------------------------------
    def _check_user(self, user: User, changes: dict[str, Any], account: Account) -> None:
        email = changes.get("email")
        if email is not None:
            if not email.strip():
                raise invalid("a user needs an email (the login)")
            clash = next((u for u in self.users_named(email)
                          if u.account_id == account.account_id and u.user_id != user.user_id), None)
            if clash is not None:
                raise conflict(f"{email} is already a user of account {account.account_id} ({clash.user_id})")
        if changes.get("extension"):
            self._check_extension(changes["extension"], user.user_id)
        if "role" in changes:
            self._check_role(changes["role"], account)

    def _check_extension(self, extension: str, owner_id: str) -> None:
        holders = [u.user_id for u in self.users.values() if u.extension == extension]
        holders += [g.group_id for g in self.groups.values() if g.extension == extension]
        if any(h != owner_id for h in holders):
            raise conflict(f"extension {extension} already belongs to {holders[0]}")

    @staticmethod
    def _check_role(role: str, account: Account) -> None:
        if role not in ROLES:
            raise invalid(f"role must be one of {', '.join(ROLES)}")
        if role == "PARTNER_ADMIN" and not account.is_partner:
            raise invalid(f"PARTNER_ADMIN belongs to a partner account; {account.account_id} is a customer account")

    def _new_id(self, kind: str) -> str:
        self.serial += 1
        return cl_id(kind, f"created-{self.serial}")

    def _new_hex(self, kind: str) -> str:
        self.serial += 1
        return cl_hex(kind, f"created-{self.serial}")


def _any_case(table: dict[str, T], key: str) -> T | None:
    """``table[key]``, or the entry whose key is ``key`` in another case (clients write GUIDs in either)."""
    return table.get(key) or next((v for k, v in table.items() if k.lower() == key.lower()), None)


def _apply(entity: Any, changes: dict[str, Any], now: datetime | None) -> None:
    """Set the attributes ``changes`` names (the handlers map wire names to these)."""
    for name, value in changes.items():
        if not hasattr(entity, name):
            raise AttributeError(f"{type(entity).__name__} has no {name}")
        setattr(entity, name, value)
    if now is not None:
        entity.modified_on = now
