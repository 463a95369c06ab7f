"""Baseline of benchmark 3: raw graphql-core executing a pre-parsed document, served by Starlette.

The schema is built from the gateway's own `schema.graphql` (`graphql.build_schema`), so
types, nullability, enums and field names are the gateway's. Each document is parsed and
validated once, then cached by its text; a request only runs `graphql.execute`. The
resolvers read the same rows with the gateway's own statements through asyncpg, and batch
nested lists the way the gateway's DataLoaders do (one statement per nested list and
per batch of keys, collected within one event-loop tick). Field resolution, scalar
serialisation and the shape of the answer are graphql-core's, with no extensions.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import asyncpg  # type: ignore[import-untyped]
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.baselines.common import authenticate, cursor, global_id, health, iso, lifespan
from bench.baselines.read_api import (
    PAGE_SQL,
    PM_COLUMNS,
    SUB_COLUMNS,
    SUBSCRIPTION_STATUSES,
    _window_sql,
)

Info = GraphQLResolveInfo[Any]
"""The resolvers' info (its context is a `RequestContext`)."""
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
DEFAULT_PAGE = 20
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Batcher(Generic[K, V]):
    """Keys asked for within one loop tick are fetched with one call (a minimal DataLoader, no cache)."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]], default: V) -> None:
        self.fetch = fetch
        self.default = default
        self.waiting: dict[K, list[asyncio.Future[V]]] = {}

    def load(self, key: K) -> asyncio.Future[V]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        if not self.waiting:
            loop.call_soon(lambda: asyncio.ensure_future(self._dispatch()))
        self.waiting.setdefault(key, []).append(future)
        return future

    async def _dispatch(self) -> None:
        batch, self.waiting = self.waiting, {}
        try:
            found = await self.fetch(list(batch))
        except Exception as exc:
            for futures in batch.values():
                for future in futures:
                    future.set_exception(exc)
            return
        for key, futures in batch.items():
            for future in futures:
                future.set_result(found.get(key, self.default))


@dataclass
class RequestContext:
    """Per request: the pool and the batchers (a batcher's keys never outlive the request)."""

    pool: asyncpg.Pool
    batchers: dict[str, Batcher[Any, Any]] = field(default_factory=dict)

    def batcher(self, name: str, make: Callable[[], Batcher[Any, Any]]) -> Batcher[Any, Any]:
        if name not in self.batchers:
            self.batchers[name] = make()
        return self.batchers[name]


def _pages(pool: asyncpg.Pool, table: str, columns: str, size: int) -> Batcher[Any, list[asyncpg.Record]]:
    async def fetch(ids: list[Any]) -> dict[Any, list[asyncpg.Record]]:
        rows = await pool.fetch(_window_sql(table, columns, len(ids)), *ids, size + 1)
        grouped: dict[Any, list[asyncpg.Record]] = {}
        for row in rows:
            grouped.setdefault(row["customer_id"], []).append(row)
        return grouped

    return Batcher(fetch, [])


def _connection(rows: Sequence[asyncpg.Record], size: int, node: Callable[[asyncpg.Record], Any]) -> dict[str, Any]:
    edges = [{"cursor": cursor(row["id"]), "node": node(row)} for row in rows[:size]]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": len(rows) > size,
            "hasPreviousPage": False,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _customer(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "_row": row,
        "id": global_id("Customer", row["id"]),
        "stripeId": row["stripe_id"],
        "email": row["email"],
        "name": row["name"],
        "metadata": row["metadata"],
        "createdAt": row["stripe_created"] or row["created_at"],
    }


def _payment_method(row: asyncpg.Record, owner: asyncpg.Record) -> dict[str, Any]:
    """A payment method fetched under its customer `owner` (whose row answers `isDefault`, as in the gateway)."""
    return {
        "_row": row,
        "id": global_id("PaymentMethod", row["id"]),
        "stripeId": row["stripe_id"],
        "type": row["type"],
        "brand": row["brand"],
        "last4": row["last4"],
        "expMonth": row["exp_month"],
        "expYear": row["exp_year"],
        "isDefault": owner["default_payment_method_stripe_id"] == row["stripe_id"],
    }


def _subscription(row: asyncpg.Record, _owner: asyncpg.Record) -> dict[str, Any]:
    status = row["status"] if row["status"] in SUBSCRIPTION_STATUSES else "unknown"
    return {
        "_row": row,
        "id": global_id("Subscription", row["id"]),
        "stripeId": row["stripe_id"],
        "status": status.upper(),
        "priceId": row["price_stripe_id"],
        "quantity": row["quantity"],
        "currentPeriodStart": row["current_period_start"],
        "currentPeriodEnd": row["current_period_end"],
        "cancelAtPeriodEnd": row["cancel_at_period_end"],
        "canceledAt": row["canceled_at"],
        "createdAt": row["stripe_created"] or row["created_at"],
    }


async def resolve_customers(_: None, info: Info, first: int | None = None, **__: Any) -> dict[str, Any]:
    size = DEFAULT_PAGE if first is None else first
    context: RequestContext = info.context
    rows = await context.pool.fetch(PAGE_SQL, False, size + 1)
    return _connection(rows, size, _customer)


def _nested(
    name: str, table: str, columns: str, node: Callable[[asyncpg.Record, asyncpg.Record], Any]
) -> Callable[..., Any]:
    async def resolve(parent: dict[str, Any], info: Info, first: int | None = None, **_: Any) -> Any:
        size = DEFAULT_PAGE if first is None else first
        context: RequestContext = info.context
        pages = context.batcher(f"{name}:{size}", lambda: _pages(context.pool, table, columns, size))
        owner = parent["_row"]
        return _connection(await pages.load(owner["id"]), size, lambda row: node(row, owner))

    return resolve


def make_schema() -> GraphQLSchema:
    """The gateway's SDL with the resolvers this baseline serves (the benchmark's fields)."""
    schema = build_schema(SCHEMA_FILE.read_text())
    query = schema.query_type
    assert query is not None
    query.fields["customers"].resolve = resolve_customers
    customer = schema.type_map["Customer"]
    assert isinstance(customer, GraphQLObjectType)
    customer.fields["paymentMethods"].resolve = _nested("pm", "payment_methods", PM_COLUMNS, _payment_method)
    customer.fields["subscriptions"].resolve = _nested("sub", "subscriptions", SUB_COLUMNS, _subscription)
    date_time = schema.type_map["DateTime"]
    assert isinstance(date_time, GraphQLScalarType)
    # graphql-core 3.3 serialises through `coerce_output_value` (`serialize` is its older name).
    date_time.coerce_output_value = date_time.serialize = iso  # type: ignore[method-assign]
    return schema


SCHEMA = make_schema()
DOCUMENTS: dict[str, DocumentNode] = {}
"""Parsed and validated documents by their text: a request with a known document only executes."""


def document(query: str) -> DocumentNode | list[GraphQLError]:
    """The cached document for `query` (parsed and validated on first sight)."""
    found = DOCUMENTS.get(query)
    if found is None:
        found = parse(query)
        errors = validate(SCHEMA, found)
        if errors:
            return errors
        DOCUMENTS[query] = found
    return found


async def graphql(request: Request) -> Response:
    """POST /graphql: API key, cached document, `execute`, JSON."""
    body = json.loads(await request.body())
    pool: asyncpg.Pool = request.app.state.pool
    if await authenticate(pool, request.headers.get("authorization")) is None:
        return JSONResponse({"error": "unauthorized", "message": "bad API key"}, status_code=401)
    parsed = document(body["query"])
    if isinstance(parsed, list):
        return JSONResponse({"errors": [error.formatted for error in parsed]}, status_code=400)
    outcome = execute(SCHEMA, parsed, variable_values=body.get("variables"), context_value=RequestContext(pool))
    result = await outcome if inspect.isawaitable(outcome) else outcome
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return JSONResponse(answer)


app = Starlette(
    routes=[Route("/graphql", graphql, methods=["POST"]), Route("/health", health)],
    lifespan=lifespan,
)
