"""`runtime.hydrate`: whole rows built into exactly the instances Tortoise makes, on PostgreSQL and on SQLite."""

from __future__ import annotations

from base.settings import Settings
from models import Customer, PaymentMethod, Subscription
from runtime.hydrate import fetch_whole_rows, hydrate
from tests.support.seed import seed_customers


async def test_hydrate_makes_what_tortoise_makes(any_mirror: Settings) -> None:
    seeded = await seed_customers(3)
    await Subscription.filter(customer_id=seeded[0].customer.id).update(
        current_period_end=seeded[0].customer.stripe_created, cancel_at_period_end=True
    )
    for model in (Customer, PaymentMethod, Subscription):
        expected = await model.all().order_by("-id")
        assert expected
        got = await fetch_whole_rows(model.all().order_by("-id"))
        assert [type(row) for row in got] == [model] * len(expected)
        assert [vars(row) for row in got] == [vars(row) for row in expected]
    assert hydrate(Customer, []) == []


async def test_fetch_whole_rows_awaits_querysets_of_other_shapes(any_mirror: Settings) -> None:
    [entry] = await seed_customers(1)
    related = await fetch_whole_rows(PaymentMethod.filter(customer_id=entry.customer.id).select_related("customer"))
    assert {row.customer.pk for row in related} == {entry.customer.id}  # the related rows came with them
    prefetched = await fetch_whole_rows(Customer.filter(id=entry.customer.id).prefetch_related("payment_methods"))
    assert len(list(prefetched[0].payment_methods)) == 2
    only = await fetch_whole_rows(Customer.filter(id=entry.customer.id).only("id", "email"))
    assert only[0].email == entry.customer.email and only[0]._partial
