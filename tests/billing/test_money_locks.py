"""The money lock (`billing.money_locks.money_lock`): one holder per object, a bounded wait, freed by a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
import pytest_asyncio

from base.settings import Settings
from billing import money_locks as locks
from billing.money_locks import ObjectBusyError, close_lock_pool, money_lock

WAIT = 0.5


@pytest_asyncio.fixture
async def pg_settings(pg_database: str) -> AsyncIterator[Settings]:
    yield Settings(database_url=pg_database, money_lock_wait_seconds=WAIT, _env_file=None)  # type: ignore[call-arg]
    await close_lock_pool()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=f"sqlite://{tmp_path / 'x.sqlite3'}", money_lock_wait_seconds=WAIT, _env_file=None
    )


async def holders_overlap(settings: Settings, first: str, second: str) -> bool:
    """Whether two holders of these objects' locks were ever inside at once."""
    inside = 0
    overlapped = False
    entered = asyncio.Event()

    async def hold(object_id: str, signal: bool) -> None:
        nonlocal inside, overlapped
        async with money_lock(settings, "payment", object_id):
            inside += 1
            overlapped = overlapped or inside > 1
            if signal:
                entered.set()
            # Long enough for the other to get in if the lock let it, well below the bounded wait.
            await asyncio.sleep(WAIT / 4)
            inside -= 1

    task = asyncio.create_task(hold(first, True))
    await entered.wait()
    await hold(second, False)
    await task
    return overlapped


async def one_holder_per_object(settings: Settings) -> None:
    assert not await holders_overlap(settings, "p1", "p1")
    assert await holders_overlap(settings, "p1", "p2")
    assert locks._local_locks == {}


async def bounded_wait(settings: Settings) -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def hold() -> None:
        async with money_lock(settings, "invoice", "i1"):
            entered.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    with pytest.raises(ObjectBusyError):
        async with money_lock(settings, "invoice", "i1"):
            pass
    release.set()
    await holder
    async with money_lock(settings, "invoice", "i1"):
        pass


async def test_postgres_one_holder_per_object_and_objects_are_independent(pg_settings: Settings) -> None:
    await one_holder_per_object(pg_settings)


async def test_sqlite_one_holder_per_object_and_objects_are_independent(sqlite_settings: Settings) -> None:
    await one_holder_per_object(sqlite_settings)


async def test_postgres_waiting_longer_than_the_bound_is_object_busy(pg_settings: Settings) -> None:
    await bounded_wait(pg_settings)


async def test_sqlite_waiting_longer_than_the_bound_is_object_busy(sqlite_settings: Settings) -> None:
    await bounded_wait(sqlite_settings)


async def test_a_crashed_holder_frees_the_lock(pg_settings: Settings, pg_database: str) -> None:
    crashed = await asyncpg.connect(pg_database)
    await crashed.execute("BEGIN")
    await crashed.execute("SELECT pg_advisory_xact_lock(hashtext('money:payment:p9'))")
    with pytest.raises(ObjectBusyError):
        async with money_lock(pg_settings, "payment", "p9"):
            pass
    crashed.terminate()  # the process died: its connection is gone
    async with money_lock(pg_settings, "payment", "p9"):
        pass
