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

from base.settings import Settings
from billing.event_catalogue import CATALOGUE, catalogue_json
from billing.outbox import envelope, pending_events, record_changes
from models import Customer, OutboxEvent, Payment, Subscription
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
        written = await record_changes(rows)  # type: ignore[arg-type]
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
