"""Stripe objects into the mirror: the pure field mappers on Stripe's own examples, then the upserts on PostgreSQL.

`tests/fixtures/stripe/fixtures.json` holds Stripe's OpenAPI example objects in the
CURRENT API shape (subscription periods on items, the invoice's subscription under
`parent`, no `invoice` on PaymentIntents). Some values are placeholders (a currency
"currency", a subscription id "subscription"): the mappers must still extract them;
the DB tests patch realistic values in, explicitly, where a column needs one.
The older shape (localstripe's real answers) is covered in `test_mirror_localstripe.py`.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from base.settings import Settings
from billing.mirror import (
    InvalidStripeObjectError,
    MissingParentError,
    coupon_fields,
    customer_fields,
    from_timestamp,
    invoice_fields,
    invoice_line_fields,
    invoice_payment_intent_id,
    payment_fields,
    payment_method_fields,
    price_fields,
    promotion_code_fields,
    refund_fields,
    refund_parent_ids,
    stripe_id_of,
    subscription_discounts,
    subscription_fields,
    subscription_item_fields,
    unknown_discount_ids,
    upsert_customer,
    upsert_invoice,
    upsert_payment,
    upsert_price,
    upsert_refund,
    upsert_subscription,
)
from models import Customer, Invoice, Payment, Price, Refund, Subscription, SubscriptionItem
from tests.fixtures import STRIPE_FIXTURES_PATH
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

FIXTURES_PATH = STRIPE_FIXTURES_PATH
EXAMPLE_TIME = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
"""`1234567890`, the `created` of most of Stripe's examples."""


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    """Stripe's example objects by type (a fresh deep copy per module; tests copy again before patching)."""
    data: dict[str, dict[str, Any]] = json.loads(FIXTURES_PATH.read_text())["resources"]
    return data


def example(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    """A private, patchable copy of Stripe's example `kind`."""
    return copy.deepcopy(resources[kind])


def unique(prefix: str) -> str:
    """A Stripe-like id no other test uses (the DB is shared by the module)."""
    return f"{prefix}_{uuid.uuid4().hex[:14]}"


# --- pure mapping: no database ----------------------------------------------------------------------------


def test_from_timestamp_and_stripe_id_of() -> None:
    assert from_timestamp(1234567890) == EXAMPLE_TIME
    assert from_timestamp(None) is None
    assert from_timestamp(1234567890).tzinfo is UTC  # type: ignore[union-attr]
    assert stripe_id_of("cus_1") == "cus_1"
    assert stripe_id_of({"id": "cus_1", "object": "customer"}) == "cus_1"
    assert stripe_id_of({"object": "customer"}) is None
    assert stripe_id_of(None) is None


def test_customer_fields_of_the_example(resources: dict[str, dict[str, Any]]) -> None:
    fields = customer_fields(example(resources, "customer"))
    assert fields == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "email": None,
        "name": None,
        "metadata": {},
        "default_payment_method_stripe_id": None,
        "deleted": False,
    }


def test_payment_method_fields_keep_no_card_data(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "payment_method")
    obj["card"] = {**(obj.get("card") or {}), "number": "4242424242424242", "cvc": "123", "fingerprint": "fp"}
    fields = payment_method_fields(obj)
    assert set(fields) == {"livemode", "stripe_created", "type", "brand", "last4", "exp_month", "exp_year"}
    assert "4242424242424242" not in json.dumps(fields, default=str)


def test_price_fields_of_a_price(resources: dict[str, dict[str, Any]]) -> None:
    fields = price_fields(example(resources, "price"))
    assert fields == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "kind": "price",
        "product_stripe_id": "prod_QXg1hqf4jFNsqG",
        "nickname": None,
        "active": True,
        "currency": "usd",
        "unit_amount": 2000,
        "recurring_interval": "month",
        "recurring_interval_count": 1,
    }


def test_price_fields_of_a_legacy_plan(resources: dict[str, dict[str, Any]]) -> None:
    fields = price_fields(example(resources, "plan"))
    assert fields["kind"] == "plan"
    assert (fields["unit_amount"], fields["currency"]) == (2000, "usd")
    assert (fields["recurring_interval"], fields["recurring_interval_count"]) == ("month", 1)
    assert fields["product_stripe_id"] == "prod_QXg1hqf4jFNsqG"


def test_price_fields_expanded_product_upper_case_currency_and_tiers(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "price")
    obj.update(product={"id": "prod_x", "object": "product", "name": "Gold"}, currency="EUR", unit_amount=None)
    obj.update(nickname="Gold monthly", active=False)
    fields = price_fields(obj)
    assert (fields["product_stripe_id"], fields["currency"], fields["unit_amount"]) == ("prod_x", "eur", None)
    assert (fields["nickname"], fields["active"]) == ("Gold monthly", False)
    # A plan nested in a subscription item of the example: placeholders come through as they are.
    nested = price_fields(example(resources, "subscription_item")["plan"])
    assert (nested["kind"], nested["currency"], nested["unit_amount"]) == ("plan", "currency", None)
    assert nested["recurring_interval_count"] == 797691627


