"""The GraphQL documents the read benchmarks send, and the HTTP requests that carry them."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from bench.load import HttpRequest

SMALL_QUERY = (
    "query Customer($id: ID!) { customer(id: $id) { id stripeId email name metadata createdAt "
    "defaultPaymentMethod { id brand last4 expMonth expYear } } }"
)
"""Benchmark 1: one customer by id, 11 fields (one nested object)."""

LIST_QUERY = (
    "query Customers($first: Int!) { customers(first: $first) { pageInfo { hasNextPage endCursor } "
    "edges { cursor node { id stripeId email name createdAt "
    "paymentMethods(first: 5) { edges { node { id brand last4 expMonth expYear isDefault } } } "
    "subscriptions(first: 5) { edges { node { id status priceId quantity currentPeriodEnd cancelAtPeriodEnd } } } "
    "} } } }"
)
"""Benchmarks 2 and 3: a page of customers with their payment methods and subscriptions."""


def graphql_request(path: str, token: str, query: str, variables: dict[str, Any]) -> HttpRequest:
    """`POST path` with a GraphQL JSON body and a bearer token, as a client of the gateway sends it."""
    return HttpRequest(
        method="POST",
        path=path,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps({"query": query, "variables": variables}).encode(),
    )


def persisted_request(path: str, token: str, query: str, variables: dict[str, Any], *, with_query: bool) -> HttpRequest:
    """`graphql_request` naming the document by its SHA-256 (Apollo's persisted query), with or without its text."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    body: dict[str, Any] = {"variables": variables, "extensions": extensions}
    if with_query:
        body["query"] = query
    return HttpRequest(
        method="POST",
        path=path,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )


async def answer(base_url: str, request: HttpRequest) -> Any:
    """Send `request` once and return its JSON answer (raises on a non-200)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        response = await client.request(request.method, request.path, headers=request.headers, content=request.body)
    if response.status_code != 200:
        raise AssertionError(f"{base_url}{request.path} -> HTTP {response.status_code}: {response.text[:500]}")
    return response.json()


async def check_same_answer(gateway_url: str, gateway: HttpRequest, baseline_url: str, baseline: HttpRequest) -> int:
    """Fail unless the gateway and the baseline answer the same JSON (and no errors); return its size in bytes."""
    expected = await answer(gateway_url, gateway)
    got = await answer(baseline_url, baseline)
    if "errors" in expected or expected != got:
        raise AssertionError(
            f"the baseline does not answer what the gateway answers:\n gateway:  {json.dumps(expected)[:1500]}"
            f"\n baseline: {json.dumps(got)[:1500]}"
        )
    return len(json.dumps(expected))
