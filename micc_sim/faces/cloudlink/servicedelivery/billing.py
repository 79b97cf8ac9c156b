"""Invoices (the guide's Phase 3, TMF678 Customer Bill; every name *inferred*), computed from the agreements.

An agreement is billed a calendar month at a time, in advance: a billing period starts on the 1st (the first
on the agreement's start, the last ends with its term) and its bill is dated the period's start. Its lines
are the products in force at the bill date, each its licenses then times its discounted monthly price, so an
order changes the next bills and not those already issued. A bill is due ``payment_terms_days`` after its
date and paid ``pays_after_days`` after it (the agreement's, from the world file): ``paid`` once paid,
``overdue`` after the due date until then, ``unpaid`` before. A bill names the orders it bills for the first
time (placed after the previous bill date, up to its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from micc_sim.faces.cloudlink.servicedelivery.models import Agreement, Catalogue, Order, Product, add_months, at_day
from micc_sim.world.cloudlink_config import cl_id

BILLS_KEPT = 240  # the newest bills of one agreement the service answers (twenty years of months)


@dataclass(frozen=True)
class BillLine:
    product: Product
    quantity: int
    amount: float


@dataclass(frozen=True)
class Bill:
    bill_id: str
    bill_no: str
    agreement: Agreement
    period_start: datetime
    period_end: datetime
    due: datetime
    lines: tuple[BillLine, ...]
    amount: float
    currency: str
    paid_at: datetime | None
    orders: tuple[Order, ...]

    @property
    def bill_date(self) -> datetime:
        return self.period_start

    @property
    def period(self) -> str:
        return f"{self.period_start:%Y-%m}"

    def payment_status(self, now: datetime) -> str:
        return "paid" if self.paid_at is not None else "overdue" if now > self.due else "unpaid"


def _periods(agreement: Agreement, now: datetime) -> list[tuple[datetime, datetime]]:
    """The billing periods of ``agreement`` that have started by ``now`` (the newest :data:`BILLS_KEPT`)."""
    end = agreement.end_at(now)
    last = min(now, end)
    if last < agreement.start:
        return []
    first_month = agreement.start.date().replace(day=1)
    months = (last.year - first_month.year) * 12 + last.month - first_month.month
    periods = []
    for n in range(max(0, months - BILLS_KEPT + 1), months + 1):
        month = add_months(first_month, n)
        start = max(agreement.start, at_day(month))
        periods.append((start, min(end, at_day(add_months(month, 1) - timedelta(days=1), end=True))))
    return periods


def bills(catalogue: Catalogue, agreement: Agreement, now: datetime) -> list[Bill]:
    """The bills of ``agreement`` issued by ``now``, oldest first."""
    products = catalogue.products_of(agreement)
    currency = next((p.currency for p in products), "USD")
    orders = [o for o in catalogue.orders if o.agreement_id == agreement.agreement_id]
    result: list[Bill] = []
    previous: datetime | None = None
    for start, end in _periods(agreement, now):
        lines = tuple(BillLine(p, p.quantity_at(start), round(p.quantity_at(start) * p.discounted_price, 2))
                      for p in products if p.in_force(start))
        paid = None if agreement.pays_after_days is None else start + timedelta(days=agreement.pays_after_days)
        billed = tuple(o for o in orders if (previous is None or o.placed_at > previous) and o.placed_at <= start)
        result.append(Bill(
            cl_id("bill", f"{agreement.agreement_id}/{start:%Y-%m}"),
            f"B{start:%Y%m}-{agreement.agreement_id[:8].upper()}", agreement, start, end,
            start + timedelta(days=agreement.payment_terms_days), lines, round(sum(li.amount for li in lines), 2),
            currency, paid if paid is not None and paid <= now else None, billed))
        previous = start
    return result