def test_subscription_fields_current_shape_take_the_period_from_items(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "subscription")
    assert "current_period_start" not in obj  # the current shape, as docs/API.md says
    fields = subscription_fields(obj)
    assert fields == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "status": "active",
        # The item has both `price` and `plan`: price wins.
        "price_stripe_id": "price_1PgafmB7WZ01zgkW6dKueIc5",
        "quantity": 1,
        "current_period_start": from_timestamp(1896570518),
        "current_period_end": from_timestamp(976287773),
        "cancel_at_period_end": True,
        "canceled_at": EXAMPLE_TIME,
        "ended_at": EXAMPLE_TIME,
        "trial_end": EXAMPLE_TIME,
        "latest_invoice_stripe_id": None,
        "default_payment_method_stripe_id": None,
        # Stripe's example is paused indefinitely: `{"behavior": "mark_uncollectible", "resumes_at": null}`.
        "pause_behavior": "mark_uncollectible",
        "pause_resumes_at": None,
    }


def test_subscription_pause_collection_set_with_a_resume_date_and_unset(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "subscription")
    obj["pause_collection"] = {"behavior": "void", "resumes_at": 1900000000}
    fields = subscription_fields(obj)
    assert (fields["pause_behavior"], fields["pause_resumes_at"]) == ("void", from_timestamp(1900000000))
    obj["pause_collection"] = None  # resumed: Stripe answers null
    fields = subscription_fields(obj)
    assert (fields["pause_behavior"], fields["pause_resumes_at"]) == (None, None)


def test_subscription_fields_span_several_items_and_expanded_references(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "subscription")
    first = obj["items"]["data"][0]
    first.update(current_period_start=2000, current_period_end=5000, quantity=3)
    second = {**copy.deepcopy(first), "id": "si_second", "current_period_start": 1000, "current_period_end": 9000}
    obj["items"]["data"].append(second)
    obj["latest_invoice"] = {"id": "in_latest", "object": "invoice"}
    obj["default_payment_method"] = {"id": "pm_default", "object": "payment_method"}
    fields = subscription_fields(obj)
    assert (fields["current_period_start"], fields["current_period_end"]) == (
        from_timestamp(1000),
        from_timestamp(9000),
    )
    assert fields["quantity"] == 3
    assert (fields["latest_invoice_stripe_id"], fields["default_payment_method_stripe_id"]) == (
        "in_latest",
        "pm_default",
    )


def test_subscription_fields_old_shape_periods_and_plan_only_items() -> None:
    obj = {
        "id": "sub_old",
        "object": "subscription",
        "status": "past_due",
        "created": 1700000000,
        "current_period_start": 1700000000,
        "current_period_end": 1702592000,
        "customer": "cus_old",
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_old",
                    "object": "subscription_item",
                    "plan": {"id": "gold", "object": "plan"},
                    "quantity": 2,
                    # An item period that disagrees: the subscription's own period wins in the old shape.
                    "current_period_start": 1,
                    "current_period_end": 2,
                }
            ],
            "has_more": False,
        },
        "cancel_at_period_end": False,
    }
    fields = subscription_fields(obj)
    assert fields["current_period_start"] == from_timestamp(1700000000)
    assert fields["current_period_end"] == from_timestamp(1702592000)
    assert (fields["price_stripe_id"], fields["quantity"], fields["status"]) == ("gold", 2, "past_due")
    assert (fields["canceled_at"], fields["trial_end"], fields["latest_invoice_stripe_id"]) == (None, None, None)
    # No items at all: the old top-level plan and quantity.
    bare = {**obj, "items": None, "plan": {"id": "silver"}, "quantity": 4}
    assert (subscription_fields(bare)["price_stripe_id"], subscription_fields(bare)["quantity"]) == ("silver", 4)


def test_subscription_item_fields(resources: dict[str, dict[str, Any]]) -> None:
    item = example(resources, "subscription_item")
    fields = subscription_item_fields(item, {"livemode": True})
    assert fields == {
        # The item example has no livemode: it inherits the subscription's.
        "livemode": True,
        "stripe_created": from_timestamp(1721954060),
        "price_stripe_id": "price_1PgafmB7WZ01zgkW6dKueIc5",
        "quantity": 1,
        "current_period_start": from_timestamp(1896570518),
        "current_period_end": from_timestamp(976287773),
    }
    del item["price"]
    assert subscription_item_fields(item)["price_stripe_id"] == "obj_123"  # the plan, as on emulators
    del item["plan"]
    with pytest.raises(InvalidStripeObjectError):
        subscription_item_fields(item)


