"""In-process fixtures for the read path: the schema executed directly, on a real database.

- `pg_mirror` (function): Tortoise open on a fresh PostgreSQL database (tables created).
- `any_mirror` (function, parametrized): the same on PostgreSQL and on SQLite (embedded mode).
- `execute` (on `any_mirror`) and `execute_pg` (on `pg_mirror`):
  `await execute(query, variables=None, principal=API_KEY) -> ExecutionResult`, with a fresh
  per-request context (new loaders) each call, as the HTTP view makes.

`pg_mirror`, `execute_pg`, `API_KEY` (a read-scoped API-key principal) and `session_for(customer_id)`
(a customer session's) live in `tests.support.in_process`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from base.settings import Settings
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.in_process import Execute, execute_pg, executor, pg_mirror  # noqa: F401  (fixtures, shared with tests/schema)


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def any_mirror(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[Settings]:
    """Tortoise on a fresh PostgreSQL database, then (second run) on an SQLite file."""
    url = await pg_database_factory() if request.param == "postgres" else f"sqlite://{tmp_path / 'mirror.sqlite3'}"
    async with tortoise_on(url) as settings:
        yield settings


@pytest_asyncio.fixture
async def execute(any_mirror: Settings) -> AsyncIterator[Execute]:
    """Run GraphQL operations in-process against `any_mirror` (PostgreSQL, then SQLite)."""
    execute, stripe = executor(any_mirror)
    yield execute
    await stripe.aclose()
