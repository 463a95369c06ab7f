"""The mirror fed with localstripe's real answers (the older API shape), on PostgreSQL.

One scenario is played once against the session's emulator (its own ids, so the
shared state does not matter): a plan, a customer with a default 4242 card, a
subscription (latest invoice and its PaymentIntent expanded), the customer's
invoices, a one-off PaymentIntent, a partial refund, and a declined PaymentIntent.
`test_localstripe_answers_have_the_shape_the_mirror_expects` pins down what the
emulator returns, since the mappers (and other parts of the gateway) rely on it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from base.settings import Settings
from billing.mirror import (
    from_timestamp,
    upsert_customer,
    upsert_invoice,
    upsert_payment,
    upsert_payment_method,
    upsert_price,
    upsert_refund,
    upsert_subscription,
)
from models import Invoice, Payment, PaymentMethod, Price, Refund, Subscription, SubscriptionItem
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.localstripe import (
    BASIC_AUTH,
    HTTP_TIMEOUT_SECONDS,
    LocalStripe,
    create_test_card,
    stripe_request,
)

PLAN_AMOUNT = 1500
CHARGE_AMOUNT = 500
REFUND_AMOUNT = 200
DECLINED_AMOUNT = 700
DECLINED_ON_CHARGE = "4000000000000341"
"""A card localstripe attaches but declines when charged."""

Answers = dict[str, dict[str, Any]]


def _play_scenario(url: str) -> Answers:
    """Run the scenario against the emulator at `url`; every answer, by name."""
    tag = uuid.uuid4().hex[:10]
    answers: Answers = {}
    answers["plan"] = stripe_request(
        url,
        "POST",
        "/v1/plans",
        data={"amount": PLAN_AMOUNT, "currency": "usd", "interval": "month", "product[name]": f"Gold {tag}",
              "id": f"gold-{tag}", "nickname": "Gold"},
    )  # fmt: skip
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": f"{tag}@example.com", "name": "Ada"})
    card = create_test_card(url)
    answers["payment_method"] = stripe_request(
        url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]}
    )
    answers["customer"] = stripe_request(
        url, "POST", f"/v1/customers/{customer['id']}", data={"invoice_settings[default_payment_method]": card}
    )
    answers["subscription"] = stripe_request(
        url,
        "POST",
        "/v1/subscriptions",
        data={"customer": customer["id"], "items[0][plan]": answers["plan"]["id"],
              "expand[]": "latest_invoice.payment_intent"},
    )  # fmt: skip
    answers["invoices"] = stripe_request(url, "GET", "/v1/invoices", params={"customer": customer["id"]})
    answers["payment_intent"] = stripe_request(
        url,
        "POST",
        "/v1/payment_intents",
        data={"amount": CHARGE_AMOUNT, "currency": "usd", "customer": customer["id"], "payment_method": card,
              "confirm": "true"},
    )  # fmt: skip
    intent_id = answers["payment_intent"]["id"]
    answers["refund"] = stripe_request(
        url, "POST", "/v1/refunds", data={"payment_intent": intent_id, "amount": REFUND_AMOUNT}
    )
    answers["payment_intent_refunded"] = stripe_request(url, "GET", f"/v1/payment_intents/{intent_id}")

    bad_card = create_test_card(url, DECLINED_ON_CHARGE)
    stripe_request(url, "POST", f"/v1/payment_methods/{bad_card}/attach", data={"customer": customer["id"]})
    # A decline is an HTTP 402 whose body names the failed charge only: find the intent through it.
    declined = httpx.post(
        f"{url}/v1/payment_intents",
        data={"amount": DECLINED_AMOUNT, "currency": "usd", "customer": customer["id"], "payment_method": bad_card,
              "confirm": "true"},
        auth=BASIC_AUTH,
        timeout=HTTP_TIMEOUT_SECONDS,
    )  # fmt: skip
    answers["decline_error"] = {"http_status": declined.status_code, **declined.json()}
    failed_charge = stripe_request(url, "GET", f"/v1/charges/{declined.json()['error']['charge']}")
    answers["failed_charge"] = failed_charge
    answers["payment_intent_declined"] = stripe_request(
        url, "GET", f"/v1/payment_intents/{failed_charge['payment_intent']}"
    )
    return answers


@pytest.fixture(scope="module")
def answers(localstripe: LocalStripe) -> Answers:
    """localstripe's answers to the scenario, played once for the module."""
    return _play_scenario(localstripe.url)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def mirror_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("mirror_ls")
    async with tortoise_on(url) as settings:
        yield settings


