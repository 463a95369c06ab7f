"""The sandbox's coupons, promotion codes and discounts (sandbox/discounts.py): Stripe's shapes, events, refusals.

Stripe's vendored fixtures (tests/fixtures/stripe) hold no coupon, promotion code or discount; the
shapes checked here are the fields of Stripe's API reference for the pinned version (the stripe SDK's
`Coupon`, `PromotionCode`, `Discount` classes list them), and the subscription and invoice fixtures for
the objects that carry discounts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from sandbox import discounts
from tests.fixtures import stripe_fixtures
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import LocalStripe, create_plan
from tests.support.sandbox_events import EventCollector, collecting_events, sandbox_call, sandbox_ok

SECRET = "whsec_discounts_test"

DOCUMENTED_COUPON = {
    "id",
    "object",
    "amount_off",
    "applies_to",
    "created",
    "currency",
    "currency_options",
    "duration",
    "duration_in_months",
    "livemode",
    "max_redemptions",
    "metadata",
    "name",
    "percent_off",
    "redeem_by",
    "times_redeemed",
    "valid",
}
DOCUMENTED_PROMOTION_CODE = {
    "id",
    "object",
    "active",
    "code",
    "created",
    "customer",
    "customer_account",
    "expires_at",
    "livemode",
    "max_redemptions",
    "metadata",
    "promotion",
    "restrictions",
    "times_redeemed",
}
DOCUMENTED_DISCOUNT = {
    "id",
    "object",
    "checkout_session",
    "customer",
    "customer_account",
    "end",
    "invoice",
    "invoice_item",
    "promotion_code",
    "source",
    "start",
    "subscription",
    "subscription_item",
}


def test_the_documented_fields_are_the_sdks() -> None:
    """The field lists above are the pinned SDK's (so a newer API's shape shows up here)."""
    import stripe

    for cls, fields in (
        (stripe.Coupon, DOCUMENTED_COUPON),
        (stripe.PromotionCode, DOCUMENTED_PROMOTION_CODE),
        (stripe.Discount, DOCUMENTED_DISCOUNT),
    ):
        annotated = {name for name in cls.__annotations__ if not name[0].isupper() and name != "OBJECT_NAME"}
        assert fields <= annotated | {"object"}, (cls, fields - annotated)
        assert annotated - fields <= {"deleted"}, (cls, annotated - fields)
    assert "discounts" in stripe_fixtures()["subscription"]
    assert {"discounts", "total_discount_amounts"} <= set(stripe_fixtures()["invoice"])


@pytest_asyncio.fixture
async def emulator(localstripe_factory: LocalStripeFactory) -> LocalStripe:
    return localstripe_factory()


@pytest_asyncio.fixture
async def receiver(emulator: LocalStripe) -> AsyncIterator[EventCollector]:
    async with collecting_events(SECRET, emulator) as collector:
        yield collector


async def subscription(emulator: LocalStripe, amount: int = 2000) -> dict[str, Any]:
    customer = await sandbox_ok(emulator, "POST", "/v1/customers", email=f"discount-{uuid.uuid4().hex[:8]}@example.com")
    plan = create_plan(emulator.url, amount=amount)
    return await sandbox_ok(
        emulator,
        "POST",
        "/v1/subscriptions",
        customer=customer["id"],
        **{"items[0][plan]": plan, "trial_period_days": "30"},
    )


@pytest.mark.timeout(60)
async def test_a_promotion_code_discounts_the_next_invoice_and_is_removed(
    emulator: LocalStripe, receiver: EventCollector
) -> None:
    sub = await subscription(emulator)
    assert sub["discounts"] == [], "every subscription answer carries `discounts`"
    coupon = await sandbox_ok(
        emulator, "POST", "/v1/coupons", percent_off="25", duration="repeating", duration_in_months="3", name="Spring"
    )
    assert set(coupon) == DOCUMENTED_COUPON
    assert (coupon["name"], coupon["percent_off"], coupon["valid"], coupon["times_redeemed"]) == ("Spring", 25, True, 0)
    assert (await receiver.wait_for("coupon.created", coupon["id"]))["data"]["object"] == coupon
    promo = await sandbox_ok(
        emulator,
        "POST",
        "/v1/promotion_codes",
        code="SPRING25",
        max_redemptions="5",
        **{"promotion[type]": "coupon", "promotion[coupon]": coupon["id"]},
    )
    assert set(promo) == DOCUMENTED_PROMOTION_CODE
    assert promo["promotion"] == {"type": "coupon", "coupon": coupon["id"]} and promo["id"].startswith("promo_")
    await receiver.wait_for("promotion_code.created", promo["id"])
    assert (await sandbox_ok(emulator, "GET", f"/v1/promotion_codes/{promo['id']}")) == promo
    listed = await sandbox_ok(emulator, "GET", "/v1/promotion_codes", code="spring25")
    assert [p["id"] for p in listed["data"]] == [promo["id"]]

    applied = await sandbox_ok(
        emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][promotion_code]": promo["id"]}
    )
    [discount_id] = applied["discounts"]
    assert discount_id.startswith("di_")
    created = await receiver.wait_for("customer.discount.created", discount_id)
    discount = created["data"]["object"]
    assert set(discount) == DOCUMENTED_DISCOUNT
    assert discount["source"] == {"type": "coupon", "coupon": coupon["id"]}
    assert discount["promotion_code"] == promo["id"] and discount["subscription"] == sub["id"]
    assert discount["end"] == discount["start"] + 3 * discounts.MONTH_SECONDS
    updated = await receiver.wait_for("customer.subscription.updated", sub["id"])
    assert updated["data"]["previous_attributes"] == {"discounts": []}
    assert updated["data"]["object"]["discounts"] == [discount_id]
    expanded = await sandbox_call(emulator, "GET", f"/v1/subscriptions/{sub['id']}", **{"expand[]": "discounts"})
    assert expanded.json()["discounts"] == [discount]
    assert (await sandbox_ok(emulator, "GET", f"/v1/promotion_codes/{promo['id']}"))["times_redeemed"] == 1
    assert (await sandbox_ok(emulator, "GET", f"/v1/coupons/{coupon['id']}"))["times_redeemed"] == 1

    preview = await sandbox_ok(
        emulator, "POST", "/v1/invoices/create_preview", subscription=sub["id"], customer=sub["customer"]
    )
    assert preview["subtotal"] == 2000
    assert preview["total_discount_amounts"] == [{"amount": 500, "discount": discount_id}]
    assert preview["discounts"] == [discount_id]
    assert preview["total"] == preview["amount_due"] == 1500

    made = await sandbox_ok(emulator, "POST", "/v1/invoices", subscription=sub["id"], customer=sub["customer"])
    assert made["total_discount_amounts"] == [{"amount": 500, "discount": discount_id}], made
    assert (made["total"], made["amount_due"]) == (1500, 1500)
    fetched = await sandbox_ok(emulator, "GET", f"/v1/invoices/{made['id']}")
    assert fetched["total_discount_amounts"] == made["total_discount_amounts"]

    removed = await sandbox_ok(emulator, "POST", f"/v1/subscriptions/{sub['id']}", discounts="")
    assert removed["discounts"] == []
    await receiver.wait_for("customer.discount.deleted", discount_id)
    preview = await sandbox_ok(
        emulator, "POST", "/v1/invoices/create_preview", subscription=sub["id"], customer=sub["customer"]
    )
    assert preview["total"] == 2000 and preview["total_discount_amounts"] == []


async def test_amount_off_coupons_apply_in_their_currency(emulator: LocalStripe) -> None:
    sub = await subscription(emulator, amount=900)
    coupon = await sandbox_ok(emulator, "POST", "/v1/coupons", amount_off="1000", currency="usd", duration="once")
    await sandbox_ok(emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][coupon]": coupon["id"]})
    preview = await sandbox_ok(
        emulator, "POST", "/v1/invoices/create_preview", subscription=sub["id"], customer=sub["customer"]
    )
    assert preview["total_discount_amounts"][0]["amount"] == 900, "never more than the invoice"
    assert preview["total"] == 0

    deleted = await sandbox_ok(emulator, "DELETE", f"/v1/coupons/{coupon['id']}")
    assert deleted == {"id": coupon["id"], "object": "coupon", "deleted": True}
    assert (await sandbox_call(emulator, "DELETE", f"/v1/coupons/{coupon['id']}")).status_code == 404
    preview = await sandbox_ok(
        emulator, "POST", "/v1/invoices/create_preview", subscription=sub["id"], customer=sub["customer"]
    )
    assert preview["total"] == 0, "a deleted coupon keeps applying where it was applied, as at Stripe"
    other = await subscription(emulator)
    again = await sandbox_call(
        emulator, "POST", f"/v1/subscriptions/{other['id']}", **{"discounts[0][coupon]": coupon["id"]}
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "resource_missing"


async def test_expired_used_up_and_other_customers_codes_are_refused_as_stripe_does(emulator: LocalStripe) -> None:
    sub = await subscription(emulator)
    other = await subscription(emulator)
    coupon = await sandbox_ok(emulator, "POST", "/v1/coupons", percent_off="10", duration="forever")
    promotion = {"promotion[type]": "coupon", "promotion[coupon]": coupon["id"]}
    expires = str(int(time.time()) + 3600)
    expiring = await sandbox_ok(emulator, "POST", "/v1/promotion_codes", code="SOON", expires_at=expires, **promotion)
    once = await sandbox_ok(emulator, "POST", "/v1/promotion_codes", code="ONCE", max_redemptions="1", **promotion)
    theirs = await sandbox_ok(
        emulator, "POST", "/v1/promotion_codes", code="THEIRS", customer=other["customer"], **promotion
    )

    await sandbox_ok(
        emulator, "POST", f"/v1/subscriptions/{other['id']}", **{"discounts[0][promotion_code]": once["id"]}
    )
    used = await sandbox_call(
        emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][promotion_code]": once["id"]}
    )
    assert used.status_code == 400
    error = used.json()["error"]
    assert error["type"] == "invalid_request_error" and "maximum number of redemptions" in error["message"]
    assert error["param"] == "discounts[0][promotion_code]"

    not_mine = await sandbox_call(
        emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][promotion_code]": theirs["id"]}
    )
    assert not_mine.status_code == 400 and "cannot be redeemed by this customer" in not_mine.json()["error"]["message"]

    past = await sandbox_call(emulator, "POST", "/v1/promotion_codes", code="PAST", expires_at="1000", **promotion)
    assert past.status_code == 400 and past.json()["error"]["param"] == "expires_at"
    assert (await sandbox_ok(emulator, "POST", f"/_sandbox/promotion_codes/{expiring['id']}/expire"))[
        "expires_at"
    ] <= time.time()
    expired = await sandbox_call(
        emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][promotion_code]": expiring["id"]}
    )
    assert expired.status_code == 400 and expired.json()["error"]["code"] == "coupon_expired"
    both = await sandbox_call(
        emulator,
        "POST",
        f"/v1/subscriptions/{sub['id']}",
        **{"discounts[0][coupon]": coupon["id"], "discounts[0][promotion_code]": once["id"]},
    )
    assert both.status_code == 400
    unknown = await sandbox_call(emulator, "POST", f"/v1/subscriptions/{sub['id']}", **{"discounts[0][coupon]": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "resource_missing"
    assert (await sandbox_ok(emulator, "GET", f"/v1/subscriptions/{sub['id']}"))["discounts"] == [], "nothing applied"
    duplicate = await sandbox_call(emulator, "POST", "/v1/promotion_codes", code="once", **promotion)
    assert duplicate.status_code == 400, "an active code is unique"
