"""The ``cloudlink`` section of a world file: the CloudLink tenant (accounts, users, clients, applications).

References use names: a user names its account by id, number or label, and may name the MiCC employee
(username or agent reporting number) whose agent state flows into the user's presentity (the ``acd``
source). Ids left out are derived from names (UUID v5, or 32 hex digits where CloudLink uses those), so
they are the same on every run.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CL_NAMESPACE = uuid.UUID("0c6b9f6e-31a5-4f0e-9a57-2b1d8e44c0aa")
Role = Literal["PARTNER_ADMIN", "ACCOUNT_ADMIN", "USER"]
Region = Literal["na", "eu", "ap"]  # the guides' North America, Europe, Asia-Pacific


def cl_id(kind: str, name: str) -> str:
    """A stable GUID for a CloudLink entity named ``name``."""
    return str(uuid.uuid5(CL_NAMESPACE, f"{kind}:{name.lower()}"))


def cl_hex(kind: str, name: str) -> str:
    """A stable 32-hex-digit id (client ids, secrets, application ids look like this on CloudLink)."""
    return uuid.uuid5(CL_NAMESPACE, f"{kind}:{name.lower()}").hex


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountConfig(_Strict):
    id: str | None = None
    number: str = Field(description="the numeric account number clients also use as account_id")
    name: str
    label: str | None = Field(None, description="a short label that also names the account")
    partner: str | None = Field(None, description="the partner account that manages this one (id, number or label)")
    region: Region = Field("na", description="where the account exists (the guides' North America, Europe, "
                                             "Asia-Pacific): its conferences' dial-in numbers follow it")


class UserConfig(_Strict):
    id: str | None = None
    email: str = Field(description="the login (username) and e-mail")
    password: str = "password"
    name: str = ""
    role: Role = "USER"
    account: str = Field(description="id, number or label of the user's account")
    extension: str | None = Field(None, description="the user's phone: a media endpoint with this id")
    micc_employee: str | None = Field(None, description="MiCC employee (username or reporting) of this user")


class ClientConfig(_Strict):
    client_id: str | None = None
    secret: str | None = None
    name: str
    role: Role = "ACCOUNT_ADMIN"
    account: str
    active: bool = True


class WorkflowBotConfig(_Strict):
    """A bot that hands conversations off through the workflow webhook, and where Workflow reaches it."""

    account: str = Field(description="the account whose webhook the bot posts to (id, number or label)")
    url: str = Field(pattern=r"^https?://", description="the bot's messaging endpoint (Bot Framework: /api/messages)")


class ApplicationConfig(_Strict):
    client_id: str | None = None
    name: str
    redirect_uris: list[str] = Field(default_factory=list)
    active: bool = True
    description: str = ""
    account: str | None = Field(None, description="the partner (prime) account whose PARTNER_ADMINs manage it")
    enabled_on: list[str] | None = Field(
        None, description="the customer accounts (id, number or label) it is enabled on; its own partner account "
                          "always is. None: every customer account of its partner (every account when it names none)")


class TokenThrottleConfig(_Strict):
    """Failed logins at ``/token`` and ``/authorize`` for one login (or client id) from one address: after
    ``failures`` of them within ``window`` seconds, every attempt is a 429 for ``lockout`` seconds."""

    failures: int = Field(5, ge=0, description="failed attempts that lock the login; 0 turns throttling off")
    window: int = Field(60, gt=0, description="seconds over which failures are counted")
    lockout: int = Field(60, gt=0, description="seconds a locked login answers 429")


class AgreementItemConfig(_Strict):
    """One product of an agreement (Service Delivery API): a SKU, how many licenses, at what price."""

    sku: str = Field(description="the product offering (SKU) the product is an instance of")
    name: str
    quantity: int = Field(1, ge=1, description="licenses (seats) agreed")
    unit_price: float = Field(ge=0, description="regular recurring price of one license a month")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    discount_percent: float = Field(0, ge=0, le=100, description="the price alteration agreed, in percent")
    serial_number: str | None = Field(None, description="productSerialNumber (hardware or software packages)")


class AgreementConfig(_Strict):
    """A subscription contract (TMF651 Agreement) between a distributor and a customer account."""

    id: str | None = None
    name: str
    account: str = Field(description="the customer (reseller) account: id, number or label")
    distributor: str | None = Field(None, description="the distributor's account (default: the account's partner)")
    start: date
    end: date
    initial_date: date | None = Field(None, description="when the agreement was made (default: start)")
    auto_renew: bool = Field(False, description="at its end the agreement renews for another term of the same length")
    payment_terms_days: int = Field(30, ge=0, le=365, description="days after its bill date an invoice is due")
    pays_after_days: int | None = Field(14, ge=0, le=3650, description="days after its bill date the customer pays "
                                                                        "each invoice; null: never (they go overdue)")
    items: list[AgreementItemConfig] = Field(default_factory=list)


class OfferingConfig(_Strict):
    """A product offering (SKU) of the price list: what an order can add and a quote can offer."""

    sku: str
    name: str
    unit_price: float = Field(ge=0, description="regular recurring price of one license a month")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")


class QuoteItemConfig(_Strict):
    sku: str = Field(description="an offering of the price list (cloudlink.offerings)")
    quantity: int = Field(1, ge=1)
    discount_percent: float = Field(0, ge=0, le=100)


class QuoteConfig(_Strict):
    """A quote made through the Mitel Store (TMF648 Quote): offerings at quoted discounts, for a customer."""

    id: str | None = None
    name: str
    account: str = Field(description="the customer account: id, number or label")
    distributor: str | None = Field(None, description="the distributor's account (default: the account's partner)")
    created: date
    valid_until: date
    cpq_tracking_id: str | None = Field(None, description="the CPQ tracking id an order may quote")
    items: list[QuoteItemConfig] = Field(default_factory=list)


class CloudLinkConfig(_Strict):
    token_lifetime: int = Field(3600, gt=0, description="access token lifetime, seconds (expires_in)")
    refresh_token_lifetime: int = Field(15 * 86400, gt=0, description="refresh token lifetime, seconds")
    authorization_code_lifetime: int = Field(60, gt=0, description="seconds an authorization code may be redeemed")
    token_throttle: TokenThrottleConfig = Field(default_factory=TokenThrottleConfig)
    accounts: list[AccountConfig] = Field(default_factory=list)
    users: list[UserConfig] = Field(default_factory=list)
    clients: list[ClientConfig] = Field(default_factory=list)
    applications: list[ApplicationConfig] = Field(default_factory=list)
    agreements: list[AgreementConfig] = Field(default_factory=list, description="the Service Delivery catalogue")
    offerings: list[OfferingConfig] = Field(default_factory=list, description="the SKUs orders may add (price list)")
    quotes: list[QuoteConfig] = Field(default_factory=list, description="quotes made through the Mitel Store")
    workflow_bots: list[WorkflowBotConfig] = Field(default_factory=list,
                                                   description="bots Workflow tells when an agent joins or leaves")

    @model_validator(mode="after")
    def _references_resolve(self) -> CloudLinkConfig:
        refs = {r.lower() for a in self.accounts for r in (a.id or cl_id("account", a.name), a.number, a.label) if r}
        problems = [f"cloudlink account {a.name!r}: unknown partner {a.partner!r}" for a in self.accounts
                    if a.partner and a.partner.lower() not in refs]
        problems += [f"cloudlink user {u.email!r}: unknown account {u.account!r}" for u in self.users
                     if u.account.lower() not in refs]
        problems += [f"cloudlink client {c.name!r}: unknown account {c.account!r}" for c in self.clients
                     if c.account.lower() not in refs]
        problems += [f"cloudlink application {p.name!r}: unknown account {p.account!r}" for p in self.applications
                     if p.account and p.account.lower() not in refs]
        problems += [f"cloudlink application {p.name!r}: enabled on an unknown account {ref!r}"
                     for p in self.applications for ref in p.enabled_on or () if ref.lower() not in refs]
        problems += [f"cloudlink agreement {g.name!r}: unknown account {ref!r}" for g in self.agreements
                     for ref in (g.account, g.distributor) if ref and ref.lower() not in refs]
        problems += [f"cloudlink quote {q.name!r}: unknown account {ref!r}" for q in self.quotes
                     for ref in (q.account, q.distributor) if ref and ref.lower() not in refs]
        skus = {o.sku for o in self.offerings}
        problems += [f"cloudlink quote {q.name!r}: unknown offering {i.sku!r}" for q in self.quotes for i in q.items
                     if i.sku not in skus]
        problems += [f"cloudlink quote {q.name!r} is valid until before it was made" for q in self.quotes
                     if q.valid_until < q.created]
        problems += [f"cloudlink agreement {g.name!r}: its items are in more than one currency" for g in self.agreements
                     if len({i.currency for i in g.items}) > 1]
        problems += [f"cloudlink offering {sku!r} is listed twice" for sku in sorted(skus)
                     if sum(o.sku == sku for o in self.offerings) > 1]
        problems += [f"cloudlink workflow bot {b.url!r}: unknown account {b.account!r}" for b in self.workflow_bots
                     if b.account.lower() not in refs]
        problems += [f"cloudlink agreement {g.name!r} ends before it starts" for g in self.agreements
                     if g.end < g.start]
        seen: set[tuple[str, str]] = set()
        for u in self.users:
            key = (u.email.lower(), u.account.lower())
            if key in seen:
                problems.append(f"cloudlink user {u.email!r} is twice in account {u.account!r}")
            seen.add(key)
        if problems:
            raise ValueError("; ".join(problems))
        return self
