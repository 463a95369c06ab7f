"""Schema migrations for PostgreSQL, run with aerich.

The migration files live in `migrations/models/` at the repository root (aerich's
layout: one directory per Tortoise app, files named `<n>_<timestamp>_<name>.py`).
Each file carries the SQL to apply and, in `MODELS_STATE`, a compressed snapshot
of the models it leads to; aerich records every applied file in its own `aerich`
table.

Two ways in:

- `apply_migrations(settings)` / `pending_migrations(settings)` for the gateway's
  own code (CLI, deploy step, tests). They open a private Tortoise context, so they
  neither need nor disturb a connection the process may already hold, and close it
  before returning.
- The `aerich` CLI for developers, configured in `pyproject.toml` (`[tool.aerich]`)
  to read `TORTOISE_ORM` from this module. After changing a model:

      uv run aerich migrate --offline --name describe_the_change

  `--offline` diffs the models against the `MODELS_STATE` of the newest migration
  file, so no database is needed; without it aerich diffs against the `aerich`
  table of `DATABASE_URL`, which must then be fully upgraded.

Embedded SQLite does not use migrations: `base.db.open_db` creates its tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aerich import Command
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from base.db import tortoise_config
from base.settings import ConfigurationError, Settings

__all__ = [
    "APP",
    "MIGRATIONS_DIR",
    "apply_migrations",
    "migration_files",
    "pending_migrations",
]

APP = "models"
"""The Tortoise app label whose models the migrations cover."""

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
"""aerich's `location`: the repository's `migrations/` directory, whatever the CWD."""

DEVELOPMENT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/billing_gateway"
"""What the aerich CLI targets when DATABASE_URL is not set (a local development server)."""

_LOCK_CONNECTION = "migration_lock"
_ADVISORY_LOCK_KEY = 0x6267_775F_6D69_67  # "bgw_mig": serialises concurrent apply_migrations


def _postgres_url(settings: Settings) -> str:
    url = settings.database_url
    if not url or not url.startswith(("postgres://", "postgresql://")):
        raise ConfigurationError(
            "migrations need DATABASE_URL=postgres://...; embedded SQLite creates its tables itself"
        )
    return url


def _migration_config(settings: Settings) -> dict[str, Any]:
    """The gateway's Tortoise config plus a second, separate pool; one of its connections holds the lock."""
    _postgres_url(settings)
    config = tortoise_config(settings)
    default = config["connections"]["default"]
    config["connections"][_LOCK_CONNECTION] = default
    return config


def _command(config: dict[str, Any]) -> Command:
    return Command(tortoise_config=config, app=APP, location=str(MIGRATIONS_DIR))


def migration_files() -> list[str]:
    """Every migration file name in `migrations/models/`, in the order aerich applies them."""
    from aerich.migrate import Migrate

    Migrate.migrate_location = Migrate.get_migration_dir(str(MIGRATIONS_DIR), APP)
    return list(Migrate.get_all_version_files())


async def apply_migrations(settings: Settings) -> list[str]:
    """Apply every unapplied migration to `settings.database_url` (PostgreSQL).

    Each file runs in its own transaction (unless it sets `RUN_IN_TRANSACTION = False`)
    together with its row in the `aerich` table. A PostgreSQL advisory lock, held on a
    separate connection for the whole run, makes concurrent callers (several gateway
    processes starting at once) wait for each other instead of racing.

    Returns the file names applied, in order; an empty list when the database was
    already up to date, so running it twice is safe.
    Raises ConfigurationError when the settings do not name a PostgreSQL database.
    """
    config = _migration_config(settings)
    async with TortoiseContext():
        await Tortoise.init(config=config)
        lock_client = Tortoise.get_connection(_LOCK_CONNECTION)
        async with lock_client.acquire_connection() as lock_conn:
            await lock_conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
            try:
                command = _command(config)
                await command.init()
                applied: list[str] = await command.upgrade(run_in_transaction=True)
            finally:
                await lock_conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
        return applied


async def pending_migrations(settings: Settings) -> list[str]:
    """The migration files not yet applied to `settings.database_url`, in order.

    A database without aerich's table (never migrated) has every file pending.
    Raises ConfigurationError when the settings do not name a PostgreSQL database.
    """
    _postgres_url(settings)
    config = tortoise_config(settings)
    async with TortoiseContext():
        await Tortoise.init(config=config)
        try:
            applied = set(await Command.get_applied_migrations(APP))
        except OperationalError:
            applied = set()
    return [name for name in migration_files() if name not in applied]


def __getattr__(name: str) -> Any:
    """`TORTOISE_ORM`, built on access for the aerich CLI (`[tool.aerich]` in pyproject.toml).

    It uses DATABASE_URL (environment or `.env`), or DEVELOPMENT_DATABASE_URL when unset.
    Built lazily so that importing this module never reads the environment.
    """
    if name == "TORTOISE_ORM":
        settings = Settings()
        if settings.database_url is None:
            settings = settings.model_copy(update={"database_url": DEVELOPMENT_DATABASE_URL})
        _postgres_url(settings)
        return tortoise_config(settings)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
