"""The Service Delivery API: the default catalogue's agreement and products, scoped to the caller's account; orders
that change them, the Mitel Store's quotes and the invoices computed from them."""

from __future__ import annotations

from micc_sim.world.cloudlink_config import AgreementConfig, AgreementItemConfig
from micc_sim.world.seed import ACCOUNT_NUMBER, PARTNER_NUMBER, default_world

SD = "/servicedelivery/2017-09-01"


def test_a_distributor_reads_its_customers_agreement_with_items_prices_and_parties(live):
    with live.cloudlink("partner.admin@partner.example.com", SD) as partner:
        listed = partner.get("/agreements").json()
        assert listed["count"] == 1
        agreement = listed["_embedded"]["items"][0]
        assert (agreement["status"], agreement["initialDate"]) == ("active", "2025-12-15T00:00:00.000Z")
        assert agreement["agreementPeriod"] == {"startDateTime": "2026-01-01T00:00:00.000Z",
                                                "endDateTime": "2028-12-31T23:59:59.000Z"}
        assert [(p["role"], p["accountNumber"]) for p in agreement["engagedParties"]] == [
            ("customer", ACCOUNT_NUMBER), ("distributor", PARTNER_NUMBER)]
        assert [i["quantity"] for i in agreement["agreementItems"]] == [25, 10, 1]
        assert partner.get(f"/agreements/{agreement['id']}").json() == agreement
        product_id = agreement["agreementItems"][0]["product"][0]["id"]
        product = partner.get(f"/products/{product_id}").json()
        [price] = product["productPrices"]
        assert price["price"]["dutyFreeAmount"] == {"unit": "USD", "value": 18.0}
        [discount] = price["productPriceAlteration"]
        assert (discount["price"]["percentage"], discount["price"]["dutyFreeAmount"]["value"]) == (10, -1.8)
        assert product["status"] == "active" and product["productSerialNumber"] is None
        serials = [p["productSerialNumber"] for p in partner.get("/products").json()["_embedded"]["items"]]
        assert serials == [None, None, "MVB-WAGNER-0001"]


def test_the_catalogue_is_scoped_to_the_callers_account_and_read_only(live_with):
    world = default_world()
    world.cloudlink.agreements.append(AgreementConfig(
        name="Partner's own", account=PARTNER_NUMBER, start="2027-01-01", end="2027-12-31",
        items=[AgreementItemConfig(sku="SIM-X", name="X", unit_price=1)]))
    live = live_with(world=world)
    with (live.cloudlink("admin@wagner.example.com", SD) as customer,
          live.cloudlink("partner.admin@partner.example.com", SD) as partner):
        names = [a["name"] for a in customer.get("/agreements").json()["_embedded"]["items"]]
        assert names == ["Wagner Group - MiVoice Business subscription"]
        own = next(a for a in partner.get("/agreements").json()["_embedded"]["items"] if a["name"] == "Partner's own")
        assert own["status"] == "pending"  # before its period on the simulated clock
        assert customer.get(f"/agreements/{own['id']}").status_code == 404
        assert customer.post("/agreements", json={}).status_code == 405
        assert customer.get("/agreements?$filter=status eq 'active'").json()["count"] == 1
    live.http.post("/_sim/clock/advance", json={"seconds": 3 * 365 * 86400})
    with live.cloudlink("admin@wagner.example.com", SD) as customer:
        assert customer.get("/agreements").json()["_embedded"]["items"][0]["status"] == "expired"
        assert {p["status"] for p in customer.get("/products").json()["_embedded"]["items"]} == {"terminated"}
    assert live.http.get(f"{SD}/agreements").status_code == 401


def _bills(client, **query) -> list[dict]:
    r = client.get("/customerBills", params=query)
    assert r.status_code == 200, r.text
    return r.json()["_embedded"]["items"]