def test_localstripe_answers_have_the_shape_the_mirror_expects(answers: Answers) -> None:
    plan, sub = answers["plan"], answers["subscription"]
    assert (plan["object"], plan["amount"], plan["interval"], plan["interval_count"]) == ("plan", 1500, "month", 1)
    assert plan["product"].startswith("prod_")  # product[name] makes a product; the plan names its id
    # Old shape: the period on the subscription (and on no item); items carry `plan`, no `price`.
    assert {"current_period_start", "current_period_end", "plan", "quantity"} <= sub.keys()
    item = sub["items"]["data"][0]
    assert "price" not in item and item["plan"]["id"] == plan["id"]
    assert "current_period_start" not in item
    assert (sub["status"], sub["items"]["has_more"]) == ("active", False)
    # expand[] works: latest_invoice and its payment_intent come as objects.
    invoice = sub["latest_invoice"]
    assert isinstance(invoice, dict) and isinstance(invoice["payment_intent"], dict)
    # Both invoice shapes at once; no amount_remaining, number or hosted_invoice_url.
    listed = answers["invoices"]["data"][0]
    assert listed["subscription"] == sub["id"]
    assert listed["parent"]["subscription_details"]["subscription"] == sub["id"]
    assert isinstance(listed["payment_intent"], str)
    assert not {"amount_remaining", "number", "hosted_invoice_url"} & listed.keys()
    assert (listed["status"], listed["amount_due"], listed["amount_paid"]) == ("paid", 1500, 1500)
    # PaymentIntents: old `charges` list AND an expanded `latest_charge`; `invoice` set; no amount_received.
    intent = answers["payment_intent"]
    assert intent["status"] == "succeeded" and "amount_received" not in intent
    assert isinstance(intent["latest_charge"], dict)
    assert intent["charges"]["data"][0]["id"] == intent["latest_charge"]["id"]
    assert invoice["payment_intent"]["invoice"] == invoice["id"]
    refund = answers["refund"]
    assert (refund["status"], refund["payment_intent"], refund["charge"]) == (
        "succeeded",
        intent["id"],
        intent["latest_charge"]["id"],
    )
    assert answers["payment_intent_refunded"]["latest_charge"]["amount_refunded"] == REFUND_AMOUNT
    # A decline: HTTP 402 naming the charge; the intent goes back to requires_payment_method, no decline_code.
    assert answers["decline_error"]["http_status"] == 402
    assert answers["decline_error"]["error"]["code"] == "card_declined"
    declined = answers["payment_intent_declined"]
    assert declined["status"] == "requires_payment_method"
    assert declined["last_payment_error"]["code"] == "card_declined"
    assert "decline_code" not in declined["last_payment_error"]


