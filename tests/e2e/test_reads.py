"""The read side through the real server, on rows written straight into its PostgreSQL mirror.

Rows are inserted with the Tortoise models into `gateway.database_url` (what the webhook
and reconcile paths will do), then read over HTTP: cursor paging, filters, nested fields,
`node` for every type, statuses Stripe may add later, and page-size limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from base.db import close_db, open_db
from base.ids import to_global_id
from base.settings import Settings
from models import Customer, Invoice, Payment, Refund, Subscription
from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.seed import SeededCustomer, seed_customers, seed_prices, tag

CUSTOMER_PAGE = """query($first: Int, $after: String, $email: String) {
  customers(first: $first, after: $after, email: $email) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@asynccontextmanager
async def mirror(gateway: GatewayProcess) -> AsyncIterator[None]:
    """Tortoise open on the gateway's own database, for writing mirror rows directly."""
    await open_db(Settings(database_url=gateway.database_url, _env_file=None))  # type: ignore[call-arg]
    try:
        yield
    finally:
        await close_db()


async def seeded(gateway: GatewayProcess, count: int) -> list[SeededCustomer]:
    async with mirror(gateway):
        return await seed_customers(count)


def gid(type_name: str, row: Any) -> str:
    return str(to_global_id(type_name, row.id))


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def walk_customers(graphql: GraphQLClient, email: str | None) -> tuple[list[str], list[int], list[bool]]:
    """Every customer id through `customers(first: 100)` pages: (ids in order, page sizes, hasNextPage flags)."""
    seen: list[str] = []
    sizes: list[int] = []
    flags: list[bool] = []
    after: str | None = None
    for _ in range(1000):  # a bound, so a cursor bug fails instead of looping forever
        page = data_of(await graphql.execute(CUSTOMER_PAGE, {"first": 100, "after": after, "email": email}))
        connection = page["customers"]
        seen += ids(connection)
        sizes.append(len(connection["edges"]))
        flags.append(connection["pageInfo"]["hasNextPage"])
        if not connection["pageInfo"]["hasNextPage"]:
            return seen, sizes, flags
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
    raise AssertionError("customers(first: 100) never reached hasNextPage: false")


async def test_250_customers_page_through_with_cursors(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    email = f"paging-{tag()}@example.com"
    async with mirror(gateway):
        rows = [Customer(stripe_id=f"cus_paging_{tag()}_{n}", email=email, name=f"Paging {n}") for n in range(250)]
        await Customer.bulk_create(rows)
    expected = {gid("Customer", row) for row in rows}

    # The 250 alone (one shared email): three pages, every id once, then hasNextPage false.
    seen, sizes, flags = await walk_customers(graphql, email)
    assert sizes == [100, 100, 50]
    assert flags == [True, True, False]
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == expected

    # Among every customer of the shared database too: no repeats, none of the 250 missed.
    everyone, _, flags = await walk_customers(graphql, None)
    assert len(everyone) == len(set(everyone))
    assert expected <= set(everyone)
    assert flags[-1] is False


async def test_list_filters(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    first, second = await seeded(gateway, 2)
    query = """query($customer: ID, $subscription: ID, $subStatus: SubscriptionStatus, $invStatus: InvoiceStatus) {
      subscriptions(first: 100, customerId: $customer, status: $subStatus) { edges { node { id status } } }
      invoices(first: 100, customerId: $customer, subscriptionId: $subscription, status: $invStatus) {
        edges { node { id status } }
      }
      payments(first: 100, customerId: $customer) { edges { node { id status } } }
    }"""
    mine = data_of(await graphql.execute(query, {"customer": gid("Customer", first.customer)}))
    assert ids(mine["subscriptions"]) == [gid("Subscription", s) for s in sorted(first.subscriptions, key=_newest)]
    assert set(ids(mine["invoices"])) == {gid("Invoice", i) for i in first.invoices}
    assert set(ids(mine["payments"])) == {gid("Payment", p) for p in first.payments}

    past_due = data_of(
        await graphql.execute(query, {"customer": gid("Customer", second.customer), "subStatus": "PAST_DUE"})
    )
    assert past_due["subscriptions"]["edges"] == [
        {"node": {"id": gid("Subscription", second.subscriptions[1]), "status": "PAST_DUE"}}
    ]
    paid = data_of(await graphql.execute(query, {"customer": gid("Customer", second.customer), "invStatus": "PAID"}))
    assert paid["invoices"]["edges"] == [{"node": {"id": gid("Invoice", second.invoices[0]), "status": "PAID"}}]
    of_subscription = data_of(
        await graphql.execute(query, {"subscription": gid("Subscription", first.subscriptions[1])})
    )
    assert of_subscription["invoices"]["edges"] == [
        {"node": {"id": gid("Invoice", first.invoices[1]), "status": "OPEN"}}
    ]

    # Across customers (no customerId): both customers' rows, newest first.
    everything = data_of(await graphql.execute(query, {"subStatus": "ACTIVE"}))
    active = {gid("Subscription", entry.subscriptions[0]) for entry in (first, second)}
    assert active <= set(ids(everything["subscriptions"]))
    assert {e["node"]["status"] for e in everything["subscriptions"]["edges"]} <= {"ACTIVE"}

    malformed = await graphql.execute(query, {"customer": "not-an-id"})
    assert malformed["data"] is None
    assert malformed["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"
    wrong_type = await graphql.execute(query, {"subscription": gid("Customer", first.customer)})
    assert wrong_type["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"


def _newest(row: Any) -> Any:
    return -row.id.int


async def test_nested_fields(gateway: GatewayProcess, graphql: GraphQLClient, read_api_key: str) -> None:
    [entry] = await seeded(gateway, 1)
    query = """query($id: ID!) {
      customer(id: $id) {
        id
        defaultPaymentMethod { id }
        paymentMethods(first: 10) { edges { node { id isDefault } } }
        subscriptions(first: 10) { edges { node {
          id priceId quantity customer { id }
          latestInvoice { id payment { id refunds(first: 10) { edges { node { id amount status payment { id } } } } } }
          invoices(first: 10) { edges { node { id subscription { id } } } }
        } } }
        invoices(first: 10) { edges { node { id amountDue amountPaid amountRemaining total currency
          customer { id } subscription { id } payment { id invoice { id } } } } }
        payments(first: 10) { edges { node { id amount amountReceived amountRefunded currency
          customer { id } invoice { id } refunds(first: 10) { edges { node { id } } } } } }
      }
    }"""
    customer_id = gid("Customer", entry.customer)
    # A key with the `read` scope only is enough for every read.
    data = data_of(await graphql.execute(query, {"id": customer_id}, token=read_api_key))["customer"]
    assert data["defaultPaymentMethod"] == {"id": gid("PaymentMethod", entry.payment_methods[0])}
    assert {e["node"]["id"]: e["node"]["isDefault"] for e in data["paymentMethods"]["edges"]} == {
        gid("PaymentMethod", entry.payment_methods[0]): True,
        gid("PaymentMethod", entry.payment_methods[1]): False,
    }
    subscriptions = {e["node"]["id"]: e["node"] for e in data["subscriptions"]["edges"]}
    invoices = {e["node"]["id"]: e["node"] for e in data["invoices"]["edges"]}
    payments = {e["node"]["id"]: e["node"] for e in data["payments"]["edges"]}
    assert len(subscriptions) == len(invoices) == len(payments) == 2
    for k in range(2):
        sub, inv, pay, ref = entry.subscriptions[k], entry.invoices[k], entry.payments[k], entry.refunds[k]
        s = subscriptions[gid("Subscription", sub)]
        assert s["priceId"] == sub.price_stripe_id and s["quantity"] == k + 1
        assert s["customer"] == {"id": customer_id}
        assert s["latestInvoice"]["id"] == gid("Invoice", inv)
        assert s["latestInvoice"]["payment"]["id"] == gid("Payment", pay)
        assert s["latestInvoice"]["payment"]["refunds"]["edges"] == [
            {"node": {"id": gid("Refund", ref), "amount": ref.amount, "status": ref.status.upper(),
                      "payment": {"id": gid("Payment", pay)}}}
        ]  # fmt: skip
        assert s["invoices"]["edges"] == [{"node": {"id": gid("Invoice", inv), "subscription": {"id": s["id"]}}}]
        i = invoices[gid("Invoice", inv)]
        assert (i["amountDue"], i["amountPaid"], i["amountRemaining"], i["total"], i["currency"]) == (
            inv.amount_due, inv.amount_paid, inv.amount_remaining, inv.total, "usd",
        )  # fmt: skip
        assert i["customer"] == {"id": customer_id} and i["subscription"] == {"id": s["id"]}
        assert i["payment"] == {"id": gid("Payment", pay), "invoice": {"id": i["id"]}}
        p = payments[gid("Payment", pay)]
        assert (p["amount"], p["amountReceived"], p["amountRefunded"]) == (
            pay.amount, pay.amount_received, pay.amount_refunded,
        )  # fmt: skip
        assert p["customer"] == {"id": customer_id} and p["invoice"] == {"id": i["id"]}
        assert p["refunds"]["edges"] == [{"node": {"id": gid("Refund", ref)}}]


async def test_node_resolves_every_type(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    [entry] = await seeded(gateway, 1)
    async with mirror(gateway):
        [price, *_] = await seed_prices()
    query = """query($id: ID!) { node(id: $id) {
      __typename id
      ... on Customer { stripeId }
      ... on PaymentMethod { stripeId }
      ... on Subscription { stripeId }
      ... on Invoice { stripeId }
      ... on Payment { stripeId }
      ... on Refund { stripeId }
      ... on Price { stripeId }
    } }"""
    rows: dict[str, Any] = {
        "Customer": entry.customer,
        "PaymentMethod": entry.payment_methods[0],
        "Subscription": entry.subscriptions[0],
        "Invoice": entry.invoices[0],
        "Payment": entry.payments[0],
        "Refund": entry.refunds[0],
        "Price": price,
    }
    for type_name, row in rows.items():
        node = data_of(await graphql.execute(query, {"id": gid(type_name, row)}))["node"]
        assert node == {"__typename": type_name, "id": gid(type_name, row), "stripeId": row.stripe_id}

    single = """query($s: ID!, $i: ID!, $p: ID!) {
      subscription(id: $s) { stripeId } invoice(id: $i) { stripeId } payment(id: $p) { stripeId }
    }"""
    found = data_of(
        await graphql.execute(
            single,
            {"s": gid("Subscription", rows["Subscription"]), "i": gid("Invoice", rows["Invoice"]),
             "p": gid("Payment", rows["Payment"])},
        )
    )  # fmt: skip
    assert found == {
        "subscription": {"stripeId": rows["Subscription"].stripe_id},
        "invoice": {"stripeId": rows["Invoice"].stripe_id},
        "payment": {"stripeId": rows["Payment"].stripe_id},
    }
    # Unknown, malformed or mistyped ids read as null, never as an error.
    for bad in ("bm9wZQ", "not base64 at all", gid("Subscription", entry.customer), gid("Nope", entry.customer)):
        nothing = data_of(await graphql.execute(single, {"s": bad, "i": bad, "p": bad}))
        assert nothing == {"subscription": None, "invoice": None, "payment": None}
        assert data_of(await graphql.execute(query, {"id": bad})) == {"node": None}
    assert data_of(await graphql.execute("{ viewer { id } }")) == {"viewer": None}  # an API key has no customer


async def test_a_status_stripe_adds_later_reads_as_unknown(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    [entry] = await seeded(gateway, 1)
    new_status = f"future_{tag()}"
    async with mirror(gateway):
        await Subscription.filter(id=entry.subscriptions[0].id).update(status=new_status)
        await Invoice.filter(id=entry.invoices[0].id).update(status=new_status)
        await Payment.filter(id=entry.payments[0].id).update(status=new_status)
        await Refund.filter(id=entry.refunds[0].id).update(status=new_status)
    query = """query($s: ID!, $c: ID!) {
      subscription(id: $s) { status latestInvoice { status payment { status refunds { edges { node { status } } } } } }
      unknown: subscriptions(customerId: $c, status: UNKNOWN) { edges { node { id } } }
    }"""
    body = await graphql.execute(
        query, {"s": gid("Subscription", entry.subscriptions[0]), "c": gid("Customer", entry.customer)}
    )
    data = data_of(body)
    assert data["subscription"] == {
        "status": "UNKNOWN",
        "latestInvoice": {
            "status": "UNKNOWN",
            "payment": {"status": "UNKNOWN", "refunds": {"edges": [{"node": {"status": "UNKNOWN"}}]}},
        },
    }
    assert ids(data["unknown"]) == [gid("Subscription", entry.subscriptions[0])]


async def test_first_above_one_hundred_is_refused_everywhere(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    [entry] = await seeded(gateway, 1)
    for field in ("subscriptions", "invoices", "payments", "prices"):
        body = await graphql.execute(f"{{ {field}(first: 101) {{ edges {{ node {{ id }} }} }} }}")
        assert body["data"] is None, field
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED", field
        assert data_of(await graphql.execute(f"{{ {field}(first: 100) {{ edges {{ node {{ id }} }} }} }}"))[field]
    for nested in ("paymentMethods", "subscriptions", "invoices", "payments"):
        body = await graphql.execute(
            f"query($id: ID!) {{ customer(id: $id) {{ {nested}(first: 101) {{ edges {{ node {{ id }} }} }} }} }}",
            {"id": gid("Customer", entry.customer)},
        )
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED", nested
        assert body["errors"][0]["path"] == ["customer", nested]
