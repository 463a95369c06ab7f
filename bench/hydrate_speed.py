"""Does `runtime.hydrate` pay for itself? Timed against Tortoise's own model construction (run on demand).

    uv run python -m bench.hydrate_speed [--rows 100] [--repeat 2000]

Makes a fresh PostgreSQL database (tables created by Tortoise), inserts `--rows` customers and as
many invoices (one per customer, every nullable timestamp set), and reads their whole rows once with
the queryset's own statement (asyncpg records, as `fetch_whole_rows` gets them). Then, per model:

- construction only: `hydrate(model, records)` against `[model._init_from_db(**record) …]` (what
  Tortoise's executor does with each row of a plain select), `--repeat` calls each in 7 rounds;
  the best round of each is printed as µs per row;
- the whole read: `await fetch_whole_rows(qs)` against `await qs` (the statement included), ms per page.

The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.models import Model

from models import Customer, Invoice
from runtime.hydrate import fetch_whole_rows, hydrate
from tests.pg import create_database, drop_database, unique_name
from tests.support.database import tortoise_on

ROUNDS = 7


def best_per_row(build: Callable[[], list[Any]], rows: int, repeat: int) -> float:
    """The best of `ROUNDS` rounds of `repeat` calls, in µs per row."""
    per_round = max(1, repeat // ROUNDS)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(per_round):
            build()
        best = min(best, (time.perf_counter() - started) / per_round)
    return best / rows * 1e6


async def best_read_ms(read: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await read()
        best = min(best, time.perf_counter() - started)
    return best * 1e3


async def seed(rows: int) -> None:
    now = datetime.now(UTC)
    customers = [
        Customer(stripe_id=f"cus_bench{i:05d}", email=f"c{i}@example.com", name=f"Customer {i}", metadata={"i": i})
        for i in range(rows)
    ]
    await Customer.bulk_create(customers)
    stored = await Customer.all()
    await Invoice.bulk_create(
        Invoice(
            customer=customer,
            stripe_id=f"in_bench{i:05d}",
            status="paid",
            currency="usd",
            amount_due=1000 + i,
            total=1000 + i,
            stripe_created=now,
            stripe_event_at=now,
            synced_at=now,
            period_start=now - timedelta(days=30),
            period_end=now,
        )
        for i, customer in enumerate(stored)
    )


async def compare(model: type[Model], rows: int, repeat: int) -> dict[str, float]:
    qs = model.all().order_by("-id").limit(rows)
    qs._choose_db_if_not_chosen()
    qs._make_query()
    sql, values = qs.query.get_parameterized_sql()
    _, records = await qs._db.execute_query(sql, values)
    assert len(records) == rows, (model.__name__, len(records))
    ours, theirs = hydrate(model, records), [model._init_from_db(**record) for record in records]
    assert [vars(a) for a in ours] == [vars(b) for b in theirs], "hydrate must make what Tortoise makes"
    tortoise_us = best_per_row(lambda: [model._init_from_db(**record) for record in records], rows, repeat)
    hydrate_us = best_per_row(lambda: hydrate(model, records), rows, repeat)
    reads = max(20, repeat // 20)
    await_ms = await best_read_ms(lambda: model.all().order_by("-id").limit(rows), reads)
    fetch_ms = await best_read_ms(lambda: fetch_whole_rows(model.all().order_by("-id").limit(rows)), reads)
    return {"tortoise_us": tortoise_us, "hydrate_us": hydrate_us, "await_ms": await_ms, "fetch_ms": fetch_ms}


async def main(rows: int, repeat: int) -> None:
    name = unique_name("bgw_bench_hydrate")
    url = await create_database(name)
    try:
        async with tortoise_on(url):
            await seed(rows)
            print(f"{rows} rows per call; construction: best of {ROUNDS} rounds of {repeat // ROUNDS} calls")
            print(
                f"{'model':<10} {'_init_from_db µs/row':>21} {'hydrate µs/row':>15} {'speed-up':>9}"
                f" {'await qs ms':>12} {'fetch_whole_rows ms':>20}"
            )
            for model in (Customer, Invoice):
                got = await compare(model, rows, repeat)
                print(
                    f"{model.__name__:<10} {got['tortoise_us']:>21.3f} {got['hydrate_us']:>15.3f}"
                    f" {got['tortoise_us'] / got['hydrate_us']:>8.2f}x {got['await_ms']:>12.3f}"
                    f" {got['fetch_ms']:>20.3f}"
                )
    finally:
        await drop_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.repeat))
