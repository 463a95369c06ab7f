"""Queries and mutations on customers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias
from uuid import UUID

import strawberry

from base.error_codes import ErrorCode
from billing.authorization import filter_text, visible_customers
from billing.loaders import PageLoader
from billing.mirror import upsert_customer
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_email, clean_metadata, clean_name, fetch
from models import Customer as CustomerModel
from resolvers.node import find_typed

NestedPages: TypeAlias = Mapping[str, Iterable[tuple[int, UUID | None]]]
"""Pages to fetch ahead for every customer of a page: `Loaders` attribute of a page loader -> (size, cursor) pairs."""


async def customer(context: Context, id: str) -> CustomerModel | None:
    """One customer by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, CustomerModel)


async def customers(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    email: str | None = None,
    nested: NestedPages | None = None,
) -> Page[CustomerModel]:
    """Customers, newest first; `email` matches exactly, ignoring case.

    `nested`: the pages of their nested lists the caller will read, fetched ahead for the whole page.
    """
    qs = visible_customers(context.principal)
    if email is not None:
        qs = qs.filter(email__iexact=filter_text(email, "email").strip())
    page = await paginate(qs, first, after, whole_rows=True)
    if nested:
        await prefetch_nested_pages(context, [row.id for row in page.rows], nested)
    return page


async def prefetch_nested_pages(context: Context, customer_ids: list[UUID], nested: NestedPages) -> None:
    """Fetch the nested pages asked of every customer of a page, before their fields resolve.

    The statements are the ones the nested fields' loaders would batch (one per nested
    connection and cursor), run once here; each customer's nested field then answers from
    the loader's `ready` pages without an awaitable per customer (`billing.loaders.page_of`).
    """
    if not customer_ids:
        return
    loaders = context.loaders
    fetches = []
    for name, pages in nested.items():
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
