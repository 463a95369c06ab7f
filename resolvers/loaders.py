"""Per-request DataLoaders: one SQL statement per batch of keys, whatever the nesting.

Two kinds of loader live here:

- **Rows by key** (primary key or Stripe id): a batch is one `WHERE key IN (…)`.
- **Pages of a nested connection** (`customer.subscriptions(first, after)` under a
  list of customers): the key is `(parent pk, page size, pk behind the after-cursor)`,
  and a batch fetches every parent's page in one statement with
  `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id DESC)` in a subquery, keeping
  rows numbered up to the page size + 1 (the extra row answers `hasNextPage`).
  Keys that share a cursor share a statement; in practice every parent asks for
  the first page, so a nested connection costs one statement for the whole list.
  Window functions run on PostgreSQL and on SQLite >= 3.25 (the embedded mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order
from pypika_tortoise.queries import Table
from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery
from tortoise.models import Model

from models import Customer, Invoice, Payment, PaymentMethod, Refund, Subscription

if TYPE_CHECKING:
    from schema.relay import Connection

M = TypeVar("M", bound=Model)
T = TypeVar("T")

PageKey = tuple[UUID, int, UUID | None]
"""A nested page: (parent primary key, page size, primary key behind `after` or None)."""

_PAGE_ALIAS = "_page"
_ROW_NUMBER = "_page_row"


def _by_id(model: type[M]) -> DataLoader[UUID, M | None]:
    async def batch(keys: Sequence[UUID]) -> list[M | None]:
        rows = {row.pk: row for row in await model.filter(id__in=list(keys))}
        return [rows.get(key) for key in keys]

    return DataLoader(batch)


def _by_stripe_id(model: type[M]) -> DataLoader[str, M | None]:
    async def batch(keys: Sequence[str]) -> list[M | None]:
        rows = {getattr(row, "stripe_id"): row for row in await model.filter(stripe_id__in=list(keys))}  # noqa: B009
        return [rows.get(key) for key in keys]

    return DataLoader(batch)


async def window_pages(
    model: type[M], parent_column: str, parent_ids: Iterable[UUID], limit: int, before: UUID | None = None
) -> dict[UUID, list[M]]:
    """Up to `limit` rows per parent, newest first, for every parent in ONE statement.

    `parent_column` is the foreign-key column (`customer_id`); `before` keeps rows
    whose primary key is below it (the `after` cursor of a page).
    """
    ids = list(dict.fromkeys(parent_ids))
    if not ids or limit <= 0:
        return {}
    table = model._meta.basetable
    number = RowNumber().over(table[parent_column]).orderby(table.id, order=Order.desc)
    # Tortoise builds the inner query, so its filters convert values the way every other query does.
    inner_qs = model.filter(**{f"{parent_column}__in": ids})
    if before is not None:
        inner_qs = inner_qs.filter(id__lt=before)
    inner = Subquery(inner_qs.annotate(**{_ROW_NUMBER: number})).as_(_PAGE_ALIAS)
    page = Table(_PAGE_ALIAS)
    db = model._meta.db
    # A window function cannot be filtered in its own WHERE, hence the outer query on the subquery.
    outer = (
        db.query_class.from_(inner)
        .select(*(page[column] for column in model._meta.db_fields))
        .where(page[_ROW_NUMBER] <= limit)
        .orderby(page[parent_column])
        .orderby(page.id, order=Order.desc)
    )
    sql, values = outer.get_parameterized_sql()
    rows: list[M] = await db.executor_class(model=model, db=db).execute_select(sql, values)
    pages: dict[UUID, list[M]] = {}
    for row in rows:
        pages.setdefault(getattr(row, parent_column), []).append(row)
    return pages


def _pages(model: type[M], parent_column: str) -> DataLoader[PageKey, list[M]]:
    """A loader of nested pages of `model` rows under their parent (`parent_column`)."""

    async def batch(keys: Sequence[PageKey]) -> list[list[M]]:
        by_cursor: dict[UUID | None, list[PageKey]] = {}
        for key in keys:
            by_cursor.setdefault(key[2], []).append(key)
        found: dict[PageKey, list[M]] = {}
        for before, group in by_cursor.items():
            # One statement per distinct cursor, sized for the largest page asked for.
            limit = max(size for _, size, _ in group) + 1
            pages = await window_pages(model, parent_column, (parent for parent, _, _ in group), limit, before)
            for key in group:
                found[key] = pages.get(key[0], [])[: key[1] + 1]
        return [found[key] for key in keys]

    return DataLoader(batch)


async def _latest_payment_by_invoice(keys: Sequence[UUID]) -> list[Payment | None]:
    pages = await window_pages(Payment, "invoice_id", keys, 1)
    return [pages.get(key, [None])[0] for key in keys]


async def load_page(
    loader: DataLoader[PageKey, list[M]],
    parent_id: UUID,
    first: int | None,
    after: str | None,
    convert: Callable[[M], T],
) -> Connection[T]:
    """One page of a nested connection through its batching loader, shaped like `pagination.paginate`."""
    # Imported here: the schema package imports this module (schema.context) while it initialises.
    from resolvers.pagination import check_page_args
    from schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor

    size = check_page_args(first, after)
    before = decode_cursor(after) if after is not None else None
    rows = await loader.load((parent_id, size, before))
    edges = [Edge(cursor=encode_cursor(row.pk), node=convert(row)) for row in rows[:size]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


class Loaders:
    """The loaders of one request, each built on first use (a loader caches for the request's lifetime only).

    A request or a live subscription uses a few of the 16: building them lazily saves most of
    their cost and memory (about 10 KiB per WebSocket subscriber when all were eager).
    """

    @cached_property
    def customer(self) -> DataLoader[UUID, Customer | None]:
        return _by_id(Customer)

    @cached_property
    def payment_method(self) -> DataLoader[UUID, PaymentMethod | None]:
        return _by_id(PaymentMethod)

    @cached_property
    def payment_method_by_stripe_id(self) -> DataLoader[str, PaymentMethod | None]:
        return _by_stripe_id(PaymentMethod)

    @cached_property
    def subscription(self) -> DataLoader[UUID, Subscription | None]:
        return _by_id(Subscription)

    @cached_property
    def subscription_by_stripe_id(self) -> DataLoader[str, Subscription | None]:
        return _by_stripe_id(Subscription)

    @cached_property
    def invoice(self) -> DataLoader[UUID, Invoice | None]:
        return _by_id(Invoice)

    @cached_property
    def invoice_by_stripe_id(self) -> DataLoader[str, Invoice | None]:
        return _by_stripe_id(Invoice)

    @cached_property
    def payment(self) -> DataLoader[UUID, Payment | None]:
        return _by_id(Payment)

    @cached_property
    def payment_by_stripe_id(self) -> DataLoader[str, Payment | None]:
        return _by_stripe_id(Payment)

    @cached_property
    def latest_payment_by_invoice(self) -> DataLoader[UUID, Payment | None]:
        return DataLoader(_latest_payment_by_invoice)

    @cached_property
    def customer_payment_methods(self) -> DataLoader[PageKey, list[PaymentMethod]]:
        return _pages(PaymentMethod, "customer_id")

    @cached_property
    def customer_subscriptions(self) -> DataLoader[PageKey, list[Subscription]]:
        return _pages(Subscription, "customer_id")

    @cached_property
    def customer_invoices(self) -> DataLoader[PageKey, list[Invoice]]:
        return _pages(Invoice, "customer_id")

    @cached_property
    def customer_payments(self) -> DataLoader[PageKey, list[Payment]]:
        return _pages(Payment, "customer_id")

    @cached_property
    def subscription_invoices(self) -> DataLoader[PageKey, list[Invoice]]:
        return _pages(Invoice, "subscription_id")

    @cached_property
    def payment_refunds(self) -> DataLoader[PageKey, list[Refund]]:
        return _pages(Refund, "payment_id")
