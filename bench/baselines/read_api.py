"""Baseline of benchmarks 1 and 2: a Starlette + asyncpg endpoint, the gateway's SQL, the gateway's JSON.

`POST /b1` answers the small customer query, `POST /b2` the list query, each given the
very HTTP request the gateway gets (the GraphQL body is read for its variables; the
document is known in advance, so the JSON is built by hand). Each request takes one pooled
connection and runs exactly the statements the gateway runs, API-key lookup included.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.baselines.common import authenticate, cursor, global_id, health, iso, lifespan, parse_global_id

CUSTOMER_COLUMNS = (
    '"id","stripe_id","email","name","metadata","created_at","updated_at","stripe_created","stripe_event_at",'
    '"synced_at","livemode","deleted","default_payment_method_stripe_id"'
)
PM_COLUMNS = (
    '"id","stripe_id","customer_id","type","brand","last4","exp_month","exp_year","detached_at","created_at",'
    '"updated_at","stripe_created","stripe_event_at","synced_at","livemode"'
)
SUB_COLUMNS = (
    '"id","stripe_id","customer_id","status","price_stripe_id","quantity","current_period_start",'
    '"current_period_end","cancel_at_period_end","canceled_at","ended_at","trial_end","latest_invoice_stripe_id",'
    '"default_payment_method_stripe_id","created_at","updated_at","stripe_created","stripe_event_at","synced_at",'
    '"livemode"'
)
CUSTOMER_SQL = f'SELECT {CUSTOMER_COLUMNS} FROM "customers" WHERE "deleted"=$1 AND "id"=$2 LIMIT $3'
PM_BY_STRIPE_ID_SQL = f'SELECT {PM_COLUMNS} FROM "payment_methods" WHERE "stripe_id" IN ($1)'
PAGE_SQL = f'SELECT {CUSTOMER_COLUMNS} FROM "customers" WHERE "deleted"=$1 ORDER BY "id" DESC LIMIT $2'
SUBSCRIPTION_STATUSES = frozenset(
    {"active", "trialing", "past_due", "canceled", "unpaid", "incomplete", "incomplete_expired", "paused"}
)


def _in_list(first: int, count: int) -> str:
    return ",".join(f"${i}" for i in range(first, first + count))


def _window_sql(table: str, columns: str, count: int) -> str:
    """The gateway's nested-page statement: every parent's first rows in one query (ROW_NUMBER per parent)."""
    outer = ",".join(f'"_page".{column}' for column in columns.split(","))
    return (
        f'SELECT {outer} FROM (SELECT {columns},ROW_NUMBER() OVER(PARTITION BY "customer_id" ORDER BY "id" DESC) '
        f'"_page_row" FROM "{table}" WHERE "customer_id" IN ({_in_list(1, count)})) "_page" '
        f'WHERE "_page"."_page_row"<=${count + 1} ORDER BY "_page"."customer_id","_page"."id" DESC'
    )


def _unauthorized() -> JSONResponse:
    return JSONResponse({"error": "unauthorized", "message": "bad API key"}, status_code=401)


def _customer_fields(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": global_id("Customer", row["id"]),
        "stripeId": row["stripe_id"],
        "email": row["email"],
        "name": row["name"],
    }


async def small_query(request: Request) -> Response:
    """Benchmark 1: one customer by id with its default payment method."""
    body = json.loads(await request.body())
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        if await authenticate(conn, request.headers.get("authorization")) is None:
            return _unauthorized()
        pk = parse_global_id(body["variables"]["id"], "Customer")
        row = await conn.fetchrow(CUSTOMER_SQL, False, pk, 2) if pk is not None else None
        if row is None:
            return JSONResponse({"data": {"customer": None}})
        payment_method = None
        if row["default_payment_method_stripe_id"] is not None:
            pm = await conn.fetchrow(PM_BY_STRIPE_ID_SQL, row["default_payment_method_stripe_id"])
            if pm is not None and pm["customer_id"] == row["id"]:
                payment_method = {
                    "id": global_id("PaymentMethod", pm["id"]),
                    "brand": pm["brand"],
                    "last4": pm["last4"],
                    "expMonth": pm["exp_month"],
                    "expYear": pm["exp_year"],
                }
    customer = _customer_fields(row)
    customer["metadata"] = row["metadata"]
    customer["createdAt"] = iso(row["stripe_created"] or row["created_at"])
    customer["defaultPaymentMethod"] = payment_method
    return JSONResponse({"data": {"customer": customer}})


async def list_query(request: Request) -> Response:
    """Benchmark 2: a page of customers, each with its first payment methods and subscriptions."""
    body = json.loads(await request.body())
    first: int = body["variables"]["first"]
    nested = 5
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        if await authenticate(conn, request.headers.get("authorization")) is None:
            return _unauthorized()
        rows = await conn.fetch(PAGE_SQL, False, first + 1)
        page = rows[:first]
        ids = [row["id"] for row in page]
        pms: list[asyncpg.Record] = []
        subs: list[asyncpg.Record] = []
        if ids:
            pms = await conn.fetch(_window_sql("payment_methods", PM_COLUMNS, len(ids)), *ids, nested + 1)
            subs = await conn.fetch(_window_sql("subscriptions", SUB_COLUMNS, len(ids)), *ids, nested + 1)
    # A payment method's owner is the page's customer it was fetched under (as in the gateway).
    owners = {row["id"]: row for row in page}
    pms_of: dict[Any, list[dict[str, Any]]] = {}
    for pm in pms:
        owner = owners.get(pm["customer_id"])
        pms_of.setdefault(pm["customer_id"], []).append(
            {
                "node": {
                    "id": global_id("PaymentMethod", pm["id"]),
                    "brand": pm["brand"],
                    "last4": pm["last4"],
                    "expMonth": pm["exp_month"],
                    "expYear": pm["exp_year"],
                    "isDefault": owner is not None and owner["default_payment_method_stripe_id"] == pm["stripe_id"],
                }
            }
        )
    subs_of: dict[Any, list[dict[str, Any]]] = {}
    for sub in subs:
        status = sub["status"] if sub["status"] in SUBSCRIPTION_STATUSES else "unknown"
        subs_of.setdefault(sub["customer_id"], []).append(
            {
                "node": {
                    "id": global_id("Subscription", sub["id"]),
                    "status": status.upper(),
                    "priceId": sub["price_stripe_id"],
                    "quantity": sub["quantity"],
                    "currentPeriodEnd": iso(sub["current_period_end"]),
                    "cancelAtPeriodEnd": sub["cancel_at_period_end"],
                }
            }
        )
    edges = []
    for row in page:
        node = _customer_fields(row)
        node["createdAt"] = iso(row["stripe_created"] or row["created_at"])
        node["paymentMethods"] = {"edges": pms_of.get(row["id"], [])[:nested]}
        node["subscriptions"] = {"edges": subs_of.get(row["id"], [])[:nested]}
        edges.append({"cursor": cursor(row["id"]), "node": node})
    page_info = {"hasNextPage": len(rows) > first, "endCursor": edges[-1]["cursor"] if edges else None}
    return JSONResponse({"data": {"customers": {"pageInfo": page_info, "edges": edges}}})


app = Starlette(
    routes=[
        Route("/b1", small_query, methods=["POST"]),
        Route("/b2", list_query, methods=["POST"]),
        Route("/health", health),
    ],
    lifespan=lifespan,
)
