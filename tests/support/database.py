"""Tortoise bound to a throwaway PostgreSQL database, for in-process tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import Tortoise

from base.db import close_db, open_db
from base.settings import Settings


@asynccontextmanager
async def tortoise_on(database_url: str, **settings: object) -> AsyncIterator[Settings]:
    """Open Tortoise on `database_url` with every table created; close it afterwards."""
    config = Settings(database_url=database_url, _env_file=None, **settings)  # type: ignore[call-arg]
    await open_db(config)
    await Tortoise.generate_schemas(safe=True)
    try:
        yield config
    finally:
        await close_db()
