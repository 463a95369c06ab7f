"""Nested pages fetched ahead by the customers list.

On PostgreSQL and on SQLite (`execute` / `any_mirror`):

- the window statements' rows are the instances Tortoise makes (same attributes, same values);
- under `customers`, the nested connections the selection always asks for are fetched ahead
  (`PageLoader.ready`) and answer what the batching loader answers (same JSON, cursors and
  `after` pages included), through fragments, variables and aliases; conditional selections and
  invalid arguments are left to the nested field (its loader, its error).
"""

from __future__ import annotations

import uuid
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse
from strawberry.types import ExecutionResult

from base.ids import encode_cursor
from base.settings import Settings
from billing.loaders import _WINDOW_SQL, Loaders, window_pages
from billing.pagination import nested_pages
from billing.request_context import Context
from models import PaymentMethod, Subscription
from stripe_provider.adapter import StripeAdapter
from tests.support.in_process import API_KEY, SCHEMA
from tests.support.seed import add_subscriptions, gid, seed_customers


async def _run(
    settings: Settings, query: str, variables: dict[str, Any] | None = None
) -> tuple[ExecutionResult, Loaders]:
    loaders = Loaders()
    stripe = StripeAdapter(settings)
    try:
        context = Context(
            principal=API_KEY, settings=settings, stripe=stripe, loaders=loaders, request_id=uuid.uuid4().hex
        )
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    finally:
        await stripe.aclose()
    return result, loaders


def _rows(result: ExecutionResult) -> dict[str, Any]:
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_window_pages_make_what_tortoise_makes(any_mirror: Settings) -> None:
    seeded = await seed_customers(3)
    pm_pages = await window_pages(PaymentMethod, "customer_id", [entry.customer.id for entry in seeded], 5)
    for entry in seeded:
        expected_pms = await PaymentMethod.filter(customer_id=entry.customer.id).order_by("-id")
        assert [vars(row) for row in pm_pages[entry.customer.id]] == [vars(row) for row in expected_pms]


NESTED = """
query($n: Int, $after: String) {
  customers(first: 10) {
    edges { node { id
      ...Pms
      subs: subscriptions(first: $n, after: $after) {
        edges { cursor node { id status customer { id } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
      ... on Customer { invoices(first: 1) { edges { node { id } } pageInfo { hasNextPage } } }
    } }
  }
}
fragment Pms on Customer { paymentMethods(first: 1) { edges { node { id isDefault } } pageInfo { hasNextPage } } }
"""

ONE = """
query($id: ID!, $n: Int, $after: String) {
  customer(id: $id) { id
    ...Pms
    subs: subscriptions(first: $n, after: $after) {
      edges { cursor node { id status customer { id } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
    ... on Customer { invoices(first: 1) { edges { node { id } } pageInfo { hasNextPage } } }
  }
}
fragment Pms on Customer { paymentMethods(first: 1) { edges { node { id isDefault } } pageInfo { hasNextPage } } }
"""


async def test_pages_fetched_ahead_answer_what_the_loader_answers(any_mirror: Settings) -> None:
    seeded = await seed_customers(3)
    await add_subscriptions(seeded[1], 4)
    newest = await Subscription.filter(customer_id=seeded[1].customer.id).order_by("-id").first()
    assert newest is not None
    for variables in ({"n": 2}, {"n": 2, "after": encode_cursor(newest.id)}, {}):
        result, loaders = await _run(any_mirror, NESTED, variables)
        listed = {edge["node"]["id"]: edge["node"] for edge in _rows(result)["customers"]["edges"]}
        before = uuid.UUID(str(newest.id)) if "after" in variables else None
        size = variables.get("n", 20)
        pks = {entry.customer.id for entry in seeded}
        assert set(loaders.customer_subscriptions.ready) >= {(pk, size, before) for pk in pks}
        assert set(loaders.customer_payment_methods.ready) >= {(pk, 1, None) for pk in pks}
        assert set(loaders.customer_invoices.ready) >= {(pk, 1, None) for pk in pks}
        assert "customer_payments" not in vars(loaders)  # not selected: no loader, no statement
        for loader in (loaders.customer_subscriptions, loaders.customer_payment_methods, loaders.customer_invoices):
            assert not loader.cache_map.cache_map  # every nested field answered from `ready`, none loaded
        for entry in seeded:
            node = listed[gid("Customer", entry.customer)]
            # One customer alone goes through the batching loaders: the same answer.
            alone, alone_loaders = await _run(any_mirror, ONE, {**variables, "id": node["id"]})
            assert _rows(alone)["customer"] == node
            assert not alone_loaders.customer_subscriptions.ready
            assert alone_loaders.customer_subscriptions.cache_map.cache_map  # through the loader


