"""Throwaway PostgreSQL databases for tests.

Connects as an administrator to the `postgres` database at `TEST_PG_ADMIN_URL`
(default: the local server, user postgres, trust auth). Nothing here skips: when
the server is unreachable the helpers raise, so the tests that need it fail.

Every database made here is named `<TEST_PG_DATABASE_PREFIX>_[<label>_]<12 hex digits>`
(prefix `bgw_test` unless set; the bench uses it too). Only databases this run created are
ever dropped: `create_database` refuses a name that exists instead of replacing it.
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
_PREFIX = re.compile(r"^[a-z_][a-z0-9_]{0,29}$")  # leaves room for a label and the 12 hex digits


def _database_prefix() -> str:
    prefix = os.environ.get("TEST_PG_DATABASE_PREFIX", "bgw_test")
    if not _PREFIX.match(prefix):
        raise ValueError(
            f"TEST_PG_DATABASE_PREFIX={prefix!r}: use 1-30 lower-case letters, digits or underscores, "
            "starting with a letter or underscore"
        )
    return prefix


DATABASE_PREFIX = _database_prefix()
"""Start of every database name the tests and the bench make (`TEST_PG_DATABASE_PREFIX`, default `bgw_test`)."""


class PostgresUnavailableError(RuntimeError):
    """The test PostgreSQL server could not be reached."""


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name


def unique_name(label: str = "") -> str:
    """A fresh database name: `<DATABASE_PREFIX>_<label>_<12 hex digits>` (no `<label>_` when empty)."""
    middle = f"{label}_" if label else ""
    return _checked(f"{DATABASE_PREFIX}_{middle}{uuid.uuid4().hex[:12]}")


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
    """Create an empty database `name` and return its URL; an existing one of that name is an error, never dropped."""
    conn = await _admin()
    try:
        await conn.execute(f'CREATE DATABASE "{_checked(name)}"')
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
