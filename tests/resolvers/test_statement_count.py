"""No N+1: a deeply nested list query costs as many SQL statements for 100 customers as for 10.

Statements are counted twice, independently: from Tortoise's `tortoise.db_client` debug
log (one record per statement) and by wrapping asyncpg's public query methods (what
actually reaches PostgreSQL). The two must agree, and `test_the_counter_sees_every_statement`
checks them against statements whose number is known. asyncpg's pool also sends a reset
statement each time a connection goes back to the pool; those are counted apart (`resets`).
"""

from __future__ import annotations

from typing import Any

import pytest

from base.ids import to_global_id
from models import Customer, PaymentMethod, SubscriptionItem
from tests.support.in_process import Execute
from tests.support.seed import SeededCustomer, seed_customers, seed_prices
from tests.support.statements import StatementCounter

NESTED_QUERY = """
query {
  customers(first: 100) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id email
      defaultPaymentMethod { id last4 }
      paymentMethods(first: 5) {
        pageInfo { hasNextPage }
        edges { node { id last4 isDefault customer { id } } }
      }
      subscriptions(first: 5) {
        pageInfo { hasNextPage }
        edges { node {
          id status priceId quantity
          customer { id }
          latestInvoice { id status payment { id status refunds(first: 5) { edges { node { id amount status } } } } }
          invoices(first: 5) { edges { node { id subscription { id } } } }
        } }
      }
      invoices(first: 5) {
        edges { node { id status amountDue customer { email } subscription { id } payment { id invoice { id } } } }
      }
      payments(first: 5) {
        edges { node {
          id status amount amountRefunded
          customer { id }
          invoice { id }
          refunds(first: 5) { edges { node { id amount payment { id } } } }
        } }
      }
    } }
  }
}
"""


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> StatementCounter:
    return StatementCounter(monkeypatch)


async def test_the_counter_sees_every_statement(execute_pg: Execute, counter: StatementCounter) -> None:
    with counter.counting():
        customer = await Customer.create(stripe_id="cus_counter", email="counter@example.com")
        await Customer.all()
        await Customer.filter(email="counter@example.com").count()
        await Customer.filter(id=customer.id).update(name="Counted")
        await PaymentMethod.filter(customer_id=customer.id).values("id")
    assert counter.count == 5
    assert [sql.split()[0].upper() for sql in counter.driver] == ["INSERT", "SELECT", "SELECT", "UPDATE", "SELECT"]


async def test_nested_list_query_costs_the_same_for_10_and_100_customers(
    execute_pg: Execute, counter: StatementCounter
) -> None:
    seeded = await seed_customers(10)
    with counter.counting():
        small = await execute_pg(NESTED_QUERY)
    assert small.errors is None, small.errors
    small_count, small_resets = counter.count, counter.resets
    _check_page(small.data, seeded)

    seeded += await seed_customers(90)
    with counter.counting():
        big = await execute_pg(NESTED_QUERY)
    assert big.errors is None, big.errors
    big_count, big_resets = counter.count, counter.resets
    _check_page(big.data, seeded)

    print(f"\nSQL statements for the nested query: 10 customers -> {small_count}, 100 customers -> {big_count}")
    print(f"asyncpg pool resets (connection releases): 10 -> {small_resets}, 100 -> {big_resets}")
    for sql in counter.driver:
        print(f"  {sql[:160]}")
    assert big_count == small_count
    # Sanity bound: one statement per list plus one per nested field, not per row.
    assert big_count <= 20


