"""The Service Delivery catalogue (the CloudLink guides' Service Delivery API Guide): agreements and their products,
the orders that change them, the price list and the Mitel Store's quotes.

In the TMForum style the guide names (TMF651 agreements, TMF637 products, TMF622 orders, TMF648 quotes): an
agreement is a subscription contract between a distributor and a customer account, each of its items one
product (a licensed instance of a SKU) with its recurring price and the agreed alteration (a discount). The
catalogue comes from the world file's ``cloudlink.agreements``; orders (:mod:`.orders`) change it, and it is
in the simulator's snapshots. What changes with time is computed from the clock: an agreement is ``pending``
before its period, ``active`` in it and ``expired`` after it (inferred names), a product ``pendingActive``,
``active`` or ``terminated`` (TMF637's status values). An agreement with auto-renew on renews at its end for
another term of the same length (:meth:`Agreement.end_at`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from micc_sim.world.cloudlink_config import CloudLinkConfig, cl_id

ORDERS_KEPT = 1_000  # orders one simulator takes; past it an order is refused (409)
PRODUCTS_PER_AGREEMENT = 200
RENEWALS_COUNTED = 1_200  # terms an auto-renewing agreement is followed through (a month's term: a century)


@dataclass
class Seats:
    """From ``at`` on, the product has ``quantity`` licenses."""

    at: datetime
    quantity: int


@dataclass
class Product:
    product_id: str
    agreement_id: str
    account_id: str
    sku: str
    name: str
    unit_price: float
    currency: str
    discount_percent: float
    serial_number: str | None
    start: datetime
    seats: list[Seats]  # oldest first; the last is the quantity now
    removed: datetime | None = None  # when an order took it off its agreement

    @property
    def quantity(self) -> int:
        return self.seats[-1].quantity

    def quantity_at(self, instant: datetime) -> int:
        return next((s.quantity for s in reversed(self.seats) if s.at <= instant), self.seats[0].quantity)

    @property
    def discounted_price(self) -> float:
        return round(self.unit_price * (1 - self.discount_percent / 100), 2)

    def in_force(self, instant: datetime) -> bool:
        return self.start <= instant and (self.removed is None or instant < self.removed)


def at_day(day: date, end: bool = False) -> datetime:
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC).replace(microsecond=0)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> datetime:
    """The last instant of a term of ``months`` starting on ``start``."""
    return at_day(add_months(start, months) - timedelta(days=1), end=True)


@dataclass
class Agreement:
    agreement_id: str
    name: str
    account_id: str  # the customer (reseller)
    distributor_id: str | None
    initial_date: datetime
    start: datetime
    end: datetime  # of the current term as last decided (auto-renewals after it are computed: end_at)
    auto_renew: bool = False
    payment_terms_days: int = 30
    pays_after_days: int | None = 14
    product_ids: list[str] = field(default_factory=list)  # every product it has had, oldest first

    term_start: datetime | None = None  # of the term ending at ``end`` (none: ``start``); renewals are as long

    def _renewed(self, start: datetime, end: datetime) -> tuple[datetime, datetime]:
        """The term after ``start``..``end``, as long (in months when it is whole months)."""
        first, last = start.date(), end.date() + timedelta(days=1)
        months = (last.year - first.year) * 12 + last.month - first.month
        if months > 0 and add_months(first, months) == last:
            return at_day(last), term_end(last, months)
        return at_day(last), at_day(last + (last - first) - timedelta(days=1), end=True)

    def term_at(self, now: datetime) -> tuple[datetime, datetime]:
        """The term ``now`` is in (or the last one), following auto-renewals."""
        start, end = self.term_start or self.start, self.end
        for _ in range(RENEWALS_COUNTED):
            if not self.auto_renew or now <= end:
                break
            start, end = self._renewed(start, end)
        return start, end

    def end_at(self, now: datetime) -> datetime:
        return self.term_at(now)[1]

    def set_auto_renew(self, on: bool, now: datetime) -> None:
        """Turn auto-renew on or off from ``now``: the renewals that happened stay."""
        self.term_start, self.end = self.term_at(now)
        self.auto_renew = on

    def status(self, now: datetime) -> str:
        return "pending" if now < self.start else "active" if now <= self.end_at(now) else "expired"

    def parties(self) -> tuple[str, ...]:
        return (self.account_id, *([self.distributor_id] if self.distributor_id else []))

    def orderer(self) -> str:
        """The account that orders for it: its distributor, or the customer itself when it has none."""
        return self.distributor_id or self.account_id


@dataclass
class QuoteItem:
    sku: str
    name: str
    quantity: int
    unit_price: float
    currency: str
    discount_percent: float


@dataclass
class Quote:
    quote_id: str
    name: str
    account_id: str
    distributor_id: str | None
    created: datetime
    valid_until: datetime
    cpq_tracking_id: str | None
    items: list[QuoteItem]

    def state(self, now: datetime) -> str:
        return "approved" if now <= self.valid_until else "expired"

    def parties(self) -> tuple[str, ...]:
        return (self.account_id, *([self.distributor_id] if self.distributor_id else []))


@dataclass(frozen=True)
class Offering:
    sku: str
    name: str
    unit_price: float
    currency: str


@dataclass
class OrderItem:
    item_id: str
    action: str  # add, modify, delete (TMF622's)
    product_id: str | None  # the product it modified, deleted or (for add) created
    sku: str
    quantity: int | None  # add and modify: the licenses from now on


@dataclass
class Order:
    order_id: str
    sap_order_number: str
    purchase_order_number: str | None
    cpq_tracking_id: str | None
    description: str | None
    account_id: str  # the customer
    distributor_id: str | None
    agreement_id: str
    created_agreement: bool
    placed_at: datetime
    placed_by: str | None  # the principal
    auto_renew: bool | None
    items: list[OrderItem]

    def parties(self) -> tuple[str, ...]:
        return (self.account_id, *([self.distributor_id] if self.distributor_id else []))


@dataclass
class Catalogue:
    agreements: dict[str, Agreement] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)  # oldest first
    sap_orders: int = 0  # SAP order numbers given out

    @classmethod
    def from_config(cls, config: CloudLinkConfig, account_of: dict[str, str], partner_of: dict[str, str | None]
                    ) -> Catalogue:
        """``account_of`` resolves an account reference (id, number, label; lower case) to its id."""
        catalogue = cls()
        for g in config.agreements:
            account_id = account_of[g.account.lower()]
            distributor = account_of[g.distributor.lower()] if g.distributor else partner_of.get(account_id)
            agreement_id = g.id or cl_id("agreement", f"{account_id}/{g.name}")
            start, end = at_day(g.start), at_day(g.end, end=True)
            products = [Product(
                cl_id("product", f"{agreement_id}/{n}/{i.sku}"), agreement_id, account_id, i.sku, i.name,
                i.unit_price, i.currency, i.discount_percent, i.serial_number, start, [Seats(start, i.quantity)])
                for n, i in enumerate(g.items)]
            catalogue.agreements[agreement_id] = Agreement(
                agreement_id, g.name, account_id, distributor, at_day(g.initial_date or g.start), start, end,
                g.auto_renew, g.payment_terms_days, g.pays_after_days, [p.product_id for p in products])
            catalogue.products.update((p.product_id, p) for p in products)
        return catalogue

    def products_of(self, agreement: Agreement) -> list[Product]:
        return [self.products[p] for p in agreement.product_ids]

    def visible(self, accounts: set[str]) -> list[Agreement]:
        """The agreements one of ``accounts`` is a party to."""
        return [a for a in self.agreements.values() if accounts.intersection(a.parties())]


@dataclass(frozen=True)
class PriceList:
    """The world's offerings and quotes (read-only: from the world file, not in snapshots)."""

    offerings: dict[str, Offering]
    quotes: dict[str, Quote]

    @classmethod
    def from_config(cls, config: CloudLinkConfig, account_of: dict[str, str], partner_of: dict[str, str | None]
                    ) -> PriceList:
        offerings = {o.sku: Offering(o.sku, o.name, o.unit_price, o.currency) for o in config.offerings}
        quotes: dict[str, Quote] = {}
        for q in config.quotes:
            account_id = account_of[q.account.lower()]
            distributor = account_of[q.distributor.lower()] if q.distributor else partner_of.get(account_id)
            quote_id = q.id or cl_id("quote", f"{account_id}/{q.name}")
            items = [QuoteItem(i.sku, offerings[i.sku].name, i.quantity, offerings[i.sku].unit_price,
                               offerings[i.sku].currency, i.discount_percent) for i in q.items]
            quotes[quote_id] = Quote(quote_id, q.name, account_id, distributor, at_day(q.created),
                                     at_day(q.valid_until, end=True), q.cpq_tracking_id, items)
        return cls(offerings, quotes)
