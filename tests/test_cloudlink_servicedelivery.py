"""The Service Delivery API: the default catalogue's agreement and products, scoped to the caller's account."""

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
