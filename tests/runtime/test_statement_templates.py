"""`runtime.statement_templates`: a statement built once per shape answers what the queryset answers, per dialect."""

from __future__ import annotations

import uuid

import pytest
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from base.settings import Settings
from models import Customer, PaymentMethod
from runtime import statement_templates
from runtime.statement_templates import select_rows
from tests.support.seed import seed_customers


async def test_a_kept_statement_answers_what_the_queryset_answers(any_mirror: Settings) -> None:
    seeded = await seed_customers(3)
    shape = ("test-by-id", uuid.uuid4().hex)
    for entry in seeded:  # the first call builds the text, the others reuse it with their own id
        got = await select_rows(Customer, shape, lambda key: Customer.filter(deleted=False, id=key), entry.customer.id)
        expected = await Customer.filter(deleted=False, id=entry.customer.id)
        assert [vars(row) for row in got] == [vars(row) for row in expected] and len(got) == 1
    kept = [key for key in statement_templates._TEMPLATES if key[1] == shape]
    assert len(kept) == 1 and statement_templates._TEMPLATES[kept[0]] is not None
    assert await select_rows(Customer, shape, lambda key: Customer.filter(deleted=False, id=key), uuid.uuid4()) == []


async def test_several_arguments_land_in_their_own_places(any_mirror: Settings) -> None:
    seeded = await seed_customers(3)
    shape = ("test-in", uuid.uuid4().hex)
    methods = [await PaymentMethod.filter(customer_id=entry.customer.id).first() for entry in seeded]
    stripe_ids = [method.stripe_id for method in methods if method is not None]
    for pair in (stripe_ids[:2], stripe_ids[1:], [stripe_ids[2], stripe_ids[0]]):
        by_stripe_id = lambda *keys: PaymentMethod.filter(stripe_id__in=list(keys))  # noqa: E731
        got = await select_rows(PaymentMethod, shape, by_stripe_id, *pair)
        assert sorted(row.stripe_id for row in got) == sorted(pair)


async def test_inside_a_transaction_the_transaction_sees_its_own_rows(any_mirror: Settings) -> None:
    [entry] = await seed_customers(1)
    shape = ("test-tx", uuid.uuid4().hex)
    await select_rows(Customer, shape, lambda key: Customer.filter(id=key), entry.customer.id)  # kept outside
    async with in_transaction():
        await Customer.filter(id=entry.customer.id).update(name="changed inside")
        [row] = await select_rows(Customer, shape, lambda key: Customer.filter(id=key), entry.customer.id)
        assert row.name == "changed inside"


async def test_a_shape_that_is_not_whole_rows_is_awaited_every_time(any_mirror: Settings) -> None:
    [entry] = await seed_customers(1)
    shape = ("test-related", uuid.uuid4().hex)

    def related(key: uuid.UUID) -> QuerySet[PaymentMethod]:
        return PaymentMethod.filter(customer_id=key).select_related("customer")

    for _ in range(2):
        got = await select_rows(PaymentMethod, shape, related, entry.customer.id)
        assert {row.customer.pk for row in got} == {entry.customer.id}
    assert [statement_templates._TEMPLATES[key] for key in statement_templates._TEMPLATES if key[1] == shape] == [None]


async def test_one_shape_on_two_models_keeps_two_statements(any_mirror: Settings) -> None:
    [entry] = await seed_customers(1)
    shape = ("test-two-models", uuid.uuid4().hex)
    method = await PaymentMethod.filter(customer_id=entry.customer.id).first()
    assert method is not None
    stripe_id = entry.customer.stripe_id
    [customer] = await select_rows(Customer, shape, lambda key: Customer.filter(stripe_id=key), stripe_id)
    [found] = await select_rows(PaymentMethod, shape, lambda key: PaymentMethod.filter(stripe_id=key), method.stripe_id)
    assert type(customer) is Customer and type(found) is PaymentMethod and found.pk == method.pk


async def test_past_the_bound_a_new_shape_is_built_once_and_not_kept(
    any_mirror: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [entry] = await seed_customers(1)
    shape = ("test-full", uuid.uuid4().hex)
    monkeypatch.setattr(statement_templates, "MAX_TEMPLATES", len(statement_templates._TEMPLATES))
    built: list[object] = []

    def by_id(key: uuid.UUID) -> QuerySet[Customer]:
        built.append(key)
        return Customer.filter(id=key)

    [row] = await select_rows(Customer, shape, by_id, entry.customer.id)
    assert row.pk == entry.customer.id
    assert built == [entry.customer.id]  # no sentinel statement built for a template that has no room
    assert not [key for key in statement_templates._TEMPLATES if key[1] == shape]
