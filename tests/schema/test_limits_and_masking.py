"""Abuse is refused before any resolver runs; crashes say nothing but a request id (issue 6, acceptance 1 and 3)."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from schema import build_schema
from stripe_provider.adapter import StripeAdapter
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

ADMIN = Principal(kind="api_key", id="limits", scopes=effective_scopes([Scope.ADMIN]))
RESOLVED: list[str] = []


class CountResolvers(SchemaExtension):
    """Counts every field resolution of the operation."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        RESOLVED.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def run(query: str, config: Settings) -> ExecutionResult:
    RESOLVED.clear()
    schema = build_schema(config, extra_extensions=[CountResolvers])
    stripe = StripeAdapter(config)
    try:
        context = Context(principal=ADMIN, settings=config, stripe=stripe, loaders=Loaders(), request_id="req-123")
        return await schema.execute(query, context_value=context)
    finally:
        await stripe.aclose()


def nested(depth: int) -> str:
    """A query `depth` levels deep (customers → edges → node → paymentMethods → …)."""
    levels = ["customers(first: 1)", "edges", "node", "paymentMethods(first: 1)", "edges", "node", "customer"]
    while len(levels) < depth:
        levels += ["paymentMethods(first: 1)", "edges", "node", "customer"]
    return "{ " + " { ".join(levels[:depth]) + " { id }" + " }" * depth


def error_messages(result: ExecutionResult) -> str:
    return " | ".join(e.message for e in result.errors or [])


async def test_depth_eleven_is_refused_and_nothing_resolves() -> None:
    result = await run(nested(11), settings())
    assert result.data is None and "exceeds maximum operation depth of 10" in error_messages(result)
    assert RESOLVED == []


async def test_sixteen_aliases_are_refused_and_nothing_resolves() -> None:
    query = "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(16)) + " }"
    result = await run(query, settings())
    assert result.data is None and "15" in error_messages(result)
    assert RESOLVED == []


async def test_an_oversized_document_is_refused_and_nothing_resolves() -> None:
    query = "{ viewer { " + " ".join(["__typename"] * 2100) + " } }"
    result = await run(query, settings())
    assert result.data is None and "token" in error_messages(result).lower()
    assert RESOLVED == []


async def test_depth_ten_and_fifteen_aliases_pass_the_limits() -> None:
    deep = await run(nested(10), settings())
    assert "depth" not in error_messages(deep)
    aliases = await run("{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(15)) + " }", settings())
    assert aliases.errors is None and aliases.data == {f"a{n}": None for n in range(15)}


async def test_limits_are_settings() -> None:
    result = await run(nested(11), settings(graphql_max_depth=12))
    assert "depth" not in error_messages(result)


WIDE = """
query Wide($inner: Int) {
  customers(first: 100) { edges { node { id invoices(first: $inner) { edges { node { id } } } } } }
}
"""


async def test_a_query_that_could_return_too_many_nodes_is_refused_and_nothing_resolves() -> None:
    schema = build_schema(settings(), extra_extensions=[CountResolvers])
    stripe = StripeAdapter(settings())
    context = Context(principal=ADMIN, settings=settings(), stripe=stripe, loaders=Loaders(), request_id="r")
    try:
        RESOLVED.clear()
        # 100 customers x 100 invoices: 10,100 nodes against the default 5,000.
        result = await schema.execute(WIDE, variable_values={"inner": 100}, context_value=context)
        assert result.data is None and result.errors is not None
        [error] = result.errors
        assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "estimatedNodes": 10_100}
        assert RESOLVED == []
        # Fragments count the same as inline fields.
        fragment = (
            "{ ...F } fragment F on Query"
            " { customers(first: 100) { edges { node { payments(first: 60) { edges { node { id } } } } } } }"
        )
        spread = await schema.execute(fragment, context_value=context)
        assert (spread.errors or [])[0].extensions == {"code": "QUERY_TOO_COMPLEX", "estimatedNodes": 6_100}
    finally:
        await stripe.aclose()


async def test_a_wide_query_within_the_node_bound_passes_it(pg_database_factory: PgDatabaseFactory) -> None:
    async with tortoise_on(await pg_database_factory("nodes")):
        # 100 customers x the default page of 20 invoices: 2,100 nodes.
        result = await run(WIDE, settings())
    assert result.errors is None and result.data == {"customers": {"edges": []}}


async def test_production_refuses_introspection() -> None:
    refused = await run("{ __schema { queryType { name } } }", settings(gateway_env="production"))
    assert refused.data is None and "introspection" in error_messages(refused).lower()
    allowed = await run("{ __schema { queryType { name } } }", settings())
    assert allowed.errors is None


@pytest.fixture
def crashing_customers(monkeypatch: pytest.MonkeyPatch) -> None:
    import resolvers.customers  # after `schema`: importing a resolver module first is circular

    def boom(principal: Principal) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    # The Query field keeps its own reference to the resolver: break what the resolver calls.
    monkeypatch.setattr(resolvers.customers, "visible_customers", boom)


async def test_a_crash_shows_only_unexpected_error_and_the_request_id(crashing_customers: None) -> None:
    result = await run("{ customers { edges { node { id } } } }", settings(gateway_env="production"))
    [error] = result.errors or []
    assert error.message == "Unexpected error"
    assert error.extensions == {"code": "INTERNAL", "requestId": "req-123"}
    assert "hunter2" not in str(error.formatted)


async def test_typed_errors_are_not_masked(pg_database_factory: PgDatabaseFactory) -> None:
    async with tortoise_on(await pg_database_factory("masking")):
        result = await run("{ customers(first: 101) { edges { node { id } } } }", settings(gateway_env="production"))
    [error] = result.errors or []
    assert error.extensions == {"code": "VALIDATION_FAILED"}


class ReportsResults(SchemaExtension):
    """An extension that reports a result, as a tracing extension would."""

    def get_results(self) -> dict[str, Any]:
        return {"reported": True}


async def test_extensions_that_report_results_still_do_and_the_others_are_not_asked() -> None:
    asked: list[str] = []

    class CountsAsks(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            asked.append("counts")
            return {}

    schema = build_schema(settings(), extra_extensions=[ReportsResults, CountsAsks])
    result = await schema.execute("{ __typename }")
    assert result.errors is None
    assert result.extensions == {"reported": True}
    assert asked == ["counts"], "an extension overriding get_results is asked once per result"
