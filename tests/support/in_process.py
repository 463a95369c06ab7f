"""The schema executed in-process on a real database: principals, the executor and its fixtures."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from strawberry.types import ExecutionResult

from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from schema import build_schema
from stripe_provider.adapter import StripeAdapter
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


def executor(settings: Settings) -> tuple[Execute, StripeAdapter]:
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
    execute, stripe = executor(pg_mirror)
    yield execute
    await stripe.aclose()
