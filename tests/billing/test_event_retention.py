"""The outbox's retention on PostgreSQL: old events pruned, each object's newest and anything still needed kept."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from base.settings import Settings
from billing.event_retention import prune_events, pruned_through
from billing.outbox import record_changes
from models import Customer, EventDelivery, EventSinkPosition, OutboxEvent, WebhookEndpoint
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)


@pytest_asyncio.fixture(loop_scope="session")
async def retention_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    """A database of its own per test: the pruning reads the whole outbox."""
    url = await pg_database_factory("retention")
    async with tortoise_on(url) as settings:
        yield settings


async def customer_history(renames: int, when: datetime) -> Customer:
    """A customer with `renames + 1` events (created, then one `customer.updated` per rename), all at `when`."""
    customer = await Customer.create(stripe_id=f"cus_{uuid.uuid4().hex[:14]}", email="r@example.com")
    async with in_transaction():
        await record_changes([customer], occurred_at=when)
    for number in range(renames):
        customer.name = f"Name {number}"
        await customer.save()
        async with in_transaction():
            await record_changes([customer], occurred_at=when)
    return customer


async def types_of(customer: Customer) -> list[str]:
    events = await OutboxEvent.all().order_by("sequence")
    mine = [event for event in events if event.data.get("stripeId") == customer.stripe_id]
    return [event.type for event in mine]


@pytest.mark.asyncio(loop_scope="session")
async def test_old_events_pruned_newest_per_object_kept(retention_db: Settings) -> None:
    settings = retention_db.model_copy(update={"event_retention_days": 30})
    old = await customer_history(3, OLD)
    recent = await customer_history(2, NOW - timedelta(days=1))
    assert await pruned_through() == 0

    pruned = await prune_events(settings, now=NOW)

    assert pruned.events == 3  # the old customer's created + 2 updates; its newest update stays
    assert await types_of(old) == ["customer.updated"]
    assert await types_of(recent) == ["customer.created", "customer.updated", "customer.updated"]
    assert pruned.pruned_through == await pruned_through() > 0
    # The writer still judges the next change against the kept newest event: an update, not a second "created".
    old.name = "After pruning"
    await old.save()
    async with in_transaction():
        written = (await record_changes([old], occurred_at=NOW)).written
    assert [event.type for event in written] == ["customer.updated"]
    # Now superseded, the old newest event goes on the next run; then nothing is left to do, the watermark stays.
    again = await prune_events(settings, now=NOW)
    assert again.events == 1
    assert again.pruned_through > pruned.pruned_through
    assert await types_of(old) == ["customer.updated"]
    last = await prune_events(settings, now=NOW)
    assert (last.events, last.pruned_through) == (0, again.pruned_through)


@pytest.mark.asyncio(loop_scope="session")
async def test_retention_zero_keeps_everything(retention_db: Settings) -> None:
    old = await customer_history(2, OLD)
    pruned = await prune_events(retention_db.model_copy(update={"event_retention_days": 0}), now=NOW)
    assert (pruned.events, pruned.pruned_through) == (0, 0)
    assert await types_of(old) == ["customer.created", "customer.updated", "customer.updated"]


@pytest.mark.asyncio(loop_scope="session")
async def test_events_an_endpoint_a_delivery_or_a_sink_still_needs_are_kept(retention_db: Settings) -> None:
    settings = retention_db.model_copy(update={"event_retention_days": 30})
    old = await customer_history(4, OLD)
    sequences = [event.sequence for event in await OutboxEvent.all().order_by("sequence")]
    assert len(sequences) == 5
    # An enabled endpoint that has fanned out only the first two events needs the third on.
    endpoint = await WebhookEndpoint.create(
        url="https://example.com/hook",
        event_types=[],
        description="retention",
        secret_salt="salt",
        fanned_out_sequence=sequences[1],
    )
    pruned = await prune_events(settings, now=NOW)
    assert pruned.events == 2
    assert await types_of(old) == ["customer.updated"] * 3

    # The endpoint caught up, but a pending delivery of the fourth event is still to be sent.
    endpoint.fanned_out_sequence = sequences[-1]
    await endpoint.save()
    await EventDelivery.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_sequence=sequences[3],
        event_type="customer.updated",
        object_id="x",
        next_attempt_at=NOW,
    )
    pruned = await prune_events(settings, now=NOW)
    assert pruned.events == 1  # the third only
    assert len(await types_of(old)) == 2

    # A sink that published through the fourth event, active within the window, holds the fifth (newest anyway);
    # a sink idle for longer than the window holds nothing.
    await EventDelivery.all().delete()
    await EventSinkPosition.create(name="nats:STALE", sequence=0)
    await EventSinkPosition.filter(name="nats:STALE").update(updated_at=OLD)
    pruned = await prune_events(settings, now=NOW)
    assert pruned.events == 1
    assert await types_of(old) == ["customer.updated"]


@pytest.mark.asyncio(loop_scope="session")
async def test_finished_deliveries_older_than_the_window_go(retention_db: Settings) -> None:
    settings = retention_db.model_copy(update={"event_retention_days": 30})
    endpoint = await WebhookEndpoint.create(
        url="https://example.com/hook", event_types=[], description="retention", secret_salt="salt"
    )

    async def delivery(status: str, *, old: bool = True) -> EventDelivery:
        row = await EventDelivery.create(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_sequence=1,
            event_type="customer.created",
            object_id="x",
            status=status,
            next_attempt_at=NOW,
        )
        if old:
            await EventDelivery.filter(id=row.id).update(created_at=OLD)
        return row

    kept_pending = await delivery("pending")
    await delivery("succeeded")
    await delivery("failed")
    fresh = await delivery("succeeded", old=False)
    pruned = await prune_events(settings, now=NOW)
    assert pruned.deliveries == 2
    assert {row.id for row in await EventDelivery.all()} == {kept_pending.id, fresh.id}
