"""Throwaway PostgreSQL databases for tests.

Connects as an administrator to the `postgres` database at `TEST_PG_ADMIN_URL`
(default: the local server, user postgres, trust auth). Nothing here skips: when
the server is unreachable the helpers raise, so the tests that need it fail.
"""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CONNECT_TIMEOUT = 10.0

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailableError(RuntimeError):
    """The test PostgreSQL server could not be reached."""


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name


def unique_name(prefix: str = "bgw_test") -> str:
    """A fresh database name: `<prefix>_<12 hex digits>`."""
    return _checked(f"{prefix}_{uuid.uuid4().hex[:12]}")


def database_url(name: str) -> str:
    """The URL of database `name` on the admin server (same host, port and credentials)."""
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + _checked(name), "", ""))


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailableError(
            f"cannot reach the test PostgreSQL at {PG_ADMIN_URL} (set TEST_PG_ADMIN_URL): {exc!r}"
        ) from exc


async def create_database(name: str) -> str:
    """Create an empty database `name` (dropping any leftover of that name); return its URL."""
    conn = await _admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(name)


async def drop_database(name: str) -> None:
    """Drop database `name` if it exists, disconnecting anyone still using it."""
    conn = await _admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
    finally:
        await conn.close()
