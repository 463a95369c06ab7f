"""Tortoise configuration and lifecycle for the gateway's processes, and what an outage of the database looks like."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import ConfigurationError as TortoiseConfigurationError
from tortoise.exceptions import DBConnectionError

from base.settings import ConfigurationError, Settings

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
        try:
            connection = expand_db_url(url)
        except TortoiseConfigurationError as exc:
            raise ConfigurationError(f"DATABASE_URL is not a usable PostgreSQL URL: {exc}") from None
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


_close_hooks: dict[str, Callable[[], Awaitable[None]]] = {}
"""What else `close_db` closes, by name: pools that upper layers open beside Tortoise's."""


def on_close_db(name: str, hook: Callable[[], Awaitable[None]]) -> None:
    """Have `close_db` await `hook` first (the last hook given a `name`; e.g. `billing.money_locks`' pool)."""
    _close_hooks[name] = hook


async def close_db() -> None:
    """Close what registered with `on_close_db` (the money-lock pool), then every Tortoise connection."""
    for hook in list(_close_hooks.values()):
        await hook()
    await Tortoise.close_connections()


DATABASE_RETRY_AFTER_SECONDS: Final = 5
"""`Retry-After` of an answer refused because the database is unreachable (a restart or failover takes seconds)."""

_UNAVAILABLE: Final[tuple[type[BaseException], ...]] = (
    DBConnectionError,
    ConnectionError,  # refused, reset, aborted
    TimeoutError,
    socket.gaierror,
    asyncpg.PostgresConnectionError,  # the server closed the connection, or it failed
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,  # a fast or immediate shutdown cut the session
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    # A session cut while a statement ran can leave asyncpg's protocol mid-operation
    # ("cannot switch to state 12; another operation (2) is in progress"); the pool drops it.
    asyncpg.InternalClientError,
)

_OTHER_SERVICES: Final = frozenset({"httpx", "httpcore", "stripe", "redis", "gateway"})
"""Top modules of the exceptions of other services (the gateway's own wrap Stripe's: `ProviderError`)."""


def exception_causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what caused it (`__cause__`, else `__context__`), each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) says PostgreSQL is unreachable, not that a statement was wrong.

    Such a failure is answered 503 + `Retry-After` / `SERVICE_UNAVAILABLE` and retried by
    workers; a statement the database refuses (bad data, a constraint) never is.
    """
    if exc is None:
        return False
    for cause in exception_causes(exc):
        if type(cause).__module__.split(".")[0] in _OTHER_SERVICES:
            return False  # a refused connection to Stripe or Redis is not the database's
        if isinstance(cause, _UNAVAILABLE):
            return True
        # asyncpg's InterfaceError is also raised for misuse; only a closed connection is an outage.
        if isinstance(cause, asyncpg.InterfaceError) and "closed" in str(cause):
            return True
    return False


_WRITE_CONFLICTS: Final = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


def is_write_conflict(exc: BaseException | None) -> bool:
    """True when PostgreSQL rolled a transaction back to break a conflict with another one (40P01, 40001).

    Nothing was written; the same transaction run again normally succeeds (docs/money-safety.md).
    """
    return exc is not None and any(isinstance(cause, _WRITE_CONFLICTS) for cause in exception_causes(exc))


async def wait_for_database(seconds: float, interval: float = 0.25) -> bool:
    """Probe the database (`SELECT 1`) until it answers or `seconds` pass; True when it answered.

    A pool's broken connections are dropped by asyncpg and new ones made on the next
    acquire, so once this answers the process serves again without a restart.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            await Tortoise.get_connection("default").execute_query("SELECT 1")
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
        else:
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(interval)
