"""The usage ledger on PostgreSQL and on SQLite (embedded `serve`): one insert per batch, repeats skipped,
aggregates by the meter's formula, and the sweeper's choice of events to hand over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from billing import usage
from models import Customer, Meter, UsageEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def ledger(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[None]:
    url = await pg_database_factory() if request.param == "postgres" else f"sqlite://{tmp_path / 'usage.sqlite3'}"
    async with tortoise_on(url):
        yield


async def _meter(formula: str) -> Meter:
    return await usage.upsert_meter(
        {
            "id": f"mtr_{uuid.uuid4().hex[:16]}",
            "display_name": "Calls",
            "event_name": f"calls_{uuid.uuid4().hex[:8]}",
            "default_aggregation": {"formula": formula},
            "status": "active",
            "created": 1_700_000_000,
        }
    )


def _events(customer: Customer, meter: Meter, values: list[int], start: datetime, tag: str) -> list[usage.NewEvent]:
    return [
        usage.NewEvent(f"{tag}-{index}", customer.id, meter.id, value, start + timedelta(seconds=index))  # type: ignore[arg-type]
        for index, value in enumerate(values)
    ]


async def test_a_batch_is_inserted_once_and_aggregated_by_formula(ledger: None) -> None:
    customer = await Customer.create(stripe_id=f"cus_{uuid.uuid4().hex[:12]}")
    meters = {formula: await _meter(formula) for formula in ("sum", "count", "last")}
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for formula, meter in meters.items():
        batch = _events(customer, meter, [5, 7, 11], start, f"{formula}-{uuid.uuid4().hex[:6]}")
        first = await usage.insert_events(batch)
        assert [identifier for _, identifier in first.rows] == [event.identifier for event in batch]
        again = await usage.insert_events([*batch[1:], *_events(customer, meter, [2], start, f"new-{formula}")])
        assert [identifier for _, identifier in again.rows] == [f"new-{formula}-0"]
        total = await usage.usage_of(customer, meter, start, start + timedelta(minutes=1))
        expected = {"sum": 5 + 7 + 11 + 2, "count": 4, "last": 11}[formula]
        assert (total.value, total.events) == (expected, 4)
        narrow = await usage.usage_of(customer, meter, start + timedelta(seconds=1), start + timedelta(seconds=2))
        assert (narrow.events, narrow.value) == (1, {"sum": 7, "count": 1, "last": 7}[formula])
    assert await UsageEvent.filter(enqueued_at__isnull=True).count() == 0


async def test_the_sweeper_hands_over_what_was_never_sent_or_everything_after_a_start(ledger: None) -> None:
    customer = await Customer.create(stripe_id=f"cus_{uuid.uuid4().hex[:12]}")
    meter = await _meter("sum")
    now = datetime.now(UTC)
    made = await usage.insert_events(_events(customer, meter, [1, 2, 3], now - timedelta(minutes=1), "sweep"))
    ids = [pk for pk, _ in made.rows]
    await usage.forget_enqueued(ids[:2])  # their hand-over failed
    handed: list[list[uuid.UUID]] = []

    async def send(chunk: list[uuid.UUID]) -> None:
        handed.append(chunk)

    assert await usage.sweep_usage_once(send, now=now) == 0, "within the grace period"
    assert await usage.sweep_usage_once(send, now=now + usage.PENDING_GRACE + timedelta(seconds=1)) == 2
    assert sorted(handed[0]) == sorted(ids[:2])
    handed.clear()
    assert await usage.sweep_usage_once(send, everything=True) == 3
    await UsageEvent.filter(id=ids[0]).update(forwarded_at=now)
    assert await usage.sweep_usage_once(send, everything=True) == 2
