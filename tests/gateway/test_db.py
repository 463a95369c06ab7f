"""The serving/worker pool: no RESET round trip per release, and still no transaction leaks between uses."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from gateway.db import runtime_tortoise_config, tortoise_config
from gateway.settings import Settings
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


def test_only_postgres_urls_get_the_lean_reset(tmp_path: Any) -> None:
    sqlite = Settings(database_url=f"sqlite://{tmp_path / 'x.sqlite3'}", _env_file=None)  # type: ignore[call-arg]
    assert runtime_tortoise_config(sqlite) == tortoise_config(sqlite)
    pg = Settings(database_url="postgres://postgres@127.0.0.1:5432/x", _env_file=None)  # type: ignore[call-arg]
    connection = runtime_tortoise_config(pg)["connections"]["default"]
    assert connection["engine"] == "tortoise.backends.asyncpg"
    assert connection["credentials"]["database"] == "x"
    assert connection["credentials"]["maxsize"] == str(pg.db_pool_max_size)
    assert callable(connection["credentials"]["reset"])


async def test_statements_outside_transactions_send_no_reset_query(pg_database_factory: PgDatabaseFactory) -> None:
    url = await pg_database_factory("bgw_pool")
    async with tortoise_on(url, db_pool_max_size=1):
        client: Any = Tortoise.get_connection("default")
        sent: list[str] = []
        async with client.acquire_connection() as raw:
            raw.add_query_logger(lambda record: sent.append(record.query))
        for _ in range(3):
            await client.execute_query("SELECT 1")
        assert sent == ["SELECT 1"] * 3, "one round trip per statement, no RESET ALL after each"


async def test_a_transaction_left_open_is_still_rolled_back_on_release(pg_database_factory: PgDatabaseFactory) -> None:
    url = await pg_database_factory("bgw_pool")
    async with tortoise_on(url, db_pool_max_size=1):
        client: Any = Tortoise.get_connection("default")
        async with client.acquire_connection() as raw:
            await raw.execute("BEGIN")
            await raw.execute("CREATE TABLE left_open (id int)")
            assert raw.is_in_transaction()
        async with client.acquire_connection() as raw:
            assert not raw.is_in_transaction()
            assert await raw.fetchval("SELECT to_regclass('left_open')") is None
