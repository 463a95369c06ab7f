"""Type aliases for the factory fixtures (so test modules can annotate their arguments)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.support.localstripe import LocalStripe

PgDatabaseFactory = Callable[..., Awaitable[str]]
"""`pg_database_factory`: `await make(label="") -> url`."""

LocalStripeFactory = Callable[[], LocalStripe]
"""`localstripe_factory`: `make() -> LocalStripe` (started)."""
