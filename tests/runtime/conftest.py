"""Fixtures of the runtime tests: `any_mirror`, Tortoise open on PostgreSQL, then on SQLite (embedded mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from base.settings import Settings
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def any_mirror(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[Settings]:
    """Tortoise on a fresh PostgreSQL database, then (second run) on an SQLite file."""
    url = await pg_database_factory() if request.param == "postgres" else f"sqlite://{tmp_path / 'mirror.sqlite3'}"
    async with tortoise_on(url) as settings:
        yield settings
