"""Placing an order (the guide's Phase 2, TMF622 Product Ordering; every name *inferred*).

An order is the account that orders for an agreement (its distributor) changing it, at once and all or
nothing: it creates an agreement with new products (no ``agreement_id``), adds a product (``add``, a SKU of
the price list), takes one off (``delete``: the product ends now), sets a product's licenses (``modify``,
``quantity`` from now on) and turns auto-renew on or off. The simulator gives each order the next SAP order
number. Changes take effect now: invoices already issued keep what they billed, the next ones bill the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from micc_sim.faces.cloudlink.errors import known, refused
from micc_sim.faces.cloudlink.servicedelivery.models import (
    ORDERS_KEPT,
    PRODUCTS_PER_AGREEMENT,
    Agreement,
    Catalogue,
    Offering,
    Order,
    OrderItem,
    Product,
    Seats,
    term_end,
)
from micc_sim.world.cloudlink_config import cl_id

SAP_ORDER_BASE = 80_000_000  # SAP order numbers are this plus a count, ten digits (0080000001)


@dataclass(frozen=True)
class ItemRequest:
    action: str
    sku: str | None = None
    product_id: str | None = None
    quantity: int | None = None


@dataclass(frozen=True)
class OrderRequest:
    """What the distributor asks for (already in the world's terms: account ids, not numbers)."""

    orderer: str  # the caller's account
    customer_id: str | None  # the customer account (a new agreement needs it)
    agreement_id: str | None
    items: list[ItemRequest] = field(default_factory=list)
    auto_renew: bool | None = None
    purchase_order_number: str | None = None
    cpq_tracking_id: str | None = None
    description: str | None = None
    agreement_name: str | None = None
    term_months: int = 12


def place(catalogue: Catalogue, offerings: dict[str, Offering], request: OrderRequest,
          partner_of: dict[str, str | None], customer_name: str, now: datetime, placed_by: str | None) -> Order:
    """Apply ``request`` to ``catalogue`` and record it; a refusal (DirectoryError) changes nothing."""
    if len(catalogue.orders) >= ORDERS_KEPT:
        raise refused(409, f"the simulator takes {ORDERS_KEPT} orders; reset it to place more")
    if not request.items and request.auto_renew is None:
        raise refused(400, "an order changes something: give productOrderItem or autoRenew")
    for item in request.items:
        if item.action not in ("add", "modify", "delete"):
            raise refused(400, f"action {item.action!r} is none of add, modify, delete")
        if item.quantity is not None and item.quantity < 1:
            raise refused(400, f"quantity {item.quantity} is below 1: seats are 1 or more (action delete removes "
                               "a product)")
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    number = catalogue.sap_orders + 1
    order_id = cl_id("order", f"{number}/{now.isoformat()}")
    if request.agreement_id is None:
        agreement, new = _new_agreement(catalogue, request, partner_of, customer_name, order_id, now), True
    else:
        agreement, new = _agreement_to_change(catalogue, request, now), False
    items = _apply(catalogue, offerings, agreement, request, order_id, now, new)
    order = Order(order_id, f"{SAP_ORDER_BASE + number:010d}", request.purchase_order_number,
                  request.cpq_tracking_id, request.description, agreement.account_id, agreement.distributor_id,
                  agreement.agreement_id, new, now, placed_by, request.auto_renew, items)
    catalogue.sap_orders = number
    catalogue.orders.append(order)
    return order


def _new_agreement(catalogue: Catalogue, request: OrderRequest, partner_of: dict[str, str | None],
                   customer_name: str, order_id: str, now: datetime) -> Agreement:
    customer = request.customer_id
    if customer is None:
        raise refused(400, "an order without agreement creates one: give customerAccountNumber")
    if request.orderer != (partner_of.get(customer) or customer):
        raise refused(403, f"account {request.orderer} is not the distributor of customer account {customer}")
    if not request.items or any(i.action != "add" for i in request.items):
        raise refused(400, "an order creating an agreement only adds products (action add)")
    if not 1 <= request.term_months <= 120:
        raise refused(400, "termMonths is 1 to 120")
    distributor = None if request.orderer == customer else request.orderer
    name = request.agreement_name or f"{customer_name} - subscription"
    return Agreement(cl_id("agreement", f"order/{order_id}"), name, customer, distributor, now, now,
                     term_end(now.date(), request.term_months))


def _agreement_to_change(catalogue: Catalogue, request: OrderRequest, now: datetime) -> Agreement:
    assert request.agreement_id is not None
    agreement = catalogue.agreements.get(request.agreement_id)
    if agreement is None or request.orderer not in agreement.parties():
        raise refused(404, f"agreement {request.agreement_id!r} not found")
    if request.orderer != agreement.orderer():
        raise refused(403, f"only the agreement's distributor ({agreement.orderer()}) orders for it")
    if request.customer_id is not None and request.customer_id != agreement.account_id:
        raise refused(400, f"customerAccountNumber is not the customer of agreement {agreement.agreement_id}")
    if agreement.status(now) == "expired":
        raise refused(409, f"agreement {agreement.agreement_id} has expired")
    return agreement


def _apply(catalogue: Catalogue, offerings: dict[str, Offering], agreement: Agreement, request: OrderRequest,
           order_id: str, now: datetime, new: bool) -> list[OrderItem]:
    """Check every item, then change the agreement (all or nothing)."""
    current = {p.product_id: p for p in catalogue.products_of(agreement) if p.removed is None}
    skus = {p.sku for p in current.values()}
    currency = next((p.currency for p in current.values()), None)
    touched: set[str] = set()
    plan: list[tuple[ItemRequest, Offering | Product]] = []
    for item in request.items:
        if item.action == "add":
            offering = known(offerings.get(item.sku or ""), f"product offering (SKU) {item.sku!r}")
            if offering.sku in skus:
                raise refused(409, f"agreement already has a product of SKU {offering.sku}: modify its quantity")
            if currency not in (None, offering.currency):
                raise refused(409, f"SKU {offering.sku} is priced in {offering.currency}, the agreement in {currency}")
            skus.add(offering.sku)
            currency = offering.currency
            plan.append((item, offering))
            continue
        product = current.get(item.product_id or "")
        if product is None:
            removed = catalogue.products.get(item.product_id or "")
            if removed is not None and removed.agreement_id == agreement.agreement_id:
                raise refused(409, f"product {item.product_id} was already removed from the agreement")
            raise refused(404, f"product {item.product_id!r} of agreement {agreement.agreement_id} not found")
        if product.product_id in touched:
            raise refused(400, f"product {product.product_id} is in the order twice")
        if item.action == "modify" and item.quantity is None:
            raise refused(400, "action modify sets the quantity: give it")
        touched.add(product.product_id)
        plan.append((item, product))
    if len(agreement.product_ids) + sum(i.action == "add" for i in request.items) > PRODUCTS_PER_AGREEMENT:
        raise refused(409, f"an agreement has at most {PRODUCTS_PER_AGREEMENT} products")
    if new:
        catalogue.agreements[agreement.agreement_id] = agreement
    if request.auto_renew is not None:
        agreement.set_auto_renew(request.auto_renew, now)
    done: list[OrderItem] = []
    for n, (item, target) in enumerate(plan, start=1):
        if isinstance(target, Offering):  # from now, or from the start of an agreement yet to start
            start = max(now, agreement.start)
            product = Product(cl_id("product", f"{agreement.agreement_id}/{order_id}/{target.sku}"),
                              agreement.agreement_id, agreement.account_id, target.sku, target.name, target.unit_price,
                              target.currency, 0.0, None, start, [Seats(start, item.quantity or 1)])
            catalogue.products[product.product_id] = product
            agreement.product_ids.append(product.product_id)
        else:
            product = target
            if item.action == "delete":
                product.removed = now
            else:
                product.seats.append(Seats(now, item.quantity or product.quantity))
        done.append(OrderItem(str(n), item.action, product.product_id, product.sku,
                              None if item.action == "delete" else product.quantity))
    return done
