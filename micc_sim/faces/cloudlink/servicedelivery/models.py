"""The Service Delivery catalogue (the CloudLink guides' Service Delivery API Guide): agreements and their products.

Read-only, in the TMForum style the guide names (TMF651 agreements, TMF637 products): an agreement is a
subscription contract between a distributor and a customer account, each of its items one product (a
licensed instance of a SKU) with its recurring price and the agreed alteration (a discount). The catalogue
comes from the world file's ``cloudlink.agreements``; what changes with time is computed from the clock:
an agreement is ``pending`` before its period, ``active`` in it and ``expired`` after it (inferred names), a
product ``pendingActive``, ``active`` or ``terminated`` (TMF637's status values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from micc_sim.world.cloudlink_config import CloudLinkConfig, cl_id


@dataclass(frozen=True)
class Product:
    product_id: str
    agreement_id: str
    account_id: str
    sku: str
    name: str
    quantity: int
    unit_price: float
    currency: str
    discount_percent: float
    serial_number: str | None
    start: datetime
    end: datetime

    @property
    def discounted_price(self) -> float:
        return round(self.unit_price * (1 - self.discount_percent / 100), 2)

    def status(self, now: datetime) -> str:
        return "pendingActive" if now < self.start else "active" if now <= self.end else "terminated"


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    name: str
    account_id: str  # the customer (reseller)
    distributor_id: str | None
    initial_date: datetime
    start: datetime
    end: datetime
    products: tuple[Product, ...] = field(default_factory=tuple)

    def status(self, now: datetime) -> str:
        return "pending" if now < self.start else "active" if now <= self.end else "expired"

    def parties(self) -> tuple[str, ...]:
        return (self.account_id, *([self.distributor_id] if self.distributor_id else []))


def _at(day: date, end: bool = False) -> datetime:
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC).replace(microsecond=0)


@dataclass
class Catalogue:
    agreements: dict[str, Agreement] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: CloudLinkConfig, account_of: dict[str, str], partner_of: dict[str, str | None]
                    ) -> Catalogue:
        """``account_of`` resolves an account reference (id, number, label; lower case) to its id."""
        catalogue = cls()
        for g in config.agreements:
            account_id = account_of[g.account.lower()]
            distributor = account_of[g.distributor.lower()] if g.distributor else partner_of.get(account_id)
            agreement_id = g.id or cl_id("agreement", f"{account_id}/{g.name}")
            start, end = _at(g.start), _at(g.end, end=True)
            products = tuple(Product(
                cl_id("product", f"{agreement_id}/{n}/{i.sku}"), agreement_id, account_id, i.sku, i.name, i.quantity,
                i.unit_price, i.currency, i.discount_percent, i.serial_number, start, end)
                for n, i in enumerate(g.items))
            agreement = Agreement(agreement_id, g.name, account_id, distributor, _at(g.initial_date or g.start),
                                  start, end, products)
            catalogue.agreements[agreement_id] = agreement
            catalogue.products.update((p.product_id, p) for p in products)
        return catalogue

    def visible(self, accounts: set[str]) -> list[Agreement]:
        """The agreements one of ``accounts`` is a party to."""
        return [a for a in self.agreements.values() if accounts.intersection(a.parties())]