def test_subscription_without_status_is_refused(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "subscription")
    del obj["status"]
    with pytest.raises(InvalidStripeObjectError, match="status"):
        subscription_fields(obj)


def test_invoice_fields_current_shape(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "invoice")
    fields = invoice_fields(obj)
    assert fields == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "status": "draft",
        "number": None,
        "currency": "usd",
        "amount_due": 1000,
        "amount_paid": 0,
        "amount_remaining": 1000,
        "total": 1000,
        # `total_discount_amounts: []` in the example: nothing taken off.
        "total_discount_amount": 0,
        "hosted_invoice_url": None,
        "period_start": EXAMPLE_TIME,
        "period_end": EXAMPLE_TIME,
        # `subscription` is null at the top; the current shape names it under parent (a placeholder here).
        "subscription_stripe_id": "subscription",
        # The example carries no `payments` list (it is only sent when asked for).
        "payment_intent_stripe_id": None,
        # Current shape: the proration flag under `parent.<type>` (the example's type: invoice_item_details).
        "lines": [
            {
                "stripe_id": "il_1Pgc6sB7WZ01zgkWFnxLrLCq",
                "description": "My First Invoice Item (created for API docs)",
                "amount": 1000,
                "currency": "usd",
                "quantity": 1,
                "proration": True,
                "period_start": 1721954054,
                "period_end": 1721954054,
                "price_stripe_id": None,
            }
        ],
        # Dunning: the attempts so far and Stripe's next automatic retry.
        "attempt_count": 0,
        "next_payment_attempt": EXAMPLE_TIME,
    }


def test_invoice_line_fields_current_old_and_emulator_shapes(resources: dict[str, dict[str, Any]]) -> None:
    line = example(resources, "invoice")["lines"]["data"][0]
    line["parent"] = {
        "type": "subscription_item_details",
        "subscription_item_details": {"proration": False, "subscription": "sub_1", "subscription_item": "si_1"},
    }
    line["pricing"] = {"type": "price_details", "price_details": {"price": "price_current", "product": "prod_1"}}
    current = invoice_line_fields(line)
    assert (current["price_stripe_id"], current["proration"]) == ("price_current", False)
    old = {
        "id": "il_old",
        "amount": -700,
        "currency": "USD",
        "description": "Unused time",
        "period": {"start": 1700000000, "end": 1702592000},
        "price": {"id": "price_old", "object": "price"},
        "proration": True,
        "quantity": 2,
    }
    assert invoice_line_fields(old) == {
        "stripe_id": "il_old",
        "description": "Unused time",
        "amount": -700,
        "currency": "usd",
        "quantity": 2,
        "proration": True,
        "period_start": 1700000000,
        "period_end": 1702592000,
        "price_stripe_id": "price_old",
    }
    # localstripe: a plan object, no price; a line without period or quantity.
    emulator = {"id": "il_ls", "amount": 100, "currency": "eur", "plan": {"id": "plan-1"}, "proration": False}
    fields = invoice_line_fields(emulator)
    assert (fields["price_stripe_id"], fields["period_start"], fields["quantity"]) == ("plan-1", None, None)
    # An answer without `lines` says nothing about them (kept by the upsert), an empty list is no lines.
    assert invoice_fields({"id": "in_1", "object": "invoice"})["lines"] is None
    assert invoice_fields({"id": "in_1", "lines": {"object": "list", "data": []}})["lines"] == []


def test_invoice_fields_payments_list_status_and_old_shape(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "invoice")
    obj["payments"] = {
        "object": "list",
        "data": [{"object": "invoice_payment", "payment": {"type": "payment_intent", "payment_intent": "pi_only"}}],
        "has_more": False,
    }
    del obj["status"]  # a draft may come without one; the column may not be null
    obj["currency"] = "USD"
    fields = invoice_fields(obj)
    assert (fields["payment_intent_stripe_id"], fields["status"], fields["currency"]) == ("pi_only", "draft", "usd")
    old = {
        **example(resources, "invoice"),
        "subscription": {"id": "sub_expanded", "object": "subscription"},
        "payment_intent": "pi_old",
        "parent": None,
        "status": "open",
        "amount_remaining": None,  # localstripe sends none: due minus paid
        "amount_due": 1500,
        "amount_paid": 500,
    }
    fields = invoice_fields(old)
    assert (fields["subscription_stripe_id"], fields["payment_intent_stripe_id"]) == ("sub_expanded", "pi_old")
    assert (fields["status"], fields["amount_remaining"]) == ("open", 1000)


