"""The serving/worker pool: no RESET round trip per release, and still no transaction leaks between uses."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

import billing.money_locks  # noqa: F401  (registers its close hook)
from base.db import _close_hooks, on_close_db, runtime_tortoise_config, tortoise_config
from base.settings import Settings
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
    url = await pg_database_factory("pool")
    async with tortoise_on(url, db_pool_max_size=1):
        client: Any = Tortoise.get_connection("default")
        sent: list[str] = []
        async with client.acquire_connection() as raw:
            raw.add_query_logger(lambda record: sent.append(record.query))
        for _ in range(3):
            await client.execute_query("SELECT 1")
        assert sent == ["SELECT 1"] * 3, "one round trip per statement, no RESET ALL after each"


async def test_a_transaction_left_open_is_still_rolled_back_on_release(pg_database_factory: PgDatabaseFactory) -> None:
    url = await pg_database_factory("pool")
    async with tortoise_on(url, db_pool_max_size=1):
        client: Any = Tortoise.get_connection("default")
        async with client.acquire_connection() as raw:
            await raw.execute("BEGIN")
            await raw.execute("CREATE TABLE left_open (id int)")
            assert raw.is_in_transaction()
        async with client.acquire_connection() as raw:
            assert not raw.is_in_transaction()
            assert await raw.fetchval("SELECT to_regclass('left_open')") is None


def _raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise outer from exc
    except BaseException as caught:
        return caught


def test_what_counts_as_the_database_being_unavailable() -> None:
    import asyncpg  # type: ignore[import-untyped]
    from tortoise.exceptions import DBConnectionError, OperationalError

    from base.db import is_database_unavailable
    from stripe_provider.provider_errors import ProviderError

    down = [
        ConnectionRefusedError(111, "Connect call failed"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
        DBConnectionError("x"),
        _raised_from(RuntimeError("wrapped"), ConnectionResetError()),
    ]
    assert [is_database_unavailable(exc) for exc in down] == [True] * len(down)
    not_down = [
        None,
        ValueError("a bug"),
        OperationalError("invalid byte sequence for encoding UTF8: 0x00"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        # Stripe unreachable is PROVIDER_UNAVAILABLE, not the database.
        _raised_from(ProviderError("PROVIDER_UNAVAILABLE", "Stripe is unreachable"), OSError()),
    ]
    assert [is_database_unavailable(exc) for exc in not_down] == [False] * len(not_down)


async def test_close_db_awaits_the_hooks_upper_layers_registered(tmp_path: Any) -> None:
    closed: list[str] = []

    async def close_pool() -> None:
        closed.append("pool")

    on_close_db("test_pool", close_pool)
    try:
        async with tortoise_on(f"sqlite://{tmp_path / 'hooks.sqlite3'}"):
            pass  # `tortoise_on` leaves through `close_db`
    finally:
        _close_hooks.pop("test_pool")
    assert closed == ["pool"]
    assert "money_locks" in _close_hooks  # billing.money_locks registers its pool's closing (imported by the app)
