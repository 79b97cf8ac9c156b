"""Service Delivery API (``servicedelivery``, inferred name): ``/agreements`` and ``/products``, read only.

A caller sees the agreements its account is a party to (as the customer or the distributor) and, for a
partner admin, those of the accounts it manages; a product is seen with its agreement. The field names are
the guide's (TMF651 / TMF637); the shapes of prices and parties follow TMForum's (inferred).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from micc_sim.faces.cloudlink.callers import visible_accounts
from micc_sim.faces.cloudlink.common import cloudlink, collection, iso
from micc_sim.faces.cloudlink.servicedelivery.models import Agreement, Product
from micc_sim.spec.router import ApiError, Call, Handler


def _money(value: float, currency: str) -> dict[str, Any]:
    return {"unit": currency, "value": round(value, 2)}


def _party(call: Call, account_id: str | None, role: str) -> dict[str, Any]:
    account = cloudlink(call).directory.accounts.get(account_id or "")
    return {"id": account_id, "href": None, "name": account.name if account else None,
            "accountNumber": account.number if account else None, "role": role, "@referredType": "Organization"}


def product_to_wire(call: Call, product: Product, now: datetime) -> dict[str, Any]:
    href = call.url_for(f"/products/{product.product_id}")
    prices = [{"name": "Monthly license", "priceType": "recurring", "recurringChargePeriod": "month",
               "price": {"dutyFreeAmount": _money(product.unit_price, product.currency),
                         "taxIncludedAmount": _money(product.unit_price, product.currency), "taxRate": 0},
               "productPriceAlteration": [{
                   "name": "Agreed discount", "priceType": "recurring", "recurringChargePeriod": "month",
                   "price": {"percentage": product.discount_percent,
                             "dutyFreeAmount": _money(product.discounted_price - product.unit_price,
                                                      product.currency)}}] if product.discount_percent else []}]
    return {
        "id": product.product_id, "href": href, "name": product.name, "productSerialNumber": product.serial_number,
        "status": product.status(now), "isBundle": False, "startDate": iso(product.start),
        "terminationDate": iso(product.end), "productOffering": {"id": product.sku, "name": product.name},
        "productCharacteristic": [{"name": "licenses", "valueType": "integer", "value": product.quantity}],
        "productPrices": prices,
        "agreement": [{"id": product.agreement_id, "href": call.url_for(f"/agreements/{product.agreement_id}")}],
        "@type": "Product",
    }


def agreement_to_wire(call: Call, agreement: Agreement, now: datetime) -> dict[str, Any]:
    return {
        "id": agreement.agreement_id, "href": call.url_for(f"/agreements/{agreement.agreement_id}"),
        "name": agreement.name, "agreementType": "subscription", "initialDate": iso(agreement.initial_date),
        "status": agreement.status(now),
        "agreementPeriod": {"startDateTime": iso(agreement.start), "endDateTime": iso(agreement.end)},
        "agreementItems": [{
            "product": [{"id": p.product_id, "href": call.url_for(f"/products/{p.product_id}"), "name": p.name}],
            "productOffering": [{"id": p.sku, "name": p.name}], "quantity": p.quantity,
            "productPrices": product_to_wire(call, p, now)["productPrices"]} for p in agreement.products],
        "engagedParties": [_party(call, agreement.account_id, "customer"),
                           *([_party(call, agreement.distributor_id, "distributor")] if agreement.distributor_id
                             else [])],
        "@type": "Agreement",
    }


def _visible(call: Call) -> list[Agreement]:
    return cloudlink(call).catalogue.visible(set(visible_accounts(call)))


def get_agreements(call: Call) -> dict[str, Any]:
    now = call.sim.clock.now()
    return collection([agreement_to_wire(call, a, now) for a in _visible(call)], call, "/agreements")


def get_agreement(call: Call) -> dict[str, Any]:
    wanted = call.path["agreementId"]
    found = next((a for a in _visible(call) if a.agreement_id == wanted), None)
    if found is None:
        raise ApiError(404, f"agreement {wanted!r} not found", code="NotFoundError")
    return agreement_to_wire(call, found, call.sim.clock.now())


def get_products(call: Call) -> dict[str, Any]:
    now = call.sim.clock.now()
    return collection([product_to_wire(call, p, now) for a in _visible(call) for p in a.products], call,
                      "/products")


def get_product(call: Call) -> dict[str, Any]:
    wanted = call.path["productId"]
    found = next((p for a in _visible(call) for p in a.products if p.product_id == wanted), None)
    if found is None:
        raise ApiError(404, f"product {wanted!r} not found", code="NotFoundError")
    return product_to_wire(call, found, call.sim.clock.now())


HANDLERS: dict[str, Handler] = {
    "Agreements_GetAgreements": get_agreements,
    "Agreements_GetAgreement": get_agreement,
    "Products_GetProducts": get_products,
    "Products_GetProduct": get_product,
}