def test_invoice_payment_intent_prefers_paid_then_default_then_recent() -> None:
    def entry(pi: str | None, created: int, status: str = "open", is_default: bool = False) -> dict[str, Any]:
        payment: dict[str, Any] = (
            {"type": "payment_intent", "payment_intent": {"id": pi}} if pi else {"type": "out_of_band_payment"}
        )
        return {"payment": payment, "created": created, "status": status, "is_default": is_default}

    def pick(*entries: dict[str, Any]) -> str | None:
        return invoice_payment_intent_id({"payments": {"data": list(entries)}})

    assert pick(entry("pi_old", 1), entry("pi_new", 2)) == "pi_new"
    assert pick(entry("pi_default", 1, is_default=True), entry("pi_new", 2)) == "pi_default"
    assert pick(entry("pi_default", 3, is_default=True), entry("pi_paid", 2, status="paid")) == "pi_paid"
    assert pick(entry(None, 5, status="paid")) is None
    assert pick() is None


def test_payment_fields_current_shape(resources: dict[str, dict[str, Any]]) -> None:
    fields = payment_fields(example(resources, "payment_intent"))
    assert fields == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "status": "requires_payment_method",
        "amount": 1099,
        "amount_received": 0,
        "currency": "usd",
        "description": None,
        "client_secret": "pi_1PgafyB7WZ01zgkWSjxsAJo3_secret_Dm43xiq1k0ywrRRjDoi8y1gkM",
        "payment_method_stripe_id": None,
        "latest_charge_stripe_id": None,
        # The example's error has only a type: it stands in for the code, so the failure stays visible.
        "failure_code": "idempotency_error",
        "decline_code": None,
        "failure_message": None,
        "customer_stripe_id": None,
        "invoice_stripe_id": None,
        "charge_amount_refunded": None,
    }


