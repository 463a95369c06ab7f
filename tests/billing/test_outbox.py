"""The outbox writer on PostgreSQL: one event per change, transitions once, envelopes valid against the catalogue."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from base.ids import to_global_id
from base.settings import Settings
from billing.event_catalogue import CATALOGUE, catalogue_json
from billing.outbox import Change, envelope, pending_events, record_changes
from models import Customer, Dispute, Invoice, OutboxEvent, Payment, PaymentMethod, Refund, Subscription
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def outbox_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("outbox")
    async with tortoise_on(url) as settings:
        yield settings


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:14]}"


async def record(*rows: object) -> list[str]:
    async with in_transaction():
        written = (await record_changes(rows)).written  # type: ignore[arg-type]
    for event in written:
        jsonschema.validate(envelope(event), CATALOGUE[event.type].schema())
    return [event.type for event in written]


@pytest.mark.asyncio(loop_scope="session")
async def test_customer_created_once_then_updated_on_a_change_only(outbox_db: Settings) -> None:
    customer = await Customer.create(stripe_id=unique("cus"), email="a@example.com", metadata={"k": "v"})
    assert await record(customer) == ["customer.created"]
    assert await record(customer) == []  # the webhook confirming it
    customer.name = "Renamed"
    await customer.save()
    assert await record(customer) == ["customer.updated"]
    assert await record(customer) == []
    customer.deleted = True
    assert await record(customer) == ["customer.deleted"]
    assert await record(customer) == []


@pytest.mark.asyncio(loop_scope="session")
async def test_subscription_transitions(outbox_db: Settings) -> None:
    customer = await Customer.create(stripe_id=unique("cus"), email="s@example.com")
    sub = await Subscription.create(stripe_id=unique("sub"), customer=customer, status="active", stripe_created=NOW)
    assert await record(sub) == ["subscription.created"]
    sub.quantity = 2
    assert await record(sub) == ["subscription.updated"]
    sub.pause_behavior = "void"
    assert await record(sub) == ["subscription.paused"]
    assert await record(sub) == []
    sub.pause_behavior = None
    assert await record(sub) == ["subscription.resumed"]
    sub.status = "canceled"
    sub.canceled_at = NOW
    assert await record(sub) == ["subscription.canceled"]
    sub.canceled_at = datetime(2026, 12, 4, 12, 0, 1, tzinfo=UTC)  # Stripe's own time for it: still one cancel
    assert await record(sub) == []


@pytest.mark.asyncio(loop_scope="session")
async def test_payment_succeeded_once_whatever_the_webhook_adds(outbox_db: Settings) -> None:
    customer = await Customer.create(stripe_id=unique("cus"), email="p@example.com")
    payment = await Payment.create(
        stripe_id=unique("pi"), customer=customer, status="requires_confirmation", amount=500, currency="usd"
    )
    assert await record(payment) == []  # no type for this status
    payment.status = "succeeded"
    payment.amount_received = 500
    assert await record(payment) == ["payment.succeeded"]
    payment.client_secret = "pi_secret"
    payment.stripe_created = NOW
    assert await record(payment) == []
    events = await OutboxEvent.filter(
        object_id=envelope((await pending_events(types=["payment.succeeded"]))[-1])["object"]["id"]
    )
    assert [event.type for event in events] == ["payment.succeeded"]


@pytest.mark.asyncio(loop_scope="session")
async def test_pending_events_in_sequence_after_a_cursor(outbox_db: Settings) -> None:
    first = await Customer.create(stripe_id=unique("cus"), email="c1@example.com")
    second = await Customer.create(stripe_id=unique("cus"), email="c2@example.com")
    await record(first)
    await record(second)
    everything = await pending_events(limit=1000)
    sequences = [event.sequence for event in everything]
    assert sequences == sorted(sequences)
    cursor = everything[-2].sequence
    after = await pending_events(cursor)
    assert [event.sequence for event in after] == [everything[-1].sequence]
    assert after[0].data["email"] == "c2@example.com"


def test_the_catalogue_file_and_document_are_up_to_date() -> None:
    assert json.loads((ROOT / "docs" / "events.json").read_text()) == json.loads(catalogue_json()), (
        "regenerate: uv run python -c 'from billing.event_catalogue import catalogue_json; print(catalogue_json())' "
        "> docs/events.json"
    )
    document = (ROOT / "docs" / "events.md").read_text()
    missing = [name for name in CATALOGUE if f"`{name}`" not in document]
    assert missing == [], f"docs/events.md does not describe {missing}"
    for event_type in CATALOGUE.values():
        jsonschema.Draft202012Validator.check_schema(event_type.schema())


@pytest.mark.asyncio(loop_scope="session")
async def test_every_kind_writes_catalogued_valid_events(outbox_db: Settings) -> None:
    customer = await Customer.create(stripe_id=unique("cus"), email="k@example.com")
    method = await PaymentMethod.create(stripe_id=unique("pm"), customer=customer, type="card", brand="visa")
    assert await record(method) == ["payment_method.attached"]
    method.exp_year = 2031
    assert await record(method) == ["payment_method.updated"]
    method.detached_at = NOW
    assert await record(method) == ["payment_method.detached"]

    invoice = await Invoice.create(stripe_id=unique("in"), customer=customer, status="open", currency="eur")
    assert await record(invoice) == []  # no type for OPEN
    invoice.attempt_count = 1
    assert await record(Change(invoice, "invoice.payment_failed")) == ["invoice.payment_failed"]
    invoice.attempt_count = 2
    assert await record(Change(invoice, "invoice.payment_failed")) == ["invoice.payment_failed"]
    assert await record(Change(invoice, "invoice.payment_failed")) == []  # the same attempt told already
    invoice.status = "paid"
    assert await record(invoice, invoice) == ["invoice.paid"]
    other = await Invoice.create(stripe_id=unique("in"), customer=customer, status="void", currency="eur")
    assert await record(other) == ["invoice.voided"]

    payment = await Payment.create(
        stripe_id=unique("pi"), customer=customer, status="requires_action", amount=900, currency="eur"
    )
    assert await record(payment) == ["payment.requires_action"]
    payment.status, payment.failure_code = "requires_payment_method", "card_declined"
    assert await record(payment) == ["payment.failed"]
    payment.status, payment.failure_code, payment.amount_received = "succeeded", None, 900
    assert await record(payment) == ["payment.succeeded"]

    refund = await Refund.create(stripe_id=unique("re"), payment=payment, amount=100, currency="eur", status="pending")
    assert await record(refund) == ["refund.created"]
    refund.status = "succeeded"
    assert await record(refund) == ["refund.updated"]
    [refund_event] = await OutboxEvent.filter(type="refund.updated", object_id=to_global_id("Refund", refund.id))
    assert refund_event.customer_id is not None  # a refund's customer: its payment's

    dispute = await Dispute.create(
        stripe_id=unique("dp"), payment=payment, customer=customer, status="needs_response", amount=900, currency="eur"
    )
    assert await record(dispute) == ["dispute.created"]
    dispute.status = "under_review"
    assert await record(dispute) == ["dispute.updated"]
    dispute.status = "won"
    assert await record(dispute) == ["dispute.closed"]
    assert await record(dispute) == []


@pytest.mark.asyncio(loop_scope="session")
async def test_embedded_mode_writes_events_on_sqlite(tmp_path: Path) -> None:
    async with tortoise_on(f"sqlite://{tmp_path / 'outbox.sqlite3'}"):
        customer = await Customer.create(stripe_id=unique("cus"), email="e@example.com")
        assert await record(customer) == ["customer.created"]
        assert await record(customer) == []
        [event] = await pending_events()
        assert event.sequence == 1 and event.data["email"] == "e@example.com"
