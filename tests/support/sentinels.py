"""Sentinels in services the tests do not own: proof that a run leaves other people's data alone.

`plant()` writes one key (with a TTL, should the run die) in every logical database of a Redis
that answers, by default the machine's own at 127.0.0.1:6379 (`TEST_SENTINEL_REDIS_URL`), and
creates a database `<TEST_PG_DATABASE_PREFIX>_sentinel_<hex>` holding one row: the name the
tests' own databases have, so a clean-up that went past what the run created would take it.
`Sentinels.problems()` lists what is gone or changed; `remove()` deletes those sentinels and
nothing else.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
import redis

from tests.pg import PostgresUnavailableError, create_database, database_url, drop_database, unique_name

SENTINEL_REDIS_URL = os.environ.get("TEST_SENTINEL_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_TTL_SECONDS = 12 * 3600
MAX_REDIS_DATABASES = 16
_T = TypeVar("_T")


def run_async(make: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion on a loop of its own, in a thread (safe whatever loop pytest holds)."""

    async def main() -> _T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _client(url: str, db: int) -> redis.Redis:
    return redis.Redis.from_url(url, db=db, socket_connect_timeout=2, socket_timeout=5, decode_responses=True)


@dataclass
class Sentinels:
    """What `plant()` left: a key in each of `redis_databases` of `redis_url`, and `pg_database`."""

    token: str
    redis_url: str
    redis_key: str = ""
    redis_databases: list[int] = field(default_factory=list)
    redis_note: str = ""
    """Why there is no Redis sentinel (nothing answers at `redis_url`), else ''."""
    pg_database: str = ""
    pg_note: str = ""
    """Why there is no PostgreSQL sentinel (the server does not answer), else ''."""

    def value(self, db: int) -> str:
        return f"{self.token}:{db}"

    def describe(self) -> str:
        where = self.redis_url.split("@")[-1].removeprefix("redis://")
        redis_part = (
            f"a key in Redis {where} databases {self.redis_databases[0]}-{self.redis_databases[-1]}"
            if self.redis_databases
            else f"no Redis sentinel ({self.redis_note})"
        )
        pg_part = (
            f"PostgreSQL database {self.pg_database}"
            if self.pg_database
            else f"no PostgreSQL sentinel ({self.pg_note})"
        )
        return f"{redis_part}, {pg_part}"

    def problems(self) -> list[str]:
        """Every sentinel that is gone or changed (empty: all intact)."""
        found: list[str] = []
        for db in self.redis_databases:
            client = _client(self.redis_url, db)
            try:
                value = client.get(self.redis_key)
            except redis.RedisError as exc:
                found.append(f"Redis database {db}: could not read {self.redis_key}: {exc!r}")
                continue
            finally:
                client.close()
            if value != self.value(db):
                found.append(f"Redis database {db}: {self.redis_key} is {value!r}, was {self.value(db)!r}")
        if self.pg_database:
            found.extend(run_async(self._pg_problems))
        return found

    async def _pg_problems(self) -> list[str]:
        try:
            conn = await asyncpg.connect(database_url(self.pg_database), timeout=10)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            return [f"PostgreSQL database {self.pg_database}: cannot connect ({exc!r}); dropped?"]
        try:
            rows = [row["value"] for row in await conn.fetch("SELECT value FROM sentinel")]
        except asyncpg.PostgresError as exc:
            return [f"PostgreSQL database {self.pg_database}: cannot read its row ({exc!r})"]
        finally:
            await conn.close()
        return (
            [] if rows == [self.token] else [f"PostgreSQL database {self.pg_database}: rows {rows}, was {[self.token]}"]
        )

    def remove(self) -> None:
        """Delete these sentinels, and nothing else."""
        for db in self.redis_databases:
            client = _client(self.redis_url, db)
            try:
                client.delete(self.redis_key)
            except redis.RedisError:
                pass  # its TTL ends it
            finally:
                client.close()
        if self.pg_database:
            run_async(lambda: drop_database(self.pg_database))


def plant(redis_url: str = SENTINEL_REDIS_URL) -> Sentinels:
    """Plant fresh sentinels (see the module's docstring) in whichever of Redis and PostgreSQL answers."""
    token = uuid.uuid4().hex
    sentinels = Sentinels(token=token, redis_url=redis_url, redis_key=f"bgw-test-sentinel:{token}")
    try:
        _client(redis_url, 0).ping()
    except redis.RedisError as exc:
        sentinels.redis_note = f"nothing answers at {redis_url}: {type(exc).__name__}"
    else:
        for db in range(MAX_REDIS_DATABASES):
            client = _client(redis_url, db)
            try:
                client.set(sentinels.redis_key, sentinels.value(db), ex=REDIS_TTL_SECONDS)
            except redis.ResponseError:
                break  # the server has fewer logical databases (`databases` in redis.conf)
            finally:
                client.close()
            sentinels.redis_databases.append(db)
    try:
        sentinels.pg_database = run_async(lambda: _create_pg_sentinel(token))
    except PostgresUnavailableError as exc:
        sentinels.pg_note = str(exc)  # the tests that need PostgreSQL fail on their own
    except BaseException:
        sentinels.remove()
        raise
    return sentinels


async def _create_pg_sentinel(token: str) -> str:
    name = unique_name("sentinel")
    url = await create_database(name)
    try:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            await conn.execute("CREATE TABLE sentinel (value text NOT NULL)")
            await conn.execute("INSERT INTO sentinel VALUES ($1)", token)
        finally:
            await conn.close()
    except BaseException:
        await drop_database(name)
        raise
    return name