async def test_conditional_or_invalid_nested_pages_are_left_to_their_field(any_mirror: Settings) -> None:
    await seed_customers(2)
    skipped = """query($on: Boolean!) { customers(first: 5) { edges { node { id
      subscriptions(first: 2) @include(if: $on) { edges { node { id } } }
    } } } }"""
    for on in (True, False):
        result, loaders = await _run(any_mirror, skipped, {"on": on})
        nodes = [edge["node"] for edge in _rows(result)["customers"]["edges"]]
        assert all(("subscriptions" in node) is on for node in nodes)
        assert not loaders.customer_subscriptions.ready  # conditional: not fetched ahead
    invalid = "{ customers(first: 5) { edges { node { id subscriptions(first: 101) { edges { node { id } } } } } } }"
    result, loaders = await _run(any_mirror, invalid)
    assert result.errors and {(e.extensions or {}).get("code") for e in result.errors} == {"VALIDATION_FAILED"}
    assert not loaders.customer_subscriptions.ready


def test_nested_pages_reads_the_selection() -> None:
    document = parse(
        """query($n: Int, $c: String) { customers { edges { node {
          a: subscriptions(first: 3) { edges { node { id } } }
          b: subscriptions(first: $n, after: $c) { edges { node { id } } }
          ... on Customer { paymentMethods { edges { node { id } } } }
          ...F
          invoices(first: 5) @skip(if: true) { edges { node { id } } }
          payments(first: -1) { edges { node { id } } }
        } } edges @include(if: false) { node { invoices(first: 9) { edges { node { id } } } } } } }
        fragment F on Customer { invoices(first: 2) { edges { node { id } } } }"""
    )
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    customers = operation.selection_set.selections[0]
    assert isinstance(customers, FieldNode)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    cursor_pk = uuid.UUID(int=7)
    names = {"subscriptions": "s", "paymentMethods": "p", "invoices": "i", "payments": "x"}
    found = nested_pages([customers], fragments, {"n": 4, "c": encode_cursor(cursor_pk)}, names)
    assert found == {"s": {(3, None), (4, cursor_pk)}, "p": {(20, None)}, "i": {(2, None)}}
    # A variable left out takes the argument's default (null: the default page size, no cursor).
    assert nested_pages([customers], fragments, {}, names)["s"] == {(3, None), (20, None)}


async def test_window_statements_are_reused_with_their_own_values(any_mirror: Settings) -> None:
    seeded = await seed_customers(4)
    await add_subscriptions(seeded[2], 3)
    by_customer = {
        entry.customer.id: await Subscription.filter(customer_id=entry.customer.id).order_by("-id") for entry in seeded
    }
    for group in ([seeded[0], seeded[1]], [seeded[2], seeded[3]], [seeded[3], seeded[2]]):  # same shape thrice
        pks = [entry.customer.id for entry in group]
        pages = await window_pages(Subscription, "customer_id", pks, 2)
        assert {pk: [row.pk for row in pages[pk]] for pk in pks} == {
            pk: [row.pk for row in by_customer[pk][:2]] for pk in pks
        }
        cursor = by_customer[seeded[2].customer.id][0].pk
        after = await window_pages(Subscription, "customer_id", pks, 5, cursor)
        assert {pk: [row.pk for row in after.get(pk, [])] for pk in pks} == {
            pk: [row.pk for row in by_customer[pk] if row.pk < cursor][:5] for pk in pks
        }
    shapes = [key for key in _WINDOW_SQL if key[0] is Subscription and key[2] == 2]
    assert {key[3] for key in shapes} == {False, True}  # kept, with and without a cursor
