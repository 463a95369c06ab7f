"""Tortoise configuration and lifecycle for the gateway's processes."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from gateway.locks import close_lock_pool
from gateway.settings import Settings

MODEL_MODULES = ["models", "aerich.models"]


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise/aerich config dict for these settings."""
    url = settings.effective_database_url
    if url.startswith(("postgres://", "postgresql://")) and "maxsize=" not in url:
        url += ("&" if "?" in url else "?") + f"maxsize={settings.db_pool_max_size}"
    return {
        "connections": {"default": url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session(connection: object) -> None:
    """asyncpg's pool reset hook: nothing beyond what the pool always does.

    Before calling it the pool has already rolled back a transaction left open. The
    default hook also sends `CLOSE ALL; UNLISTEN *; RESET ALL; SELECT
    pg_advisory_unlock_all()`, a round trip on every release, and Tortoise releases
    after every statement outside a transaction: a third of the statements of a small
    read (bench/changes.md). The gateway's serving and worker connections never change
    session state (no SET, LISTEN, cursors or session-level advisory locks; the
    migration lock lives on its own pool, which keeps the default reset).
    """


def runtime_tortoise_config(settings: Settings) -> dict[str, Any]:
    """`tortoise_config` for `serve` and workers: PostgreSQL pools skip asyncpg's per-release RESET query."""
    config = tortoise_config(settings)
    url = config["connections"]["default"]
    if isinstance(url, str) and url.startswith(("postgres://", "postgresql://")):
        connection = expand_db_url(url)
        connection["credentials"]["reset"] = _keep_session
        config["connections"]["default"] = connection
    return config


async def open_db(settings: Settings) -> None:
    """Connect Tortoise for the whole process; on embedded SQLite also create the tables.

    The global fallback makes the connection visible to every task and thread of the
    process (Tortoise 1.x otherwise keeps it in the context of the task that opened it).
    """
    await Tortoise.init(config=runtime_tortoise_config(settings), _enable_global_fallback=True)
    if settings.is_sqlite:
        await Tortoise.generate_schemas(safe=True)


async def close_db() -> None:
    """Close every Tortoise connection, and the money-lock pool (`gateway.locks`) if one was opened."""
    await close_lock_pool()
    await Tortoise.close_connections()
