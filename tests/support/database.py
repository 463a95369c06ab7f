"""Tortoise bound to a throwaway PostgreSQL database, for in-process tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from base.db import close_db, open_db
from base.settings import Settings


@asynccontextmanager
async def tortoise_on(database_url: str, **settings: object) -> AsyncIterator[Settings]:
    """Open Tortoise on `database_url` with every table created; close it afterwards.

    Tortoise caches each model's INSERT text per connection name and table, not per dialect: a
    test on SQLite followed by one on PostgreSQL (both `default`) would reuse `?` placeholders.
    A process of the gateway opens one database, so only the tests need the cache emptied.
    """
    EXECUTOR_CACHE.clear()
    config = Settings(database_url=database_url, _env_file=None, **settings)  # type: ignore[call-arg]
    await open_db(config)
    await Tortoise.generate_schemas(safe=True)
    try:
        yield config
    finally:
        await close_db()
        # Again on close: tests that open Tortoise themselves (tests/e2e/test_reads.py, the
        # migrations check) must not find this database's dialect in the cache either.
        EXECUTOR_CACHE.clear()