def test_payment_fields_expanded_charge_decline_and_cleared_error(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "payment_intent")
    charge = {**example(resources, "charge"), "amount_refunded": 40}
    obj.update(
        latest_charge=charge,
        customer={"id": "cus_x", "object": "customer"},
        payment_method="pm_x",
        last_payment_error={"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                            "message": "Your card has insufficient funds."},
    )  # fmt: skip
    fields = payment_fields(obj)
    assert (fields["latest_charge_stripe_id"], fields["charge_amount_refunded"]) == ("ch_1PgafuB7WZ01zgkWXYmPNZs8", 40)
    assert (fields["customer_stripe_id"], fields["payment_method_stripe_id"]) == ("cus_x", "pm_x")
    assert (fields["failure_code"], fields["decline_code"]) == ("card_declined", "insufficient_funds")
    assert fields["failure_message"] == "Your card has insufficient funds."
    obj["last_payment_error"] = None
    cleared = payment_fields(obj)
    assert (cleared["failure_code"], cleared["decline_code"], cleared["failure_message"]) == (None, None, None)
    # A bare latest_charge id tells no refunded figure.
    obj["latest_charge"] = "ch_bare"
    assert (payment_fields(obj)["latest_charge_stripe_id"], payment_fields(obj)["charge_amount_refunded"]) == (
        "ch_bare",
        None,
    )


def test_payment_fields_old_shape_charges_list_and_derived_amount_received() -> None:
    obj = {
        "id": "pi_old",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 500,
        "currency": "USD",
        "invoice": "in_old",
        "charges": {"data": [{"id": "ch_old", "status": "succeeded", "captured": True, "amount": 500,
                              "amount_refunded": 200}]},
    }  # fmt: skip
    fields = payment_fields(obj)
    assert (fields["latest_charge_stripe_id"], fields["charge_amount_refunded"]) == ("ch_old", 200)
    # localstripe sends no amount_received: the captured charge's amount.
    assert (fields["amount_received"], fields["currency"], fields["invoice_stripe_id"]) == (500, "usd", "in_old")


def test_refund_fields(resources: dict[str, dict[str, Any]]) -> None:
    obj = example(resources, "refund")
    assert refund_fields(obj) == {
        "livemode": False,
        "stripe_created": EXAMPLE_TIME,
        "amount": 100,
        "currency": "usd",
        "status": "succeeded",
        "reason": None,
        "failure_reason": None,
    }
    assert refund_parent_ids(obj) == (None, "ch_1PgafuB7WZ01zgkWXYmPNZs8")


def test_missing_parent_error_names_what_to_fetch() -> None:
    error = MissingParentError("customer", "cus_404")
    assert (error.object_type, error.stripe_id) == ("customer", "cus_404")
    assert "cus_404" in str(error)
    assert isinstance(error, LookupError)


# --- upserts against PostgreSQL ---------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def mirror_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("mirror")
    async with tortoise_on(url) as settings:
        yield settings


async def mirrored_customer(resources: dict[str, dict[str, Any]]) -> Customer:
    """Stripe's example customer under a fresh id, upserted."""
    return await upsert_customer({**example(resources, "customer"), "id": unique("cus"), "email": "ex@example.com"})


def subscription_for(resources: dict[str, dict[str, Any]], customer_id: str) -> dict[str, Any]:
    """Stripe's example subscription under fresh ids, for `customer_id`."""
    obj = example(resources, "subscription")
    obj.update(id=unique("sub"), customer=customer_id)
    for item in obj["items"]["data"]:
        item.update(id=unique("si"), subscription=obj["id"])
    return obj


def invoice_for(
    resources: dict[str, dict[str, Any]], customer_id: str, subscription_id: str, payment_intent_id: str | None
) -> dict[str, Any]:
    """Stripe's example invoice under a fresh id, with realistic links patched in (current shape)."""
    obj = example(resources, "invoice")
    obj.update(id=unique("in"), customer=customer_id)
    obj["parent"]["subscription_details"]["subscription"] = subscription_id
    if payment_intent_id is not None:
        obj["payments"] = {
            "object": "list",
            "data": [
                {
                    "object": "invoice_payment",
                    "id": unique("inpay"),
                    "is_default": True,
                    "status": "open",
                    "created": 1234567890,
                    "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                }
            ],
            "has_more": False,
        }
    return obj


def payment_for(resources: dict[str, dict[str, Any]], customer_id: str | None) -> dict[str, Any]:
    """Stripe's example PaymentIntent under a fresh id."""
    obj = example(resources, "payment_intent")
    obj.update(id=unique("pi"), customer=customer_id, client_secret=None)
    return obj


async def test_upsert_price_and_plan(mirror_db: Settings, resources: dict[str, dict[str, Any]]) -> None:
    price_obj = {**example(resources, "price"), "id": unique("price")}
    price = await upsert_price(price_obj)
    # The plan example reuses the price's id: give it its own.
    plan = await upsert_price({**example(resources, "plan"), "id": unique("plan"), "nickname": "Legacy"})
    again = await upsert_price({**price_obj, "active": False, "unit_amount": 2500})
    rows = {row.stripe_id: row for row in await Price.filter(stripe_id__in=[price.stripe_id, plan.stripe_id])}
    assert again.id == price.id
    stored = rows[price.stripe_id]
    assert (stored.kind, stored.unit_amount, stored.active, stored.currency) == ("price", 2500, False, "usd")
    assert (stored.recurring_interval, stored.recurring_interval_count) == ("month", 1)
    assert (stored.stripe_created, stored.synced_at is not None) == (EXAMPLE_TIME, True)
    legacy = rows[plan.stripe_id]
    assert (legacy.kind, legacy.unit_amount, legacy.nickname, legacy.product_stripe_id) == (
        "plan",
        2000,
        "Legacy",
        "prod_QXg1hqf4jFNsqG",
    )


async def test_subscription_with_items_and_replaced_items(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    customer = await mirrored_customer(resources)
    obj = subscription_for(resources, customer.stripe_id)
    subscription = await upsert_subscription(obj)
    stored = await Subscription.get(id=subscription.id)
    assert (stored.customer_id, stored.status, stored.price_stripe_id, stored.quantity) == (
        customer.id,
        "active",
        "price_1PgafmB7WZ01zgkW6dKueIc5",
        1,
    )
    assert stored.current_period_start == from_timestamp(1896570518)
    assert stored.current_period_end == from_timestamp(976287773)
    assert (stored.cancel_at_period_end, stored.canceled_at, stored.trial_end) == (True, EXAMPLE_TIME, EXAMPLE_TIME)
    items = await SubscriptionItem.filter(subscription_id=subscription.id)
    assert [(i.stripe_id, i.price_stripe_id, i.quantity) for i in items] == [
        (obj["items"]["data"][0]["id"], "price_1PgafmB7WZ01zgkW6dKueIc5", 1)
    ]

    # The price changes: Stripe answers with a new item; the old one goes, the subscription follows.
    old_item_id = obj["items"]["data"][0]["id"]
    new_item = {**copy.deepcopy(obj["items"]["data"][0]), "id": unique("si"), "quantity": 2}
    new_item["price"]["id"] = "price_new"
    obj["items"]["data"] = [new_item]
    obj["latest_invoice"] = {"id": "in_expanded", "object": "invoice"}
    again = await upsert_subscription(obj, customer)
    assert again.id == subscription.id
    items = await SubscriptionItem.filter(subscription_id=subscription.id)
    assert [(i.stripe_id, i.price_stripe_id, i.quantity) for i in items] == [(new_item["id"], "price_new", 2)]
    assert not await SubscriptionItem.filter(stripe_id=old_item_id).exists()
    stored = await Subscription.get(id=subscription.id)
    assert (stored.price_stripe_id, stored.quantity, stored.latest_invoice_stripe_id) == ("price_new", 2, "in_expanded")

    # A page of items (has_more) says nothing about the items it leaves out: nothing is deleted.
    partial = copy.deepcopy(obj)
    partial["items"]["data"] = []
    partial["items"]["has_more"] = True
    await upsert_subscription(partial, customer)
    assert await SubscriptionItem.filter(subscription_id=subscription.id).count() == 1


async def test_past_due_since_is_stamped_once_kept_and_cleared(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    customer = await mirrored_customer(resources)
    obj = subscription_for(resources, customer.stripe_id)
    await upsert_subscription(obj, customer)
    assert (await Subscription.get(stripe_id=obj["id"])).past_due_since is None
    first = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    await upsert_subscription({**obj, "status": "past_due"}, customer, stripe_event_at=first)
    assert (await Subscription.get(stripe_id=obj["id"])).past_due_since == first
    # A later event (a failed retry) keeps the time it became past due.
    await upsert_subscription({**obj, "status": "past_due"}, customer, stripe_event_at=first + timedelta(days=3))
    assert (await Subscription.get(stripe_id=obj["id"])).past_due_since == first
    await upsert_subscription({**obj, "status": "active"}, customer, stripe_event_at=first + timedelta(days=4))
    assert (await Subscription.get(stripe_id=obj["id"])).past_due_since is None
    # An API answer (no event time) stamps the time it was written.
    await upsert_subscription({**obj, "status": "past_due"}, customer)
    since = (await Subscription.get(stripe_id=obj["id"])).past_due_since
    assert since is not None and abs((since - datetime.now(UTC)).total_seconds()) < 60


async def test_subscription_of_an_unmirrored_customer_raises_missing_parent(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    obj = subscription_for(resources, "cus_not_mirrored")
    with pytest.raises(MissingParentError) as info:
        await upsert_subscription(obj)
    assert (info.value.object_type, info.value.stripe_id) == ("customer", "cus_not_mirrored")
    assert not await Subscription.filter(stripe_id=obj["id"]).exists()
    customer = await mirrored_customer(resources)
    with pytest.raises(InvalidStripeObjectError):
        await upsert_subscription(obj, customer)  # a customer that is not the subscription's


async def test_invoice_links_its_subscription_and_payment_in_any_order(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    customer = await mirrored_customer(resources)
    sub_obj = subscription_for(resources, customer.stripe_id)
    pi_obj = payment_for(resources, customer.stripe_id)

    # The invoice first: neither its subscription nor its payment is mirrored; their ids wait.
    invoice = await upsert_invoice(invoice_for(resources, customer.stripe_id, sub_obj["id"], pi_obj["id"]))
    stored = await Invoice.get(id=invoice.id)
    assert (stored.customer_id, stored.subscription_id) == (customer.id, None)
    assert (stored.subscription_stripe_id, stored.payment_intent_stripe_id) == (sub_obj["id"], pi_obj["id"])
    assert (stored.status, stored.currency, stored.amount_due, stored.amount_remaining, stored.total) == (
        "draft",
        "usd",
        1000,
        1000,
        1000,
    )
    assert (stored.period_start, stored.period_end) == (EXAMPLE_TIME, EXAMPLE_TIME)

    # Then the subscription and the payment: each links the waiting invoice.
    subscription = await upsert_subscription(sub_obj)
    payment = await upsert_payment(pi_obj)
    stored = await Invoice.get(id=invoice.id)
    assert stored.subscription_id == subscription.id
    payment = await Payment.get(id=payment.id)
    assert (payment.invoice_id, payment.invoice_stripe_id, payment.customer_id) == (
        invoice.id,
        invoice.stripe_id,
        customer.id,
    )

    # The other order: payment, then invoice.
    pi2 = payment_for(resources, customer.stripe_id)
    payment2 = await upsert_payment(pi2)
    assert payment2.invoice_id is None
    inv2 = await upsert_invoice(invoice_for(resources, customer.stripe_id, sub_obj["id"], pi2["id"]), customer)
    assert (await Invoice.get(id=inv2.id)).subscription_id == subscription.id
    payment2 = await Payment.get(id=payment2.id)
    assert (payment2.invoice_id, payment2.invoice_stripe_id) == (inv2.id, inv2.stripe_id)

    # An answer without the `payments` list (not asked for) keeps the payment link.
    bare = invoice_for(resources, customer.stripe_id, sub_obj["id"], None)
    bare.update(id=inv2.stripe_id, status="paid", amount_paid=1000, amount_remaining=0)
    await upsert_invoice(bare)
    stored = await Invoice.get(id=inv2.id)
    assert (stored.payment_intent_stripe_id, stored.status, stored.amount_paid) == (pi2["id"], "paid", 1000)


async def test_invoice_of_an_unmirrored_customer_raises_missing_parent(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    with pytest.raises(MissingParentError) as info:
        await upsert_invoice(invoice_for(resources, "cus_nobody", "sub_x", None))
    assert (info.value.object_type, info.value.stripe_id) == ("customer", "cus_nobody")


async def test_payment_waits_for_its_customer_and_old_shape_invoice(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    customer_id = unique("cus")
    pi_obj = payment_for(resources, customer_id)
    invoice_id = unique("in")
    pi_obj.update(invoice=invoice_id, status="succeeded", amount_received=1099, currency="EUR")
    payment = await upsert_payment(pi_obj)
    assert (payment.customer_id, payment.customer_stripe_id, payment.invoice_id, payment.invoice_stripe_id) == (
        None,
        customer_id,
        None,
        invoice_id,
    )
    assert (payment.currency, payment.amount_received) == ("eur", 1099)

    customer = await upsert_customer({**example(resources, "customer"), "id": customer_id})
    invoice = await upsert_invoice({**invoice_for(resources, customer_id, "sub_unknown", None), "id": invoice_id})
    stored = await Payment.get(id=payment.id)
    assert (stored.customer_id, stored.invoice_id) == (customer.id, invoice.id)
    # A later answer in the current shape (no `invoice` field) does not unlink it.
    del pi_obj["invoice"]
    await upsert_payment(pi_obj)
    assert (await Payment.get(id=payment.id)).invoice_id == invoice.id


async def test_payment_failure_is_recorded_then_cleared(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    pi_obj = payment_for(resources, None)
    pi_obj["last_payment_error"] = {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "generic_decline",
        "message": "Your card was declined.",
    }
    payment = await upsert_payment(pi_obj)
    assert (payment.failure_code, payment.decline_code, payment.failure_message) == (
        "card_declined",
        "generic_decline",
        "Your card was declined.",
    )
    pi_obj.update(last_payment_error=None, status="succeeded", amount_received=1099, latest_charge="ch_ok")
    await upsert_payment(pi_obj)
    stored = await Payment.get(id=payment.id)
    assert (stored.failure_code, stored.decline_code, stored.failure_message) == (None, None, None)
    assert (stored.status, stored.amount_received, stored.latest_charge_stripe_id) == ("succeeded", 1099, "ch_ok")


async def test_refunds_sum_into_the_payment_never_below_the_charge_figure(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    charge_id = unique("ch")
    pi_obj = payment_for(resources, None)
    pi_obj.update(status="succeeded", amount=1000, amount_received=1000, latest_charge=charge_id)
    payment = await upsert_payment(pi_obj)

    def refund(amount: int, status: str, **extra: Any) -> dict[str, Any]:
        return {**example(resources, "refund"), "id": unique("re"), "amount": amount, "status": status,
                "payment_intent": pi_obj["id"], "charge": charge_id, **extra}  # fmt: skip

    first = refund(100, "succeeded")
    row = await upsert_refund(first)
    assert (row.payment_id, row.amount, row.status, row.currency) == (payment.id, 100, "succeeded", "usd")
    await upsert_refund(refund(50, "pending"))
    await upsert_refund(refund(70, "failed"))  # gave its money back: not counted
    await upsert_refund(refund(30, "canceled"))
    assert (await Payment.get(id=payment.id)).amount_refunded == 150

    # A refund that names only the charge finds the payment by its latest charge; the given payment is updated too.
    only_charge = refund(25, "succeeded", payment_intent=None)
    await upsert_refund(only_charge)
    assert (await Payment.get(id=payment.id)).amount_refunded == 175

    # The charge knows more (a refund made in the Dashboard, its event not here yet): the charge wins.
    await upsert_refund(refund(5, "succeeded", charge={"id": charge_id, "object": "charge", "amount_refunded": 400}))
    assert (await Payment.get(id=payment.id)).amount_refunded == 400
    # A refund failing later lowers the sum, but never below the charge's figure.
    await upsert_refund({**first, "status": "failed"}, payment)
    assert payment.amount_refunded == 400
    assert (await Payment.get(id=payment.id)).amount_refunded == 400

    # An answer with the charge expanded is Stripe's own figure: taken as is.
    pi_obj["latest_charge"] = {"id": charge_id, "object": "charge", "amount_refunded": 80, "status": "succeeded"}
    assert (await upsert_payment(pi_obj)).amount_refunded == 80
    # Without the charge: the mirrored refunds (25 + 5 + 50 pending), never below the last figure seen.
    pi_obj["latest_charge"] = charge_id
    assert (await upsert_payment(pi_obj)).amount_refunded == 80
    stored = await Payment.get(id=payment.id)
    assert (stored.amount_refunded, stored.charge_amount_refunded) == (80, 80)


async def test_refund_of_an_unmirrored_payment_raises_missing_parent(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    by_intent = {**example(resources, "refund"), "id": unique("re"), "payment_intent": "pi_not_mirrored"}
    with pytest.raises(MissingParentError) as info:
        await upsert_refund(by_intent)
    assert (info.value.object_type, info.value.stripe_id) == ("payment_intent", "pi_not_mirrored")
    by_charge = {**example(resources, "refund"), "id": unique("re"), "charge": "ch_not_mirrored"}
    with pytest.raises(MissingParentError) as info:
        await upsert_refund(by_charge)
    assert (info.value.object_type, info.value.stripe_id) == ("charge", "ch_not_mirrored")
    assert not await Refund.filter(stripe_id__in=[by_intent["id"], by_charge["id"]]).exists()


async def test_concurrent_refunds_of_one_payment_all_count(
    mirror_db: Settings, resources: dict[str, dict[str, Any]]
) -> None:
    """Each refund upsert locks the payment row, so no recomputation misses another refund."""
    pi_obj = payment_for(resources, None)
    pi_obj.update(status="succeeded", amount=1000, amount_received=1000, latest_charge=unique("ch"))
    payment = await upsert_payment(pi_obj)
    refunds = [
        {**example(resources, "refund"), "id": unique("re"), "amount": 10, "payment_intent": pi_obj["id"]}
        for _ in range(8)
    ]
    await asyncio.gather(*(upsert_refund(refund) for refund in refunds))
    assert await Refund.filter(payment_id=payment.id).count() == 8
    assert (await Payment.get(id=payment.id)).amount_refunded == 80


# --- discounts (issue 15) ----------------------------------------------------------------------------------


def test_coupon_and_promotion_code_fields_current_and_older_shapes() -> None:
    coupon = coupon_fields(
        {
            "id": "SPRING",
            "object": "coupon",
            "percent_off": 25,
            "duration": "repeating",
            "duration_in_months": 3,
            "name": "Spring",
            "times_redeemed": 2,
            "max_redemptions": 5,
            "redeem_by": 1_800_000_000,
            "valid": True,
            "amount_off": None,
            "currency": None,
            "created": 1_700_000_000,
        }
    )
    assert (coupon["percent_off"], coupon["amount_off"], coupon["currency"]) == (25.0, None, None)
    assert coupon["redeem_by"] == from_timestamp(1_800_000_000) and coupon["times_redeemed"] == 2
    amount = coupon_fields({"id": "OFF", "amount_off": 300, "currency": "USD", "duration": "once"})
    assert (amount["amount_off"], amount["currency"], amount["percent_off"]) == (300, "usd", None)
    current = {
        "id": "promo_1",
        "code": "SPRING25",
        "promotion": {"type": "coupon", "coupon": "SPRING"},
        "customer": None,
        "active": True,
        "expires_at": None,
        "times_redeemed": 0,
    }
    assert promotion_code_fields(current)["coupon_stripe_id"] == "SPRING"
    older = {**current, "promotion": None, "coupon": {"id": "SPRING", "object": "coupon"}, "customer": "cus_1"}
    fields = promotion_code_fields(older)
    assert (fields["coupon_stripe_id"], fields["customer_stripe_id"]) == ("SPRING", "cus_1")


def test_a_subscriptions_discounts_keep_what_the_row_knew_of_bare_ids() -> None:
    known = [{"id": "di_1", "coupon": "SPRING", "promotion_code": "promo_1", "start": 1, "end": 2}]
    expanded = {
        "id": "di_2",
        "object": "discount",
        "source": {"type": "coupon", "coupon": "OFF"},
        "promotion_code": None,
        "start": 5,
        "end": None,
    }
    older = {"id": "di_3", "coupon": {"id": "OLD", "object": "coupon"}, "start": 6, "end": None}
    assert subscription_discounts(["di_1", expanded, older], known) == [
        known[0],
        {"id": "di_2", "coupon": "OFF", "promotion_code": None, "start": 5, "end": None},
        {"id": "di_3", "coupon": "OLD", "promotion_code": None, "start": 6, "end": None},
    ]
    assert subscription_discounts(None, known) is None, "an object that does not say leaves the row's list"
    assert subscription_discounts([], known) == []
    assert unknown_discount_ids(["di_1", "di_9"], known) == ["di_9"]
    assert unknown_discount_ids([expanded], known) == []
