"""Mirror rows for the read benchmarks, written straight into PostgreSQL (no Stripe).

Reuses the read-path tests' seeder (`tests.support.seed`): per customer 2 payment
methods (the first the default), 2 subscriptions, 2 invoices, 2 payments, 2 refunds,
bulk-inserted. Then fills the columns that seeder leaves null (card expiry, billing
periods), so the benchmarks serialise realistic rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise

from base.db import close_db, open_db
from base.ids import to_global_id
from base.settings import Settings
from tests.support.seed import seed_customers

BATCH = 500
"""Customers per bulk insert (keeps each statement's parameter list moderate)."""

FILL_SQL = """
UPDATE payment_methods
    SET exp_month = 1 + abs(hashtext(stripe_id)) % 12, exp_year = 2027 + abs(hashtext(stripe_id)) % 5;
UPDATE subscriptions SET current_period_start = '2026-01-01T00:00:00Z', current_period_end = '2026-02-01T00:00:00Z',
    stripe_created = '2025-12-01T00:00:00Z';
"""


@dataclass(frozen=True)
class Seeded:
    """What was loaded: the customers' global ids, oldest first."""

    customer_ids: list[str]

    @property
    def count(self) -> int:
        """How many customers."""
        return len(self.customer_ids)


async def seed(database_url: str, customers: int) -> Seeded:
    """Load `customers` customers with their payment methods, subscriptions, invoices and payments."""
    await open_db(Settings(database_url=database_url, _env_file=None))  # type: ignore[call-arg]
    try:
        ids: list[str] = []
        for start in range(0, customers, BATCH):
            made = await seed_customers(min(BATCH, customers - start))
            ids += [str(to_global_id("Customer", entry.customer.id)) for entry in made]
        await Tortoise.get_connection("default").execute_script(FILL_SQL)
    finally:
        await close_db()
    return Seeded(customer_ids=ids)