def test_an_order_changes_seats_products_and_auto_renew_and_the_next_invoice_bills_it(live):
    with live.cloudlink("partner.admin@partner.example.com", SD) as partner:
        agreement = partner.get("/agreements").json()["_embedded"]["items"][0]
        premium, _agent, appliance = (i["product"][0]["id"] for i in agreement["agreementItems"])
        issued = _bills(partner, agreementId=agreement["id"])
        assert [b["billingPeriod"]["startDateTime"][:7] for b in issued[:2]] == ["2026-11", "2026-10"]
        assert len(issued) == 11  # January to November, billed monthly in advance
        november = issued[0]
        assert november["amountDue"] == {"unit": "USD", "value": 832.5}  # 25 x 16.20 + 10 x 42.75 + 1 x 0
        assert [b["paymentStatus"] for b in issued[:2]] == ["unpaid", "paid"]  # the customer pays after 45 days
        assert november["billingAccount"]["accountNumber"] == PARTNER_NUMBER

        r = partner.post("/productOrders", json={
            "agreement": {"id": agreement["id"]}, "purchaseOrderNumber": "PO-7781", "cpqTrackingId": "CPQ-2026-0042",
            "autoRenew": True, "productOrderItem": [
                {"action": "modify", "product": {"id": premium}, "quantity": 30},
                {"action": "add", "productOffering": {"id": "SIM-MICC-SUPERVISOR"}, "quantity": 2},
                {"action": "delete", "product": {"id": appliance}}]})
        assert r.status_code == 201, r.text
        order = r.json()
        assert (order["sapOrderNumber"], order["state"]) == ("0080000001", "completed")
        changed = partner.get(f"/agreements/{agreement['id']}").json()
        assert changed["autoRenew"] is True
        assert [(i["productOffering"][0]["id"], i["quantity"]) for i in changed["agreementItems"]] == [
            ("SIM-MVB-USER-PREMIUM", 30), ("SIM-MICC-AGENT", 10), ("SIM-MICC-SUPERVISOR", 2)]
        assert partner.get(f"/products/{appliance}").json()["status"] == "terminated"
        assert _bills(partner, billNo=november["billNo"])[0]["amountDue"]["value"] == 832.5  # issued: unchanged
        for query, count in (({"purchaseOrderNumber": "PO-7781"}, 1), ({"customerAccountNumber": ACCOUNT_NUMBER}, 1),
                             ({"sapOrderNumber": "0080000001"}, 1), ({"cpqTrackingId": "CPQ-0"}, 0)):
            assert partner.get("/productOrders", params=query).json()["count"] == count, query

    live.advance(10 * 86400)  # 2 December
    with live.cloudlink("partner.admin@partner.example.com", SD) as partner:
        [december] = _bills(partner, sapOrderNumber="0080000001")
        assert december["billingPeriod"]["startDateTime"] == "2026-12-01T00:00:00.000Z"
        assert december["amountDue"]["value"] == 1023.5  # 30 x 16.20 + 10 x 42.75 + 2 x 55.00
        assert [line["quantity"] for line in december["appliedCustomerBillingRate"]] == [30, 10, 2]
        assert december["productOrder"][0]["purchaseOrderNumber"] == "PO-7781"
        assert [b["billNo"] for b in _bills(partner, paymentStatus="overdue")] == [november["billNo"]]
        assert len(_bills(partner, billingPeriod="2026-12")) == 1
        assert partner.get(f"/customerBills/{december['id']}").json() == december


def test_an_order_creates_a_subscription_kept_in_snapshots_and_bad_orders_answer_cloudlinks_errors(live):
    with (live.cloudlink("partner.admin@partner.example.com", SD) as partner,
          live.cloudlink("admin@wagner.example.com", SD) as customer):
        r = partner.post("/productOrders", json={
            "customerAccountNumber": ACCOUNT_NUMBER, "agreementName": "Wagner Group - standard users",
            "termMonths": 12, "productOrderItem": [
                {"action": "add", "productOffering": {"id": "SIM-MVB-USER-STANDARD"}, "quantity": 5}]})
        assert r.status_code == 201, r.text
        created = r.json()["agreement"][0]
        new = customer.get(f"/agreements/{created['id']}").json()  # the customer sees it too
        assert (new["status"], new["agreementPeriod"]["endDateTime"]) == ("active", "2027-11-21T23:59:59.000Z")
        [first] = _bills(customer, agreementId=created["id"])
        assert (first["amountDue"]["value"], first["billingPeriod"]["startDateTime"]) == (
            60.0, "2026-11-22T09:00:00.000Z")
        existing = next(a for a in partner.get("/agreements").json()["_embedded"]["items"] if a["id"] != created["id"])
        premium = existing["agreementItems"][0]["product"][0]["id"]

        def refused(client, body):
            r = client.post("/productOrders", json=body)
            assert set(r.json()) == {"name", "message"}, r.text
            return r.status_code

        assert refused(partner, {"agreement": {"id": "nope"}, "autoRenew": True}) == 404
        assert refused(partner, {"agreement": {"id": existing["id"]}, "productOrderItem": [
            {"action": "add", "productOffering": {"id": "SIM-NO-SUCH-SKU"}}]}) == 404
        assert refused(partner, {"agreement": {"id": existing["id"]}, "productOrderItem": [
            {"action": "modify", "product": {"id": premium}, "quantity": -1}]}) == 400
        assert refused(partner, {"agreement": {"id": existing["id"]}, "productOrderItem": [
            {"action": "add", "productOffering": {"id": "SIM-MICC-AGENT"}}]}) == 409  # it has one: modify it
        assert refused(customer, {"agreement": {"id": existing["id"]}, "autoRenew": True}) == 403  # not its distributor
        assert refused(customer, {"customerAccountNumber": ACCOUNT_NUMBER, "productOrderItem": [
            {"action": "add", "productOffering": {"id": "SIM-MICC-AGENT"}}]}) == 403
        assert partner.get("/productOrders").json()["count"] == 1  # refused orders change nothing
        saved = live.http.get("/_sim/snapshot").content
        live.http.post("/_sim/reset")
        with live.cloudlink("partner.admin@partner.example.com", SD) as fresh:
            assert fresh.get("/productOrders").json()["count"] == 0
        assert live.http.post("/_sim/restore", content=saved).status_code == 200  # orders are in snapshots
        assert live.http.get("/_sim/snapshot").content == saved
        assert customer.get(f"/agreements/{created['id']}").json()["agreementItems"][0]["quantity"] == 5

        [quote] = partner.get("/quotes").json()["_embedded"]["items"]
        assert (quote["state"], quote["cpqTrackingId"]) == ("approved", "CPQ-2026-0042")
        assert quote["quoteTotalPrice"][0]["price"]["dutyFreeAmount"]["value"] == 323.75  # 5 x 42.75 + 2 x 55
        assert customer.get(f"/quotes/{quote['id']}").json() == quote
