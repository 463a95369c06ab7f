"""What one applied event costs the database, and the single-statement apply path on both drivers.

The worker's hot path (a `payment_intent.*` event of a mirrored customer) is counted with
the read path's `StatementCounter` (Tortoise's query log and asyncpg's query methods, which
must agree), so that a change that brings back a statement per event shows here. The same
events are applied on SQLite (embedded mode), whose statements are built with `?` placeholders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bench.ws_events import customer_event, payment_intent_event
from live.bus import StatusMessage
from models import AuditEntry, Customer, EventStatus, Payment, WebhookEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.statements import StatementCounter
from webhooks.inbox import insert_event
from webhooks.processing import process_event

NEW_EVENT_STATEMENTS = 8
"""Claim and read (UPDATE … RETURNING), the advisory lock, the row read, the upsert, inbox row + audit (one WITH),
then the outbox (`billing.outbox`): its advisory lock, the object's latest event, the new event."""
UPDATE_EVENT_STATEMENTS = 8
"""The same, and the refunds' sum, read after the upsert locked the existing row (`amount_refunded`); the outbox
writes no event (the same transition told already): its lock and the latest event's read only."""
STALE_EVENT_STATEMENTS = 4
DRIVER_EXTRA = 2
"""BEGIN and COMMIT, which only the driver sees."""


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[StatusMessage] = []

    async def publish(self, message: StatusMessage) -> None:
        self.sent.append(message)


@pytest_asyncio.fixture(loop_scope="session")
async def pg(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("apply_sql")):
        yield


@pytest_asyncio.fixture(loop_scope="session")
async def sqlite(tmp_path: Path) -> AsyncIterator[None]:
    async with tortoise_on(f"sqlite://{tmp_path / 'apply.sqlite3'}"):
        yield


async def _store(event: dict[str, Any]) -> Any:
    row_id = await insert_event(event, EventStatus.PENDING)
    assert row_id is not None
    return row_id


async def _lifecycle(publisher: RecordingPublisher, customer_stripe_id: str) -> str:
    """customer.created, then a new payment (processing), a newer event (succeeded), an older one (stale)."""
    stripe: Any = None  # no Stripe call on this path: the customer is mirrored, every `created` differs
    assert await process_event(await _store(customer_event(customer_stripe_id)), stripe, publisher) == "processed"
    first = payment_intent_event(customer_stripe_id, status="processing")
    intent_id = first["data"]["object"]["id"]
    assert await process_event(await _store(first), stripe, publisher) == "processed"
    newer = payment_intent_event(customer_stripe_id, intent_id=intent_id, created=first["created"] + 5)
    assert await process_event(await _store(newer), stripe, publisher) == "processed"
    older = payment_intent_event(
        customer_stripe_id, intent_id=intent_id, status="canceled", created=first["created"] + 1
    )
    stale_id = await _store(older)
    assert await process_event(stale_id, stripe, publisher) == "processed"
    assert await process_event(stale_id, stripe, publisher) == "processed"  # a processed row is a no-op
    return intent_id


async def _check_lifecycle(publisher: RecordingPublisher, customer_stripe_id: str, intent_id: str) -> None:
    payment = await Payment.get(stripe_id=intent_id)
    customer = await Customer.get(stripe_id=customer_stripe_id)
    assert payment.status == "succeeded"
    assert payment.customer_id == customer.id
    assert payment.stripe_event_at is not None
    assert payment.created_at < payment.updated_at
    assert [(m.status, m.previous_status) for m in publisher.sent if m.stripe_id == intent_id] == [
        ("processing", None),
        ("succeeded", "processing"),
    ]
    entries = await AuditEntry.filter(operation__startswith="payment_intent.").order_by("occurred_at")
    assert [entry.outcome for entry in entries if entry.object_ids] == ["processed", "processed", "stale"]
    rows = await WebhookEvent.filter(type__startswith="payment_intent.")
    assert {(row.status, row.attempts) for row in rows} == {(EventStatus.PROCESSED, 1)}
    assert all(row.processed_at is not None for row in rows)


async def test_the_lifecycle_applies_on_postgres(pg: None) -> None:
    publisher = RecordingPublisher()
    intent_id = await _lifecycle(publisher, "cus_sql_pg")
    await _check_lifecycle(publisher, "cus_sql_pg", intent_id)


async def test_the_lifecycle_applies_on_sqlite(sqlite: None) -> None:
    publisher = RecordingPublisher()
    intent_id = await _lifecycle(publisher, "cus_sql_lite")
    await _check_lifecycle(publisher, "cus_sql_lite", intent_id)


async def test_statements_per_event(pg: None, monkeypatch: pytest.MonkeyPatch) -> None:
    publisher = RecordingPublisher()
    await process_event(await _store(customer_event("cus_sql_count")), None, publisher)  # type: ignore[arg-type]
    new = payment_intent_event("cus_sql_count")
    newer = payment_intent_event("cus_sql_count", intent_id=new["data"]["object"]["id"], created=new["created"] + 5)
    older = payment_intent_event("cus_sql_count", intent_id=new["data"]["object"]["id"], created=new["created"] + 1)
    rows = [await _store(event) for event in (new, newer, older)]
    counter = StatementCounter(monkeypatch)
    counts = []
    statements: list[list[str]] = []
    for row_id in rows:
        with counter.counting():
            await process_event(row_id, None, publisher)  # type: ignore[arg-type]
        # The driver also sees BEGIN and COMMIT; every other statement is in both counts.
        assert [sql for sql in counter.driver if sql not in ("BEGIN;", "COMMIT;")] == [
            logged.split(": [")[0] for logged in counter.logged
        ]
        counts.append((len(counter.logged), len(counter.driver)))
        statements.append([logged.split(": [")[0][:90] for logged in counter.logged])
    assert counts[0] == (NEW_EVENT_STATEMENTS, NEW_EVENT_STATEMENTS + DRIVER_EXTRA), statements[0]
    assert counts[1] == (UPDATE_EVENT_STATEMENTS, UPDATE_EVENT_STATEMENTS + DRIVER_EXTRA), statements[1]
    assert counts[2] == (STALE_EVENT_STATEMENTS, STALE_EVENT_STATEMENTS + DRIVER_EXTRA), statements[2]
    assert len(publisher.sent) == 1  # the new payment; the newer event has the same status, the older is stale