def _gid(type_name: str, row: Any) -> str:
    return str(to_global_id(type_name, row.id))


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def _check_page(data: dict[str, Any] | None, seeded: list[SeededCustomer]) -> None:
    """Every customer of the page carries exactly its own rows."""
    assert data is not None
    page = data["customers"]
    assert page["pageInfo"]["hasNextPage"] is False
    by_id = {node["id"]: node for node in _nodes(page)}
    assert len(by_id) == len(seeded) == len(page["edges"])
    for entry in seeded:
        node = by_id[_gid("Customer", entry.customer)]
        customer_id = node["id"]
        assert node["email"] == entry.customer.email
        default_pm, other_pm = entry.payment_methods
        assert node["defaultPaymentMethod"] == {"id": _gid("PaymentMethod", default_pm), "last4": default_pm.last4}

        pms = {pm["id"]: pm for pm in _nodes(node["paymentMethods"])}
        assert pms == {
            _gid("PaymentMethod", pm): {
                "id": _gid("PaymentMethod", pm),
                "last4": pm.last4,
                "isDefault": pm is default_pm,
                "customer": {"id": customer_id},
            }
            for pm in (default_pm, other_pm)
        }
        assert node["paymentMethods"]["pageInfo"]["hasNextPage"] is False

        subscriptions = {s["id"]: s for s in _nodes(node["subscriptions"])}
        assert len(subscriptions) == 2
        for k, (sub, invoice, payment, refund) in enumerate(
            zip(entry.subscriptions, entry.invoices, entry.payments, entry.refunds, strict=True)
        ):
            got = subscriptions[_gid("Subscription", sub)]
            assert got["status"] == ("ACTIVE", "PAST_DUE")[k]
            assert got["priceId"] == sub.price_stripe_id and got["quantity"] == k + 1
            assert got["customer"] == {"id": customer_id}
            assert got["latestInvoice"] == {
                "id": _gid("Invoice", invoice),
                "status": ("PAID", "OPEN")[k],
                "payment": {
                    "id": _gid("Payment", payment),
                    "status": ("SUCCEEDED", "REQUIRES_PAYMENT_METHOD")[k],
                    "refunds": {
                        "edges": [
                            {"node": {"id": _gid("Refund", refund), "amount": 100 + k, "status": refund.status.upper()}}
                        ]
                    },
                },
            }
            assert _nodes(got["invoices"]) == [{"id": _gid("Invoice", invoice), "subscription": {"id": got["id"]}}]

        invoices = {i["id"]: i for i in _nodes(node["invoices"])}
        assert invoices == {
            _gid("Invoice", inv): {
                "id": _gid("Invoice", inv),
                "status": ("PAID", "OPEN")[k],
                "amountDue": inv.amount_due,
                "customer": {"email": entry.customer.email},
                "subscription": {"id": _gid("Subscription", sub)},
                "payment": {"id": _gid("Payment", pay), "invoice": {"id": _gid("Invoice", inv)}},
            }
            for k, (inv, sub, pay) in enumerate(zip(entry.invoices, entry.subscriptions, entry.payments, strict=True))
        }

        payments = {p["id"]: p for p in _nodes(node["payments"])}
        assert payments == {
            _gid("Payment", pay): {
                "id": _gid("Payment", pay),
                "status": ("SUCCEEDED", "REQUIRES_PAYMENT_METHOD")[k],
                "amount": pay.amount,
                "amountRefunded": 100 + k,
                "customer": {"id": customer_id},
                "invoice": {"id": _gid("Invoice", inv)},
                "refunds": {
                    "edges": [
                        {
                            "node": {
                                "id": _gid("Refund", ref),
                                "amount": 100 + k,
                                "payment": {"id": _gid("Payment", pay)},
                            }
                        }
                    ]
                },
            }
            for k, (pay, inv, ref) in enumerate(zip(entry.payments, entry.invoices, entry.refunds, strict=True))
        }


PRICED_QUERY = "query { subscriptions(first: 100) { edges { node { id price { stripeId productId } products } } } }"


async def test_a_subscriptions_price_and_products_cost_the_same_for_4_and_40_subscriptions(
    execute_pg: Execute, counter: StatementCounter
) -> None:
    prices = await seed_prices()
    monthly = prices[0]

    async def priced(count: int) -> None:
        for entry in await seed_customers(count):
            for row in entry.subscriptions:
                row.price_stripe_id = monthly.stripe_id
                await row.save(update_fields=["price_stripe_id"])
                await SubscriptionItem.create(
                    stripe_id=f"si_{row.stripe_id}", subscription_id=row.id, price_stripe_id=monthly.stripe_id
                )

    counts = []
    for count in (2, 18):
        await priced(count)
        with counter.counting():
            result = await execute_pg(PRICED_QUERY)
        assert result.errors is None, result.errors
        assert result.data is not None
        nodes = _nodes(result.data["subscriptions"])
        assert nodes and all(
            node["price"] == {"stripeId": monthly.stripe_id, "productId": monthly.product_stripe_id} for node in nodes
        )
        assert all(node["products"] == [monthly.product_stripe_id] for node in nodes)
        counts.append(counter.count)
    print(f"\nSQL statements for subscriptions with price and products: 4 -> {counts[0]}, 40 -> {counts[1]}")
    assert counts[0] == counts[1] <= 4
