"""Service Delivery API (``servicedelivery``, inferred name): agreements and products (read), orders that change
them, the Mitel Store's quotes and the invoices computed from the agreements (the guide's phases 2 and 3).

A caller sees what its account is a party to (as the customer or the distributor) and, for a partner admin,
what the accounts it manages are; a product is seen with its agreement. Orders are placed by the account
that orders for the agreement (its distributor). The field names of agreements and products are the
guide's (TMF651 / TMF637); everything of orders (TMF622), quotes (TMF648) and bills (TMF678) is inferred.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from micc_sim.faces.cloudlink.callers import visible_accounts
from micc_sim.faces.cloudlink.common import cloudlink, collection, iso, principal
from micc_sim.faces.cloudlink.servicedelivery.billing import Bill, bills
from micc_sim.faces.cloudlink.servicedelivery.models import Agreement, Order, Product, Quote
from micc_sim.faces.cloudlink.servicedelivery.orders import ItemRequest, OrderRequest, place
from micc_sim.spec.router import ApiError, Call, Handler, Reply


def _money(value: float, currency: str) -> dict[str, Any]:
    return {"unit": currency, "value": round(value, 2)}


def _party(call: Call, account_id: str | None, role: str) -> dict[str, Any]:
    account = cloudlink(call).directory.accounts.get(account_id or "")
    return {"id": account_id, "href": None, "name": account.name if account else None,
            "accountNumber": account.number if account else None, "role": role, "@referredType": "Organization"}


def _parties(call: Call, customer: str, distributor: str | None) -> list[dict[str, Any]]:
    return [_party(call, customer, "customer"), *([_party(call, distributor, "distributor")] if distributor else [])]


def _price(name: str, unit_price: float, currency: str, discount_percent: float) -> dict[str, Any]:
    """A recurring monthly price with its agreed discount as a price alteration (TMF's shape)."""
    discounted = round(unit_price * (1 - discount_percent / 100), 2)
    return {"name": name, "priceType": "recurring", "recurringChargePeriod": "month",
            "price": {"dutyFreeAmount": _money(unit_price, currency),
                      "taxIncludedAmount": _money(unit_price, currency), "taxRate": 0},
            "productPriceAlteration": [{
                "name": "Agreed discount", "priceType": "recurring", "recurringChargePeriod": "month",
                "price": {"percentage": discount_percent,
                          "dutyFreeAmount": _money(discounted - unit_price, currency)}}] if discount_percent else []}


def _agreement_of(call: Call, product: Product) -> Agreement:
    return cloudlink(call).catalogue.agreements[product.agreement_id]


def product_status(product: Product, agreement: Agreement, now: datetime) -> str:
    if now < product.start:
        return "pendingActive"
    ended = product.removed is not None and product.removed <= now
    return "terminated" if ended or now > agreement.end_at(now) else "active"


def product_to_wire(call: Call, product: Product, now: datetime) -> dict[str, Any]:
    agreement = _agreement_of(call, product)
    return {
        "id": product.product_id, "href": call.url_for(f"/products/{product.product_id}"), "name": product.name,
        "productSerialNumber": product.serial_number, "status": product_status(product, agreement, now),
        "isBundle": False, "startDate": iso(product.start),
        "terminationDate": iso(product.removed or agreement.end_at(now)),
        "productOffering": {"id": product.sku, "name": product.name},
        "productCharacteristic": [{"name": "licenses", "valueType": "integer", "value": product.quantity}],
        "productPrices": [_price("Monthly license", product.unit_price, product.currency, product.discount_percent)],
        "agreement": [{"id": product.agreement_id, "href": call.url_for(f"/agreements/{product.agreement_id}")}],
        "@type": "Product",
    }


def agreement_to_wire(call: Call, agreement: Agreement, now: datetime) -> dict[str, Any]:
    current = [p for p in cloudlink(call).catalogue.products_of(agreement) if p.removed is None]
    return {
        "id": agreement.agreement_id, "href": call.url_for(f"/agreements/{agreement.agreement_id}"),
        "name": agreement.name, "agreementType": "subscription", "initialDate": iso(agreement.initial_date),
        "status": agreement.status(now), "autoRenew": agreement.auto_renew,
        "agreementPeriod": {"startDateTime": iso(agreement.start), "endDateTime": iso(agreement.end_at(now))},
        "agreementItems": [{
            "product": [{"id": p.product_id, "href": call.url_for(f"/products/{p.product_id}"), "name": p.name}],
            "productOffering": [{"id": p.sku, "name": p.name}], "quantity": p.quantity,
            "productPrices": [_price("Monthly license", p.unit_price, p.currency, p.discount_percent)]}
            for p in current],
        "engagedParties": _parties(call, agreement.account_id, agreement.distributor_id),
        "@type": "Agreement",
    }


def _visible(call: Call) -> list[Agreement]:
    return cloudlink(call).catalogue.visible(set(visible_accounts(call)))


def _found(items: list[Any], wanted: str, what: str) -> Any:
    if not items:
        raise ApiError(404, f"{what} {wanted!r} not found", code="NotFoundError")
    return items[0]


def get_agreements(call: Call) -> dict[str, Any]:
    now = call.sim.clock.now()
    return collection([agreement_to_wire(call, a, now) for a in _visible(call)], call, "/agreements")


def get_agreement(call: Call) -> dict[str, Any]:
    wanted = call.path["agreementId"]
    found = _found([a for a in _visible(call) if a.agreement_id == wanted], wanted, "agreement")
    return agreement_to_wire(call, found, call.sim.clock.now())


def _visible_products(call: Call) -> list[Product]:
    catalogue = cloudlink(call).catalogue
    return [p for a in _visible(call) for p in catalogue.products_of(a)]


def get_products(call: Call) -> dict[str, Any]:
    now = call.sim.clock.now()
    return collection([product_to_wire(call, p, now) for p in _visible_products(call)], call, "/products")


def get_product(call: Call) -> dict[str, Any]:
    wanted = call.path["productId"]
    found = _found([p for p in _visible_products(call) if p.product_id == wanted], wanted, "product")
    return product_to_wire(call, found, call.sim.clock.now())


# -- orders (TMF622, inferred) -------------------------------------------------------------------------------
def order_to_wire(call: Call, order: Order) -> dict[str, Any]:
    catalogue = cloudlink(call).catalogue
    agreement = catalogue.agreements[order.agreement_id]
    return {
        "id": order.order_id, "href": call.url_for(f"/productOrders/{order.order_id}"),
        "sapOrderNumber": order.sap_order_number, "purchaseOrderNumber": order.purchase_order_number,
        "cpqTrackingId": order.cpq_tracking_id, "description": order.description, "state": "completed",
        "orderDate": iso(order.placed_at), "completionDate": iso(order.placed_at),
        "autoRenew": order.auto_renew,
        "agreement": [{"id": agreement.agreement_id, "href": call.url_for(f"/agreements/{agreement.agreement_id}"),
                       "name": agreement.name, "created": order.created_agreement}],
        "relatedParty": _parties(call, order.account_id, order.distributor_id),
        "productOrderItem": [{
            "id": i.item_id, "action": i.action, "quantity": i.quantity, "state": "completed",
            "product": {"id": i.product_id, "href": call.url_for(f"/products/{i.product_id}")},
            "productOffering": {"id": i.sku, "name": catalogue.products[i.product_id].name if i.product_id else None}}
            for i in order.items],
        "@type": "ProductOrder",
    }


def _account_number(call: Call, account_id: str) -> str | None:
    account = cloudlink(call).directory.accounts.get(account_id)
    return account.number if account else None


def _visible_orders(call: Call) -> list[Order]:
    accounts = set(visible_accounts(call))
    return [o for o in cloudlink(call).catalogue.orders if accounts.intersection(o.parties())]


def get_orders(call: Call) -> dict[str, Any]:
    q = call.query
    orders = [o for o in _visible_orders(call)
              if q.get("customerAccountNumber") in (None, _account_number(call, o.account_id))
              and q.get("sapOrderNumber") in (None, o.sap_order_number)
              and q.get("purchaseOrderNumber") in (None, o.purchase_order_number)
              and q.get("cpqTrackingId") in (None, o.cpq_tracking_id)]
    return collection([order_to_wire(call, o) for o in reversed(orders)], call, "/productOrders")


def get_order(call: Call) -> dict[str, Any]:
    wanted = call.path["orderId"]
    return order_to_wire(call, _found([o for o in _visible_orders(call) if o.order_id == wanted], wanted, "order"))


def _ref(value: Any, key: str = "id") -> str | None:
    return value.get(key) if isinstance(value, dict) else None


def post_order(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    platform = cloudlink(call)
    who = principal(call)
    customer = body.get("customerAccountNumber")
    customer_id = platform.directory.account(customer).account_id if customer else None
    agreement_id = _ref(body.get("agreement"))
    items = [ItemRequest(str(i.get("action")), _ref(i.get("productOffering")), _ref(i.get("product")),
                         i.get("quantity")) for i in body.get("productOrderItem") or [] if isinstance(i, dict)]
    request = OrderRequest(who.account_id, customer_id, agreement_id, items, body.get("autoRenew"),
                           body.get("purchaseOrderNumber"), body.get("cpqTrackingId"), body.get("description"),
                           body.get("agreementName"), body.get("termMonths", 12))
    partner_of = {a.account_id: a.partner_id for a in platform.directory.accounts.values()}
    named = platform.directory.accounts.get(customer_id or "")
    order = place(platform.catalogue, platform.price_list.offerings, request, partner_of,
                  named.name if named else "", call.sim.clock.now(), who.principal_id)
    return Reply(order_to_wire(call, order), 201, {"Location": call.url_for(f"/productOrders/{order.order_id}")})


# -- quotes (TMF648, inferred) -------------------------------------------------------------------------------
def quote_to_wire(call: Call, quote: Quote, now: datetime) -> dict[str, Any]:
    total = sum(i.quantity * round(i.unit_price * (1 - i.discount_percent / 100), 2) for i in quote.items)
    currency = next((i.currency for i in quote.items), "USD")
    return {
        "id": quote.quote_id, "href": call.url_for(f"/quotes/{quote.quote_id}"), "description": quote.name,
        "cpqTrackingId": quote.cpq_tracking_id, "state": quote.state(now), "quoteDate": iso(quote.created),
        "validFor": {"startDateTime": iso(quote.created), "endDateTime": iso(quote.valid_until)},
        "relatedParty": _parties(call, quote.account_id, quote.distributor_id),
        "quoteItem": [{"id": str(n), "action": "add", "quantity": i.quantity,
                       "productOffering": {"id": i.sku, "name": i.name},
                       "quoteItemPrice": [_price("Monthly license", i.unit_price, i.currency, i.discount_percent)]}
                      for n, i in enumerate(quote.items, start=1)],
        "quoteTotalPrice": [{"name": "Monthly total", "priceType": "recurring", "recurringChargePeriod": "month",
                             "price": {"dutyFreeAmount": _money(total, currency)}}],
        "@type": "Quote",
    }


def _visible_quotes(call: Call) -> list[Quote]:
    accounts = set(visible_accounts(call))
    return [q for q in cloudlink(call).price_list.quotes.values() if accounts.intersection(q.parties())]


def get_quotes(call: Call) -> dict[str, Any]:
    now = call.sim.clock.now()
    return collection([quote_to_wire(call, q, now) for q in _visible_quotes(call)], call, "/quotes")


def get_quote(call: Call) -> dict[str, Any]:
    wanted = call.path["quoteId"]
    found = _found([q for q in _visible_quotes(call) if q.quote_id == wanted], wanted, "quote")
    return quote_to_wire(call, found, call.sim.clock.now())


# -- invoices (TMF678, inferred) -----------------------------------------------------------------------------
def bill_to_wire(call: Call, bill: Bill, now: datetime) -> dict[str, Any]:
    agreement, money = bill.agreement, (lambda v: _money(v, bill.currency))
    payer = agreement.orderer()
    status = bill.payment_status(now)
    return {
        "id": bill.bill_id, "href": call.url_for(f"/customerBills/{bill.bill_id}"), "billNo": bill.bill_no,
        "billDate": iso(bill.bill_date), "category": "normal",
        "billingPeriod": {"startDateTime": iso(bill.period_start), "endDateTime": iso(bill.period_end)},
        "paymentDueDate": iso(bill.due), "paymentStatus": status, "state": "settled" if status == "paid" else "sent",
        "amountDue": money(bill.amount), "taxExcludedAmount": money(bill.amount),
        "taxIncludedAmount": money(bill.amount), "remainingAmount": money(0 if status == "paid" else bill.amount),
        "payment": [{"paymentDate": iso(bill.paid_at), "amount": money(bill.amount)}] if bill.paid_at else [],
        "billingAccount": {**_party(call, payer, "distributor" if agreement.distributor_id else "customer"),
                           "@referredType": "BillingAccount"},
        "relatedParty": _parties(call, agreement.account_id, agreement.distributor_id),
        "agreement": {"id": agreement.agreement_id, "href": call.url_for(f"/agreements/{agreement.agreement_id}"),
                      "name": agreement.name},
        "appliedCustomerBillingRate": [{
            "id": f"{bill.bill_no}-{n}", "name": line.product.name, "type": "recurringCharge",
            "product": {"id": line.product.product_id, "href": call.url_for(f"/products/{line.product.product_id}")},
            "productOffering": {"id": line.product.sku, "name": line.product.name}, "quantity": line.quantity,
            "unitPrice": money(line.product.unit_price), "discountPercent": line.product.discount_percent,
            "taxExcludedAmount": money(line.amount)} for n, line in enumerate(bill.lines, start=1)],
        "productOrder": [{"id": o.order_id, "href": call.url_for(f"/productOrders/{o.order_id}"),
                          "sapOrderNumber": o.sap_order_number, "purchaseOrderNumber": o.purchase_order_number}
                         for o in bill.orders],
        "@type": "CustomerBill",
    }


def _visible_bills(call: Call, now: datetime) -> list[Bill]:
    catalogue = cloudlink(call).catalogue
    return [b for a in _visible(call) for b in bills(catalogue, a, now)]


def get_bills(call: Call) -> dict[str, Any]:
    now, q = call.sim.clock.now(), call.query
    found = [b for b in _visible_bills(call, now)
             if q.get("billingPeriod") in (None, b.period) and q.get("agreementId") in (None, b.agreement.agreement_id)
             and q.get("paymentStatus") in (None, b.payment_status(now)) and q.get("billNo") in (None, b.bill_no)
             and (q.get("sapOrderNumber") is None or q["sapOrderNumber"] in {o.sap_order_number for o in b.orders})
             and (q.get("purchaseOrderNumber") is None
                  or q["purchaseOrderNumber"] in {o.purchase_order_number for o in b.orders})]
    found.sort(key=lambda b: (b.period_start, b.agreement.agreement_id), reverse=True)  # the newest first
    return collection([bill_to_wire(call, b, now) for b in found], call, "/customerBills")


def get_bill(call: Call) -> dict[str, Any]:
    now, wanted = call.sim.clock.now(), call.path["billId"]
    return bill_to_wire(call, _found([b for b in _visible_bills(call, now) if b.bill_id == wanted], wanted, "bill"),
                        now)


HANDLERS: dict[str, Handler] = {
    "Agreements_GetAgreements": get_agreements,
    "Agreements_GetAgreement": get_agreement,
    "Products_GetProducts": get_products,
    "Products_GetProduct": get_product,
    "ProductOrders_GetProductOrders": get_orders,
    "ProductOrders_GetProductOrder": get_order,
    "ProductOrders_CreateProductOrder": post_order,
    "Quotes_GetQuotes": get_quotes,
    "Quotes_GetQuote": get_quote,
    "CustomerBills_GetCustomerBills": get_bills,
    "CustomerBills_GetCustomerBill": get_bill,
}
