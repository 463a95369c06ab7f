"""The read side in-process, on PostgreSQL and on SQLite: pages, filters, statuses, scoping, links."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from models import Invoice, Payment, Subscription
from tests.support.in_process import API_KEY, Execute, session_for
from tests.support.seed import add_subscriptions, gid, seed_customers, seed_prices, tag


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def data_of(result: Any) -> dict[str, Any]:
    assert result.errors is None, result.errors
    data: dict[str, Any] = result.data
    return data


def error_codes(result: Any) -> list[str]:
    assert result.errors, result
    return [(error.extensions or {}).get("code") for error in result.errors]


NESTED_SUBSCRIPTIONS = """
query($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    subscriptions(first: $first, after: $after) {
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


async def test_nested_connection_pages_follow_cursors(execute: Execute) -> None:
    [entry] = await seed_customers(1)
    await add_subscriptions(entry, 3)
    every = await Subscription.filter(customer_id=entry.customer.id).order_by("-id")
    expected = [gid("Subscription", s) for s in every]
    assert len(expected) == 5

    seen: list[str] = []
    after: str | None = None
    pages = []
    while True:
        variables = {"id": gid("Customer", entry.customer), "first": 2, "after": after}
        page = data_of(await execute(NESTED_SUBSCRIPTIONS, variables))["customer"]["subscriptions"]
        seen += ids(page)
        pages.append(page["pageInfo"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected  # newest first, no repeats, nothing skipped
    assert [p["hasNextPage"] for p in pages] == [True, True, False]
    assert [p["hasPreviousPage"] for p in pages] == [False, True, True]

    empty = data_of(await execute(NESTED_SUBSCRIPTIONS, {"id": gid("Customer", entry.customer), "first": 0}))
    assert empty["customer"]["subscriptions"]["edges"] == []
    assert empty["customer"]["subscriptions"]["pageInfo"]["hasNextPage"] is True


async def test_nested_connections_under_a_list_keep_each_parent_to_its_own_rows(execute: Execute) -> None:
    seeded = await seed_customers(3)
    await add_subscriptions(seeded[1], 4)
    query = """{ customers(first: 10) { edges { node { id
      subscriptions(first: 3) { edges { node { id customer { id } } } pageInfo { hasNextPage } }
    } } } }"""
    nodes = {edge["node"]["id"]: edge["node"] for edge in data_of(await execute(query))["customers"]["edges"]}
    for entry in seeded:
        node = nodes[gid("Customer", entry.customer)]
        rows = await Subscription.filter(customer_id=entry.customer.id).order_by("-id").limit(3)
        assert ids(node["subscriptions"]) == [gid("Subscription", s) for s in rows]
        assert {e["node"]["customer"]["id"] for e in node["subscriptions"]["edges"]} == {node["id"]}
        assert node["subscriptions"]["pageInfo"]["hasNextPage"] is (entry is seeded[1])


async def test_nested_page_size_and_cursor_are_checked(execute: Execute) -> None:
    [entry] = await seed_customers(1)
    customer_id = gid("Customer", entry.customer)
    too_big = await execute(NESTED_SUBSCRIPTIONS, {"id": customer_id, "first": 101})
    assert error_codes(too_big) == ["VALIDATION_FAILED"]
    bad_cursor = await execute(NESTED_SUBSCRIPTIONS, {"id": customer_id, "first": 1, "after": "nonsense"})
    assert error_codes(bad_cursor) == ["VALIDATION_FAILED"]


async def test_list_filters(execute: Execute) -> None:
    first, second = await seed_customers(2)
    a, b = gid("Customer", first.customer), gid("Customer", second.customer)
    query = """query($customer: ID, $subscription: ID, $sub_status: SubscriptionStatus, $inv_status: InvoiceStatus) {
      subscriptions(customerId: $customer, status: $sub_status) { edges { node { id } } }
      invoices(customerId: $customer, subscriptionId: $subscription, status: $inv_status) { edges { node { id } } }
      payments(customerId: $customer) { edges { node { id } } }
    }"""
    everything = data_of(await execute(query, {"customer": a}))
    assert set(ids(everything["subscriptions"])) == {gid("Subscription", s) for s in first.subscriptions}
    assert set(ids(everything["invoices"])) == {gid("Invoice", i) for i in first.invoices}
    assert set(ids(everything["payments"])) == {gid("Payment", p) for p in first.payments}

    active = data_of(await execute(query, {"customer": b, "sub_status": "ACTIVE", "inv_status": "OPEN"}))
    assert ids(active["subscriptions"]) == [gid("Subscription", second.subscriptions[0])]
    assert ids(active["invoices"]) == [gid("Invoice", second.invoices[1])]

    of_subscription = data_of(await execute(query, {"subscription": gid("Subscription", first.subscriptions[1])}))
    assert ids(of_subscription["invoices"]) == [gid("Invoice", first.invoices[1])]

    # A well-formed id that names nothing filters to nothing; a malformed one is refused.
    unknown = gid("Customer", second.refunds[0])  # a Customer id with no customer behind it
    nothing = data_of(await execute(query, {"customer": unknown}))
    assert nothing == {"subscriptions": {"edges": []}, "invoices": {"edges": []}, "payments": {"edges": []}}
    for variables in ({"customer": "not-an-id"}, {"subscription": a}):
        refused = await execute("query($customer: ID, $subscription: ID) { invoices(customerId: $customer, "
                                "subscriptionId: $subscription) { edges { node { id } } } }", variables)  # fmt: skip
        assert error_codes(refused) == ["VALIDATION_FAILED"]
        assert refused.data is None


async def test_a_status_stripe_adds_later_reads_as_unknown(execute: Execute, caplog: pytest.LogCaptureFixture) -> None:
    [entry] = await seed_customers(1)
    new_status = f"future_{tag()}"
    sub, inv, pay = entry.subscriptions[0], entry.invoices[0], entry.payments[0]
    await Subscription.filter(id=sub.id).update(status=new_status)
    await Invoice.filter(id=inv.id).update(status=new_status)
    await Payment.filter(id=pay.id).update(status=new_status)
    query = """query($id: ID!) {
      customer(id: $id) {
        subscriptions { edges { node { id status } } }
        invoices { edges { node { id status payment { status refunds { edges { node { status } } } } } } }
      }
      unknown: subscriptions(customerId: $id, status: UNKNOWN) { edges { node { id } } }
      active: subscriptions(customerId: $id, status: ACTIVE) { edges { node { id } } }
    }"""
    with caplog.at_level(logging.WARNING, logger="schema.enums"):
        data = data_of(await execute(query, {"id": gid("Customer", entry.customer)}))
        data_of(await execute(query, {"id": gid("Customer", entry.customer)}))
    statuses = {e["node"]["id"]: e["node"]["status"] for e in data["customer"]["subscriptions"]["edges"]}
    assert statuses == {gid("Subscription", sub): "UNKNOWN", gid("Subscription", entry.subscriptions[1]): "PAST_DUE"}
    invoice = next(e["node"] for e in data["customer"]["invoices"]["edges"] if e["node"]["id"] == gid("Invoice", inv))
    assert invoice["status"] == "UNKNOWN" and invoice["payment"]["status"] == "UNKNOWN"
    assert ids(data["unknown"]) == [gid("Subscription", sub)]
    assert ids(data["active"]) == []
    # One warning per enum and value, however many rows and requests carry it.
    warnings = [r.getMessage() for r in caplog.records if new_status in r.getMessage()]
    assert len(warnings) == 3, warnings


async def test_a_customer_session_sees_only_its_own_customer(execute: Execute) -> None:
    mine, theirs = await seed_customers(2)
    await seed_prices()
    session = session_for(mine.customer.id)
    query = """{
      viewer { id }
      subscriptions { edges { node { id } } }
      invoices { edges { node { id } } }
      payments { edges { node { id } } }
      prices { edges { node { id } } }
    }"""
    data = data_of(await execute(query, principal=session))
    assert data["viewer"] == {"id": gid("Customer", mine.customer)}
    assert set(ids(data["subscriptions"])) == {gid("Subscription", s) for s in mine.subscriptions}
    assert set(ids(data["invoices"])) == {gid("Invoice", i) for i in mine.invoices}
    assert set(ids(data["payments"])) == {gid("Payment", p) for p in mine.payments}
    assert len(data["prices"]["edges"]) >= 3  # the catalogue is public

    single = "query($id: ID!) { node(id: $id) { id } subscription(id: $id) { id } }"
    for type_name, row in (
        ("Customer", theirs.customer),
        ("PaymentMethod", theirs.payment_methods[0]),
        ("Subscription", theirs.subscriptions[0]),
        ("Invoice", theirs.invoices[0]),
        ("Payment", theirs.payments[0]),
        ("Refund", theirs.refunds[0]),
    ):
        # Another customer's object by id: a FORBIDDEN error and no data of it.
        hidden = await execute(single, {"id": gid(type_name, row)}, principal=session)
        assert "FORBIDDEN" in error_codes(hidden), type_name
        assert hidden.data is None or hidden.data["node"] is None, type_name
        visible = data_of(await execute("query($id: ID!) { node(id: $id) { id } }", {"id": gid(type_name, row)}))
        assert visible["node"] == {"id": gid(type_name, row)}, type_name
    own_refund = data_of(await execute(single, {"id": gid("Refund", mine.refunds[0])}, principal=session))
    assert own_refund["node"] == {"id": gid("Refund", mine.refunds[0])}

    # Filtering on the other customer finds nothing rather than leaking it.
    theirs_filtered = data_of(
        await execute(
            "query($c: ID!) { subscriptions(customerId: $c) { edges { node { id } } } }",
            {"c": gid("Customer", theirs.customer)},
            principal=session,
        )
    )
    assert theirs_filtered["subscriptions"]["edges"] == []

    # A link that points across customers (inconsistent mirror data) is not followed for a session.
    await Subscription.filter(id=mine.subscriptions[0].id).update(latest_invoice_stripe_id=theirs.invoices[0].stripe_id)
    link = "query($id: ID!) { subscription(id: $id) { latestInvoice { id } } }"
    variables = {"id": gid("Subscription", mine.subscriptions[0])}
    assert data_of(await execute(link, variables, principal=session))["subscription"] == {"latestInvoice": None}
    assert data_of(await execute(link, variables))["subscription"]["latestInvoice"] is not None

    forbidden = await execute("{ customers { edges { node { id } } } }", principal=session)
    assert error_codes(forbidden) == ["FORBIDDEN"]


async def test_viewer_is_null_for_an_api_key(execute: Execute) -> None:
    assert data_of(await execute("{ viewer { id } }", principal=API_KEY)) == {"viewer": None}


async def test_links_fall_back_to_stripe_ids_until_the_mirror_links_rows(execute: Execute) -> None:
    [entry] = await seed_customers(1)
    inv, pay = entry.invoices[0], entry.payments[0]
    # As the mirror leaves rows that arrived before their parent: only the Stripe ids are set.
    await Invoice.filter(id=inv.id).update(subscription_id=None, payment_intent_stripe_id=None)
    await Payment.filter(id=pay.id).update(invoice_id=None)
    query = """query($invoice: ID!, $payment: ID!) {
      invoice(id: $invoice) { subscription { id } payment { id } }
      payment(id: $payment) { invoice { id } }
    }"""
    data = data_of(await execute(query, {"invoice": gid("Invoice", inv), "payment": gid("Payment", pay)}))
    assert data["invoice"]["subscription"] == {"id": gid("Subscription", entry.subscriptions[0])}
    assert data["payment"]["invoice"] == {"id": gid("Invoice", inv)}
    # No payment_intent on the invoice (current API versions) and no linked payment: null.
    assert data["invoice"]["payment"] is None
    await Payment.filter(id=pay.id).update(invoice_id=inv.id)
    data = data_of(await execute(query, {"invoice": gid("Invoice", inv), "payment": gid("Payment", pay)}))
    assert data["invoice"]["payment"] == {"id": gid("Payment", pay)}


async def test_prices(execute: Execute) -> None:
    monthly, yearly, plan = await seed_prices()
    query = """query($active: Boolean) { prices(first: 100, active: $active) { edges { node {
      id stripeId currency unitAmount interval intervalCount nickname active productId kind
    } } } }"""
    every = {e["node"]["stripeId"]: e["node"] for e in data_of(await execute(query))["prices"]["edges"]}
    assert every[monthly.stripe_id] == {
        "id": gid("Price", monthly),
        "stripeId": monthly.stripe_id,
        "currency": "usd",
        "unitAmount": 1500,
        "interval": "month",
        "intervalCount": 1,
        "nickname": "monthly",
        "active": True,
        "productId": monthly.product_stripe_id,
        "kind": "price",
    }
    assert every[plan.stripe_id]["kind"] == "plan" and every[plan.stripe_id]["intervalCount"] == 3
    inactive = data_of(await execute(query, {"active": False}))["prices"]["edges"]
    assert [e["node"]["stripeId"] for e in inactive] == [yearly.stripe_id]
    node = data_of(
        await execute("query($id: ID!) { node(id: $id) { ... on Price { stripeId } } }", {"id": gid("Price", plan)})
    )
    assert node == {"node": {"stripeId": plan.stripe_id}}
