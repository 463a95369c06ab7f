"""Queries and mutations on customers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

import strawberry

from base.error_codes import ErrorCode
from billing.authorization import filter_text, visible_customers
from billing.loaders import PageLoader
from billing.mirror import upsert_customer
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pagination import nested_pages, paginate
from billing.request_context import Context
from billing.validation import clean_email, clean_metadata, clean_name, fetch
from models import Customer as CustomerModel
from resolvers.node import find_typed
from schema.arguments import After, EmailFilter, First, ObjectId
from schema.context import Info
from schema.customers import Customer
from schema.relay import Connection


async def customer(info: Info, id: ObjectId) -> Customer | None:
    """One customer by id; null when unknown or not visible to the caller."""
    return await find_typed(info, id, Customer)


async def customers(
    info: Info,
    first: First = None,
    after: After = None,
    email: EmailFilter = None,
) -> Connection[Customer]:
    """Customers, newest first; `email` matches exactly, ignoring case."""
    qs = visible_customers(info.context.principal)
    if email is not None:
        qs = qs.filter(email__iexact=filter_text(email, "email").strip())
    page = await paginate(qs, first, after, Customer.from_model, whole_rows=True)
    await prefetch_nested_pages(info, [edge.node.model.id for edge in page.edges])
    return page


_NESTED = {
    "paymentMethods": "customer_payment_methods",
    "subscriptions": "customer_subscriptions",
    "invoices": "customer_invoices",
    "payments": "customer_payments",
}
"""A customer's nested connections (GraphQL name) and the `Loaders` attribute of their page loader."""


async def prefetch_nested_pages(info: Info, customer_ids: list[UUID]) -> None:
    """Fetch the nested pages the selection asks of every customer of a page, before their fields resolve.

    The statements are the ones the nested fields' loaders would batch (one per nested
    connection and cursor), run once here; each customer's nested field then answers from
    the loader's `ready` pages without an awaitable per customer (`billing.loaders.page_of`).
    """
    if not customer_ids:
        return
    raw = info._raw_info
    # Strawberry's resolve info carries the coerced variables; graphql-core's own, a VariableValues.
    values: Any = raw.variable_values
    variables: Mapping[str, Any] = values if isinstance(values, Mapping) else values.coerced
    wanted = nested_pages(raw.field_nodes, raw.fragments, variables, _NESTED)
    if not wanted:
        return
    loaders = info.context.loaders
    fetches = []
    for name, pages in wanted.items():
        loader: PageLoader[Any] = getattr(loaders, name)
        fetches.append(loader.prefetch(customer_ids, pages))
    if len(fetches) == 1:
        await fetches[0]
    else:
        await asyncio.gather(*fetches)


class CreateCustomerFields(Protocol):
    """What `create_customer` reads of its input (`schema.customers.CreateCustomerInput`); left out: UNSET."""

    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def metadata(self) -> object: ...


async def create_customer(ctx: Context, call: MutationCall, input: CreateCustomerFields) -> Snapshot:
    """Create a customer at Stripe and in the mirror."""

    async def validate() -> dict[str, Any]:
        return {
            "email": clean_email(input.email, ["input", "email"]),
            "name": clean_name(input.name or None, ["input", "name"]),
            "metadata": clean_metadata(input.metadata, ["input", "metadata"]) if input.metadata else {},
        }

    async def call_stripe(fields: dict[str, Any], keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.create_customer(
            **fields, idempotency_key=keys.stripe_key("customer"), resumed=keys.resumed
        )

    async def write(fields: dict[str, Any], obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"customer": await upsert_customer(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class UpdateCustomerFields(Protocol):
    """What `update_customer` reads of its input (`schema.customers.UpdateCustomerInput`); left out: UNSET."""

    @property
    def id(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def metadata(self) -> object: ...


async def update_customer(ctx: Context, call: MutationCall, input: UpdateCustomerFields) -> Snapshot:
    """Change a customer's email, name or metadata at Stripe and in the mirror."""

    async def validate() -> tuple[CustomerModel, dict[str, Any]]:
        row = await fetch(visible_customers(ctx.principal), input.id, "Customer", ["input", "id"])
        params: dict[str, Any] = {}
        if input.email is not strawberry.UNSET:
            if input.email is None:
                params["email"] = ""
            else:
                params["email"] = clean_email(input.email, ["input", "email"])
        if input.name is not strawberry.UNSET:
            params["name"] = clean_name(input.name, ["input", "name"]) or ""
        if input.metadata is not strawberry.UNSET:
            metadata = clean_metadata(input.metadata or {}, ["input", "metadata"])
            # Stripe merges metadata; unset what the new value leaves out so it replaces.
            params["metadata"] = {**dict.fromkeys(row.metadata, ""), **metadata}
        if not params:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "nothing to update: give email, name or metadata", ["input"]
            )
        return row, params

    async def call_stripe(checked: tuple[CustomerModel, dict[str, Any]], keys: StripeKeys) -> dict[str, Any]:
        row, params = checked
        return await ctx.stripe.update_customer(
            row.stripe_id, params=params, idempotency_key=keys.stripe_key("customer")
        )

    async def write(checked: tuple[CustomerModel, dict[str, Any]], obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"customer": await upsert_customer(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)
