"""In-process fixtures for the read path: the schema executed directly, on a real database.

- `pg_mirror` (function): Tortoise open on a fresh PostgreSQL database (tables created).
- `any_mirror` (function, parametrized): the same on PostgreSQL and on SQLite (embedded mode).
- `execute` (on `any_mirror`) and `execute_pg` (on `pg_mirror`):
  `await execute(query, variables=None, principal=API_KEY) -> ExecutionResult`, with a fresh
  per-request context (new loaders) each call, as the HTTP view makes.

`API_KEY` is a read-scoped API-key principal; `session_for(customer_id)` a customer session's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from strawberry.types import ExecutionResult

from gateway.auth import Principal, Scope, effective_scopes
from gateway.settings import Settings
from gateway.stripe_client import StripeAdapter
from resolvers.loaders import Loaders
from schema import build_schema
from schema.context import Context
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

API_KEY = Principal(kind="api_key", id="test-reader", scopes=effective_scopes([Scope.READ]))
# The read-path tests nest deeper and wider than the public limits (depth 10, 5,000 nodes):
# they test loaders, not limits.
SCHEMA = build_schema(Settings(_env_file=None, graphql_max_depth=20, graphql_max_nodes=1_000_000))  # type: ignore[call-arg]

Execute = Callable[..., Awaitable[ExecutionResult]]


def session_for(customer_id: uuid.UUID) -> Principal:
    """A customer-session principal bound to one customer."""
    return Principal(kind="customer_session", id=f"session-{customer_id}", customer_id=customer_id)


@pytest_asyncio.fixture
async def pg_mirror(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    """Tortoise on a fresh PostgreSQL database with every table; closed afterwards."""
    async with tortoise_on(await pg_database_factory()) as settings:
        yield settings


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def any_mirror(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[Settings]:
    """Tortoise on a fresh PostgreSQL database, then (second run) on an SQLite file."""
    url = await pg_database_factory() if request.param == "postgres" else f"sqlite://{tmp_path / 'mirror.sqlite3'}"
    async with tortoise_on(url) as settings:
        yield settings


def _executor(settings: Settings) -> tuple[Execute, StripeAdapter]:
    # Reads never call Stripe; the context needs an adapter all the same.
    stripe = StripeAdapter(settings)

    async def execute(
        query: str, variables: dict[str, Any] | None = None, principal: Principal = API_KEY
    ) -> ExecutionResult:
        context = Context(
            principal=principal, settings=settings, stripe=stripe, loaders=Loaders(), request_id=uuid.uuid4().hex
        )
        return await SCHEMA.execute(query, variable_values=variables, context_value=context)

    return execute, stripe


@pytest_asyncio.fixture
async def execute_pg(pg_mirror: Settings) -> AsyncIterator[Execute]:
    """Run GraphQL operations in-process against `pg_mirror`."""
    execute, stripe = _executor(pg_mirror)
    yield execute
    await stripe.aclose()


@pytest_asyncio.fixture
async def execute(any_mirror: Settings) -> AsyncIterator[Execute]:
    """Run GraphQL operations in-process against `any_mirror` (PostgreSQL, then SQLite)."""
    execute, stripe = _executor(any_mirror)
    yield execute
    await stripe.aclose()
