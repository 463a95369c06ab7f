"""Mirror rows written straight into the database (no Stripe), for read-path tests.

`seed_customers(n)` makes, per customer: 2 payment methods (the first is the default),
2 subscriptions, 2 invoices (invoice k bills subscription k and is its latest), each
invoice paid by a payment, and each payment refunded once. Everything is bulk-inserted,
so seeding costs a handful of statements whatever `n` is. Stripe ids carry a random tag,
so seeds never collide in a shared database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from base.ids import to_global_id
from models import Customer, Invoice, Payment, PaymentMethod, Price, Refund, Subscription

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class SeededCustomer:
    """The rows made for one customer, in creation order."""

    customer: Customer
    payment_methods: list[PaymentMethod] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)


def tag() -> str:
    """A short random tag for unique Stripe ids."""
    return uuid.uuid4().hex[:12]


async def seed_customers(count: int, *, email: str | None = None) -> list[SeededCustomer]:
    """`count` customers with their payment methods, subscriptions, invoices, payments and refunds."""
    run = tag()
    seeded: list[SeededCustomer] = []
    for i in range(count):
        pm_ids = [f"pm_{run}_{i}_{k}" for k in range(2)]
        customer = Customer(
            stripe_id=f"cus_{run}_{i}",
            email=email or f"seed-{run}-{i}@example.com",
            name=f"Seed {i}",
            metadata={"index": str(i)},
            default_payment_method_stripe_id=pm_ids[0],
            stripe_created=BASE_TIME + timedelta(minutes=i),
        )
        entry = SeededCustomer(customer)
        for k in range(2):
            entry.payment_methods.append(
                PaymentMethod(
                    stripe_id=pm_ids[k],
                    customer_id=customer.id,
                    type="card",
                    brand="visa",
                    last4=f"{(2 * i + k) % 10000:04d}",
                )
            )
            subscription = Subscription(
                stripe_id=f"sub_{run}_{i}_{k}",
                customer_id=customer.id,
                status=("active", "past_due")[k],
                price_stripe_id=f"price_{run}_{k}",
                quantity=k + 1,
                latest_invoice_stripe_id=f"in_{run}_{i}_{k}",
            )
            invoice = Invoice(
                stripe_id=f"in_{run}_{i}_{k}",
                customer_id=customer.id,
                subscription_id=subscription.id,
                subscription_stripe_id=subscription.stripe_id,
                status=("paid", "open")[k],
                currency="usd",
                amount_due=1000 * (i + 1) + k,
                amount_paid=1000 * (i + 1) + k if k == 0 else 0,
                amount_remaining=0 if k == 0 else 1000 * (i + 1) + k,
                total=1000 * (i + 1) + k,
                payment_intent_stripe_id=f"pi_{run}_{i}_{k}",
            )
            payment = Payment(
                stripe_id=f"pi_{run}_{i}_{k}",
                customer_id=customer.id,
                invoice_id=invoice.id,
                invoice_stripe_id=invoice.stripe_id,
                status=("succeeded", "requires_payment_method")[k],
                amount=invoice.total,
                amount_received=invoice.amount_paid,
                amount_refunded=100 + k,
                currency="usd",
            )
            refund = Refund(
                stripe_id=f"re_{run}_{i}_{k}",
                payment_id=payment.id,
                amount=100 + k,
                currency="usd",
                status=("succeeded", "pending")[k],
            )
            entry.subscriptions.append(subscription)
            entry.invoices.append(invoice)
            entry.payments.append(payment)
            entry.refunds.append(refund)
        seeded.append(entry)
    await Customer.bulk_create([s.customer for s in seeded])
    await PaymentMethod.bulk_create([pm for s in seeded for pm in s.payment_methods])
    await Subscription.bulk_create([row for s in seeded for row in s.subscriptions])
    await Invoice.bulk_create([row for s in seeded for row in s.invoices])
    await Payment.bulk_create([row for s in seeded for row in s.payments])
    await Refund.bulk_create([row for s in seeded for row in s.refunds])
    return seeded


async def seed_prices() -> list[Price]:
    """An active monthly Price, an inactive yearly one and an active legacy Plan."""
    run = tag()
    rows = [
        Price(stripe_id=f"price_{run}_m", kind="price", currency="usd", unit_amount=1500, recurring_interval="month",
              recurring_interval_count=1, nickname="monthly", product_stripe_id=f"prod_{run}"),
        Price(stripe_id=f"price_{run}_y", kind="price", currency="usd", unit_amount=15000, recurring_interval="year",
              recurring_interval_count=1, active=False, product_stripe_id=f"prod_{run}"),
        Price(stripe_id=f"plan_{run}", kind="plan", currency="eur", unit_amount=900, recurring_interval="month",
              recurring_interval_count=3, product_stripe_id=f"prod_{run}"),
    ]  # fmt: skip
    await Price.bulk_create(rows)
    return rows


def gid(type_name: str, row: Any) -> str:
    return str(to_global_id(type_name, row.id))


async def add_subscriptions(entry: SeededCustomer, count: int) -> list[Subscription]:
    run = tag()
    rows = [
        Subscription(stripe_id=f"sub_{run}_{n}", customer_id=entry.customer.id, status="active") for n in range(count)
    ]
    await Subscription.bulk_create(rows)
    return rows