async def test_the_scenario_lands_in_the_mirror(mirror_db: Settings, answers: Answers) -> None:
    customer = await upsert_customer(answers["customer"])
    assert customer.default_payment_method_stripe_id == answers["payment_method"]["id"]
    payment_method = await upsert_payment_method(answers["payment_method"], customer)
    stored_pm = await PaymentMethod.get(id=payment_method.id)
    assert (stored_pm.customer_id, stored_pm.brand, stored_pm.last4, stored_pm.exp_month, stored_pm.exp_year) == (
        customer.id,
        "visa",
        "4242",
        12,
        2030,
    )

    plan = await upsert_price(answers["plan"])
    stored_plan = await Price.get(id=plan.id)
    assert (stored_plan.kind, stored_plan.unit_amount, stored_plan.currency, stored_plan.nickname) == (
        "plan",
        PLAN_AMOUNT,
        "usd",
        "Gold",
    )
    assert (stored_plan.recurring_interval, stored_plan.recurring_interval_count) == ("month", 1)
    assert stored_plan.product_stripe_id == answers["plan"]["product"]

    sub_obj = answers["subscription"]
    subscription = await upsert_subscription(sub_obj)
    stored_sub = await Subscription.get(id=subscription.id)
    assert (stored_sub.customer_id, stored_sub.status, stored_sub.price_stripe_id, stored_sub.quantity) == (
        customer.id,
        "active",
        answers["plan"]["id"],
        1,
    )
    assert stored_sub.current_period_start == from_timestamp(sub_obj["current_period_start"])
    assert stored_sub.current_period_end == from_timestamp(sub_obj["current_period_end"])
    assert stored_sub.latest_invoice_stripe_id == sub_obj["latest_invoice"]["id"]
    assert (stored_sub.cancel_at_period_end, stored_sub.canceled_at, stored_sub.ended_at) == (False, None, None)
    items = await SubscriptionItem.filter(subscription_id=subscription.id)
    assert [(i.stripe_id, i.price_stripe_id, i.quantity) for i in items] == [
        (sub_obj["items"]["data"][0]["id"], answers["plan"]["id"], 1)
    ]

    # The invoice as listed (its payment_intent an id), then the expanded PaymentIntent of the subscription.
    invoice = await upsert_invoice(answers["invoices"]["data"][0])
    sub_payment = await upsert_payment(sub_obj["latest_invoice"]["payment_intent"])
    stored_inv = await Invoice.get(id=invoice.id)
    assert (stored_inv.customer_id, stored_inv.subscription_id, stored_inv.status) == (
        customer.id,
        subscription.id,
        "paid",
    )
    assert (stored_inv.amount_due, stored_inv.amount_paid, stored_inv.amount_remaining, stored_inv.total) == (
        PLAN_AMOUNT,
        PLAN_AMOUNT,
        0,
        PLAN_AMOUNT,
    )
    assert (stored_inv.currency, stored_inv.number, stored_inv.hosted_invoice_url) == ("usd", None, None)
    assert stored_inv.payment_intent_stripe_id == sub_payment.stripe_id
    stored_sub_payment = await Payment.get(id=sub_payment.id)
    assert (stored_sub_payment.invoice_id, stored_sub_payment.customer_id, stored_sub_payment.status) == (
        invoice.id,
        customer.id,
        "succeeded",
    )
    assert (stored_sub_payment.amount, stored_sub_payment.amount_received) == (PLAN_AMOUNT, PLAN_AMOUNT)

    intent = answers["payment_intent"]
    payment = await upsert_payment(intent)
    stored = await Payment.get(id=payment.id)
    assert (stored.status, stored.amount, stored.amount_received, stored.amount_refunded, stored.currency) == (
        "succeeded",
        CHARGE_AMOUNT,
        CHARGE_AMOUNT,
        0,
        "usd",
    )
    assert (stored.customer_id, stored.invoice_id) == (customer.id, None)
    assert stored.payment_method_stripe_id == answers["payment_method"]["id"]
    assert stored.latest_charge_stripe_id == intent["latest_charge"]["id"]
    assert stored.client_secret == intent["client_secret"]
    assert (stored.failure_code, stored.decline_code, stored.failure_message) == (None, None, None)

    refund = await upsert_refund(answers["refund"])
    stored_refund = await Refund.get(id=refund.id)
    assert (stored_refund.payment_id, stored_refund.amount, stored_refund.status, stored_refund.currency) == (
        payment.id,
        REFUND_AMOUNT,
        "succeeded",
        "usd",
    )
    assert (await Payment.get(id=payment.id)).amount_refunded == REFUND_AMOUNT
    # The intent read back after the refund: its charge says the same.
    again = await upsert_payment(answers["payment_intent_refunded"])
    assert (again.id, again.amount_refunded, again.charge_amount_refunded) == (payment.id, REFUND_AMOUNT, REFUND_AMOUNT)

    declined = await upsert_payment(answers["payment_intent_declined"])
    stored_declined = await Payment.get(id=declined.id)
    assert (stored_declined.status, stored_declined.amount, stored_declined.amount_received) == (
        "requires_payment_method",
        DECLINED_AMOUNT,
        0,
    )
    assert (stored_declined.failure_code, stored_declined.decline_code, stored_declined.failure_message) == (
        "card_declined",
        None,
        "Your card was declined.",
    )
    assert stored_declined.latest_charge_stripe_id == answers["failed_charge"]["id"]


async def test_replaying_the_answers_changes_nothing(mirror_db: Settings, answers: Answers) -> None:
    """Idempotent upserts: the same answers again (as a retried worker would) keep one row each."""
    await upsert_customer(answers["customer"])
    for _ in range(2):
        await upsert_subscription(answers["subscription"])
        await upsert_invoice(answers["invoices"]["data"][0])
        await upsert_payment(answers["payment_intent"])
        await upsert_refund(answers["refund"])
    sub_id = answers["subscription"]["id"]
    assert await Subscription.filter(stripe_id=sub_id).count() == 1
    assert await SubscriptionItem.filter(subscription__stripe_id=sub_id).count() == 1
    assert await Refund.filter(payment__stripe_id=answers["payment_intent"]["id"]).count() == 1
    assert (await Payment.get(stripe_id=answers["payment_intent"]["id"])).amount_refunded == REFUND_AMOUNT
