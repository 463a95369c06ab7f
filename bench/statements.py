"""SQL statements one GraphQL operation costs, counted in-process with the read-path tests' counter.

`tests/resolvers/test_statement_count.py` counts every statement twice (Tortoise's query log
and a wrapper around asyncpg's query methods) and fails when the two disagree; it is reused
here on the bench's own database. The HTTP gate's API-key lookup (one statement per request)
is not part of the GraphQL execution and is not counted.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from base.db import close_db, open_db
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from schema import build_schema
from stripe_provider.adapter import StripeAdapter
from tests.support.statements import StatementCounter

READER = Principal(kind="api_key", id="bench-counter", scopes=effective_scopes([Scope.READ]))


async def count_statements(database_url: str, query: str, variables_list: list[dict[str, Any]]) -> list[int]:
    """The statements each `variables` of `query` costs through the gateway's schema (fresh loaders each)."""
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    schema = build_schema(settings)
    await open_db(settings)
    stripe = StripeAdapter(settings)
    monkeypatch = pytest.MonkeyPatch()
    counts: list[int] = []

    def context() -> Context:
        return Context(
            principal=READER, settings=settings, stripe=stripe, loaders=Loaders(), request_id=uuid.uuid4().hex
        )

    try:
        # Tortoise opens its pool on the first query (and logs it): not a statement of the operation.
        await schema.execute(query, variable_values=variables_list[0], context_value=context())
        counter = StatementCounter(monkeypatch)
        for variables in variables_list:
            with counter.counting():
                result = await schema.execute(query, variable_values=variables, context_value=context())
            if result.errors:
                raise AssertionError(f"counting run failed: {result.errors}")
            counts.append(counter.count)
    finally:
        monkeypatch.undo()
        await stripe.aclose()
        await close_db()
    return counts
