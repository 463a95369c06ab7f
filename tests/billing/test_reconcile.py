"""`billing.reconcile` in process: a fresh localstripe of its own, a fresh PostgreSQL database.

One scenario is seeded at the emulator (plans, customers with default cards, an active
and a canceled subscription with their invoices and payments, a one-off payment with a
partial refund, a customer without anything). Reconcile on the empty mirror must pull
exactly what the emulator lists; a second run must change nothing; a change made at
the emulator must come back as exactly one update; a customer deleted at the emulator
is reported missing and kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from billing.reconcile import KINDS, ReconcileReport, reconcile
from models import Customer, Invoice, Payment, PaymentMethod, Price, Refund, Subscription
from stripe_provider.adapter import StripeAdapter
from tests.support.aliases import LocalStripeFactory, PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.localstripe import (
    EMULATOR_SECRET_KEY,
    create_plan,
    stripe_request,
)
from tests.support.poll import wait_until
from tests.support.reconcile import Seeded, emulator_counts, seed


@pytest_asyncio.fixture
async def world(
    localstripe_factory: LocalStripeFactory, pg_database_factory: PgDatabaseFactory
) -> AsyncIterator[tuple[Seeded, StripeAdapter]]:
    """A seeded fresh emulator, an empty mirror on a fresh database, and an adapter to the emulator."""
    emulator = localstripe_factory()
    seeded = seed(emulator)
    url = await pg_database_factory("reconcile")
    async with tortoise_on(url, stripe_api_key=EMULATOR_SECRET_KEY, stripe_api_base=emulator.url) as settings:
        adapter = StripeAdapter(settings)
        try:
            yield seeded, adapter
        finally:
            await adapter.aclose()


async def test_settings_point_at_the_emulator(world: tuple[Seeded, StripeAdapter]) -> None:
    _, adapter = world
    assert adapter.is_emulator  # plans, no created filters: the emulator path is the one under test


async def test_reconcile_pulls_everything_then_changes_nothing(world: tuple[Seeded, StripeAdapter]) -> None:
    seeded, adapter = world
    expected = emulator_counts(seeded.emulator.url, seeded.customers)
    # The scenario must exercise every type, else a count of 0 == 0 proves nothing.
    assert all(count > 0 for count in expected.values()), expected

    ticks: list[tuple[str, int]] = []
    first = await reconcile(adapter, since=None, progress=lambda kind, done: ticks.append((kind, done)))

    for kind in KINDS:
        counts = first.counts[kind]
        assert (counts.created, counts.updated, counts.unchanged) == (expected[kind], 0, 0), kind
        assert counts.missing_at_stripe == []
    assert len(first.changes) == sum(expected.values())
    assert {change.action for change in first.changes} == {"created"}
    assert ticks[-1] == ("disputes", expected["disputes"])
    assert all(expected[kind] >= 1 for kind in KINDS), expected  # one of everything, so each kind is checked
    # And it is all in the mirror, linked.
    assert await Price.all().count() == expected["prices"]
    assert await Customer.all().count() == expected["customers"]
    assert await PaymentMethod.filter(customer_id__isnull=False).count() == expected["payment_methods"]
    assert await Subscription.all().count() == expected["subscriptions"]
    assert await Subscription.filter(status="canceled").count() == 1
    assert await Invoice.filter(subscription_id__isnull=False).count() == expected["invoices"]
    assert await Payment.filter(customer_id__isnull=False).count() == expected["payments"]
    assert await Refund.all().count() == expected["refunds"]
    refunded = await Payment.get(amount=700)
    assert refunded.amount_refunded == 200

    second = await reconcile(adapter, since=None)
    assert not second.changed, second.changes
    for kind in KINDS:
        assert (second.counts[kind].created, second.counts[kind].updated) == (0, 0), kind
        assert second.counts[kind].unchanged == expected[kind], kind


async def test_a_change_at_stripe_is_one_update(world: tuple[Seeded, StripeAdapter]) -> None:
    seeded, adapter = world
    await reconcile(adapter, since=None)
    target = seeded.customers[1]
    stripe_request(seeded.emulator.url, "POST", f"/v1/customers/{target}", data={"name": "Renamed at Stripe"})

    report = await reconcile(adapter, since=None)

    assert [(c.kind, c.stripe_id, c.action, c.fields) for c in report.changes] == [
        ("customers", target, "updated", ("name",))
    ]
    assert (report.counts["customers"].updated, report.counts["customers"].created) == (1, 0)
    assert (await Customer.get(stripe_id=target)).name == "Renamed at Stripe"
    assert "customers: 0 created, 1 updated, 3 unchanged" in report.summary_lines()


async def test_drift_in_the_mirror_is_repaired(world: tuple[Seeded, StripeAdapter]) -> None:
    _, adapter = world
    await reconcile(adapter, since=None)
    # The mirror went wrong (a lost webhook, a bad restore): reconcile puts Stripe's values back.
    subscription = await Subscription.get(status="active")
    await Subscription.filter(id=subscription.id).update(status="past_due", quantity=7)

    report = await reconcile(adapter, since=None)

    assert [(c.kind, c.stripe_id, c.fields) for c in report.changes] == [
        ("subscriptions", subscription.stripe_id, ("status", "quantity"))
    ]
    refreshed = await Subscription.get(id=subscription.id)
    assert (refreshed.status, refreshed.quantity) == ("active", 1)


async def test_objects_gone_at_stripe_are_reported_and_kept(world: tuple[Seeded, StripeAdapter]) -> None:
    seeded, adapter = world
    await reconcile(adapter, since=None)
    stripe_request(seeded.emulator.url, "DELETE", f"/v1/customers/{seeded.plain_customer}")

    report: ReconcileReport = await reconcile(adapter, since=None)

    assert report.counts["customers"].missing_at_stripe == [seeded.plain_customer]
    assert not report.changed
    assert await Customer.exists(stripe_id=seeded.plain_customer)
    assert any("1 missing at Stripe (kept)" in line for line in report.summary_lines())


async def test_since_limits_what_is_pulled(world: tuple[Seeded, StripeAdapter]) -> None:
    _, adapter = world
    future = await reconcile(adapter, since=datetime.now(UTC) + timedelta(days=1))
    assert not future.changed
    assert all(future.counts[kind].seen == 0 for kind in KINDS)

    recent = await reconcile(adapter, since=datetime.now(UTC) - timedelta(days=1))
    assert recent.counts["customers"].created == 4
    assert recent.counts["subscriptions"].created == 2


async def test_since_fetches_a_missing_parent(world: tuple[Seeded, StripeAdapter]) -> None:
    seeded, adapter = world
    url = seeded.emulator.url
    plan = create_plan(url, amount=900)
    customer = seeded.customers[0]
    # Stripe's `created` has one-second resolution: step past a whole second, so that the new
    # subscription (and its invoice and payment) are the only objects past the cut-off and
    # their customer, older than it, is not pulled by the customers' list.
    cutoff = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    await wait_until(
        lambda: datetime.now(UTC) >= cutoff + timedelta(milliseconds=50), "the clock passed the cut-off", 5
    )
    sub = stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customer, "items[0][plan]": plan})
    report = await reconcile(adapter, since=cutoff)
    assert await Subscription.exists(stripe_id=sub["id"])
    assert await Customer.exists(stripe_id=customer)
    assert report.counts["customers"].created == 1  # fetched as the subscription's missing parent
    assert report.counts["subscriptions"].created == 1
