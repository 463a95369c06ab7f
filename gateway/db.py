"""Tortoise configuration and lifecycle for the gateway's processes."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

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


async def open_db(settings: Settings) -> None:
    """Connect Tortoise for the whole process; on embedded SQLite also create the tables.

    The global fallback makes the connection visible to every task and thread of the
    process (Tortoise 1.x otherwise keeps it in the context of the task that opened it).
    """
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    if settings.is_sqlite:
        await Tortoise.generate_schemas(safe=True)


async def close_db() -> None:
    """Close every Tortoise connection."""
    await Tortoise.close_connections()
