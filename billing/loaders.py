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

A list resolver that has its parents in hand (a page of customers) can fill a page
loader ahead (`PageLoader.prefetch`): the same statement, run once for the whole
page, and each parent's nested field then answers from `PageLoader.ready` without an
awaitable of its own (`page_of`). Any other caller goes through the DataLoader.

Rows of the window statements become model instances through `runtime.hydrate.hydrate`, which
makes what Tortoise's `Model._init_from_db` makes, without its per-row overheads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order
from pypika_tortoise.queries import Table
from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery
from tortoise.models import Model

from base.ids import decode_cursor
from billing.pages import Page, check_page_args
from models import Customer, Dispute, Invoice, Payment, PaymentMethod, Price, Refund, Subscription, SubscriptionItem
from runtime.hydrate import fetch_whole_rows, hydrate
from runtime.statement_templates import select_rows

M = TypeVar("M", bound=Model)

PageKey = tuple[UUID, int, UUID | None]
"""A nested page: (parent primary key, page size, primary key behind `after` or None)."""

_PAGE_ALIAS = "_page"
_ROW_NUMBER = "_page_row"


_TEMPLATE_MAX_KEYS = 8
"""Batches of up to this many keys run a statement text built once per size (`runtime.statement_templates`);
bigger ones (lists) are built each time, where building is a small part of the request."""


async def _rows_where_in(model: type[M], column: str, keys: list[Any]) -> list[M]:
    if len(keys) > _TEMPLATE_MAX_KEYS:
        return await fetch_whole_rows(model.filter(**{f"{column}__in": keys}))
    return await select_rows(
        model, ("in", column, len(keys)), lambda *values: model.filter(**{f"{column}__in": list(values)}), *keys
    )


def _by_id(model: type[M]) -> DataLoader[UUID, M | None]:
    async def batch(keys: Sequence[UUID]) -> list[M | None]:
        rows = {row.pk: row for row in await _rows_where_in(model, "id", list(keys))}
        return [rows.get(key) for key in keys]

    return DataLoader(batch)


def _by_stripe_id(model: type[M]) -> DataLoader[str, M | None]:
    async def batch(keys: Sequence[str]) -> list[M | None]:
        found = await _rows_where_in(model, "stripe_id", list(keys))
        rows = {getattr(row, "stripe_id"): row for row in found}  # noqa: B009
        return [rows.get(key) for key in keys]

    return DataLoader(batch)


_WINDOW_SQL: dict[tuple[Any, ...], str] = {}
"""The text of the window statement by its shape (see `window_pages`); building it costs more than running it."""
_WINDOW_SQL_MAX = 512
_WINDOW_SQL_MAX_PARENTS = 128
"""Statements for more parents than this (nested under nested lists) are built every time, not kept."""


def _window_sql(
    model: type[Model], parent_column: str, ids: list[UUID], limit: int, before: UUID | None
) -> tuple[str, list[Any]]:
    """The window statement of `window_pages` and its values, as Tortoise and pypika build them."""
    table = model._meta.basetable
    number = RowNumber().over(table[parent_column]).orderby(table.id, order=Order.desc)
    # Tortoise builds the inner query, so its filters convert values the way every other query does.
    inner_qs = model.filter(**{f"{parent_column}__in": ids})
    if before is not None:
        inner_qs = inner_qs.filter(id__lt=before)
    inner = Subquery(inner_qs.annotate(**{_ROW_NUMBER: number})).as_(_PAGE_ALIAS)
    page = Table(_PAGE_ALIAS)
    # A window function cannot be filtered in its own WHERE, hence the outer query on the subquery.
    outer = (
        model._meta.db.query_class.from_(inner)
        .select(*(page[column] for column in model._meta.db_fields))
        .where(page[_ROW_NUMBER] <= limit)
        .orderby(page[parent_column])
        .orderby(page.id, order=Order.desc)
    )
    sql, values = outer.get_parameterized_sql()
    return sql, list(values)


async def window_pages(
    model: type[M], parent_column: str, parent_ids: Iterable[UUID], limit: int, before: UUID | None = None
) -> dict[UUID, list[M]]:
    """Up to `limit` rows per parent, newest first, for every parent in ONE statement.

    `parent_column` is the foreign-key column (`customer_id`); `before` keeps rows
    whose primary key is below it (the `after` cursor of a page). The statement's text is
    built once per shape (number of parents, with or without a cursor, backend) and reused
    when Tortoise's values for it are the ones given here (the ids as text, then the
    cursor, then the limit), which it checks on the first build.
    """
    ids = list(dict.fromkeys(parent_ids))
    if not ids or limit <= 0:
        return {}
    db = model._meta.db
    # The statement's text depends only on these; its values are the ids, the cursor and the limit.
    shape = (model, parent_column, len(ids), before is not None, db.query_class, tuple(model._meta.db_fields))
    values = [*map(str, ids), *([str(before)] if before is not None else []), limit]
    sql = _WINDOW_SQL.get(shape)
    if sql is None:
        sql, built = _window_sql(model, parent_column, ids, limit, before)
        # Tortoise passes UUIDs as text: then the text can be reused with other values.
        if built == values and len(ids) <= _WINDOW_SQL_MAX_PARENTS:
            if len(_WINDOW_SQL) >= _WINDOW_SQL_MAX:
                _WINDOW_SQL.clear()
            _WINDOW_SQL[shape] = sql
        values = built
    # The rows are whole rows of the table and nothing is prefetched: `hydrate` is what
    # `execute_select` would do with them.
    _, records = await db.execute_query(sql, values)
    pages: dict[UUID, list[M]] = {}
    for row in hydrate(model, records):
        pages.setdefault(getattr(row, parent_column), []).append(row)
    return pages


class PageLoader(DataLoader[PageKey, list[M]]):
    """A loader of nested pages of `model` rows under their parent (`parent_column`).

    `ready` holds the pages a list resolver fetched ahead for its parents (`prefetch`):
    a nested field finds its page there and answers at once (`page_of`).
    """

    def __init__(self, model: type[M], parent_column: str) -> None:
        super().__init__(self._batch)
        self.model = model
        self.parent_column = parent_column
        self.ready: dict[PageKey, list[M]] = {}
        """Pages by key, each up to its size + 1 rows (the extra row answers `hasNextPage`)."""

    async def _batch(self, keys: Sequence[PageKey]) -> list[list[M]]:
        found = await self._fetch(keys)
        return [found[key] for key in keys]

    async def _fetch(self, keys: Iterable[PageKey]) -> dict[PageKey, list[M]]:
        by_cursor: dict[UUID | None, list[PageKey]] = {}
        for key in keys:
            by_cursor.setdefault(key[2], []).append(key)
        found: dict[PageKey, list[M]] = {}
        for before, group in by_cursor.items():
            # One statement per distinct cursor, sized for the largest page asked for.
            limit = max(size for _, size, _ in group) + 1
            parents = (parent for parent, _, _ in group)
            pages = await window_pages(self.model, self.parent_column, parents, limit, before)
            for key in group:
                found[key] = pages.get(key[0], [])[: key[1] + 1]
        return found

    async def prefetch(self, parent_ids: Sequence[UUID], pages: Iterable[tuple[int, UUID | None]]) -> None:
        """Fetch every parent's page for each (size, cursor) in `pages` into `ready`.

        As many statements as a batch of the same keys costs: one per distinct cursor.
        """
        wanted = {(parent, size, before) for size, before in pages for parent in parent_ids}
        self.ready.update(await self._fetch(key for key in wanted if key not in self.ready))


async def _latest_payment_by_invoice(keys: Sequence[UUID]) -> list[Payment | None]:
    pages = await window_pages(Payment, "invoice_id", keys, 1)
    return [pages.get(key, [None])[0] for key in keys]


async def _subscription_items(keys: Sequence[UUID]) -> list[list[SubscriptionItem]]:
    items: dict[UUID, list[SubscriptionItem]] = {key: [] for key in keys}
    for row in await SubscriptionItem.filter(subscription_id__in=list(keys)).order_by("created_at"):
        items[row.subscription_id].append(row)  # type: ignore[index]
    return [items[key] for key in keys]


def _page_key(parent_id: UUID, first: int | None, after: str | None) -> tuple[PageKey, int]:
    size = check_page_args(first, after)
    return (parent_id, size, decode_cursor(after) if after is not None else None), size


async def _load_page(loader: DataLoader[PageKey, list[M]], key: PageKey, size: int, after: str | None) -> Page[M]:
    return Page.of(await loader.load(key), size, after)


def page_of(
    loader: DataLoader[PageKey, list[M]], parent_id: UUID, first: int | None, after: str | None
) -> Page[M] | Awaitable[Page[M]]:
    """One page of a nested connection: at once when it was fetched ahead, else through its batching loader.

    Shaped like `pagination.paginate`; raises a GraphQL error (VALIDATION_FAILED) on bad arguments.
    """
    key, size = _page_key(parent_id, first, after)
    rows = loader.ready.get(key) if isinstance(loader, PageLoader) else None
    if rows is not None:
        return Page.of(rows, size, after)
    return _load_page(loader, key, size, after)


async def load_page(
    loader: DataLoader[PageKey, list[M]], parent_id: UUID, first: int | None, after: str | None
) -> Page[M]:
    """One page of a nested connection through its batching loader, shaped like `pagination.paginate`."""
    page = page_of(loader, parent_id, first, after)
    return page if isinstance(page, Page) else await page


class Loaders:
    """The loaders of one request, each built on first use (a loader caches for the request's lifetime only).

    A request or a live subscription uses a few of the 19: building them lazily saves most of
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
    def customer_payment_methods(self) -> PageLoader[PaymentMethod]:
        return PageLoader(PaymentMethod, "customer_id")

    @cached_property
    def customer_subscriptions(self) -> PageLoader[Subscription]:
        return PageLoader(Subscription, "customer_id")

    @cached_property
    def customer_invoices(self) -> PageLoader[Invoice]:
        return PageLoader(Invoice, "customer_id")

    @cached_property
    def customer_payments(self) -> PageLoader[Payment]:
        return PageLoader(Payment, "customer_id")

    @cached_property
    def subscription_invoices(self) -> PageLoader[Invoice]:
        return PageLoader(Invoice, "subscription_id")

    @cached_property
    def payment_refunds(self) -> PageLoader[Refund]:
        return PageLoader(Refund, "payment_id")

    @cached_property
    def price_by_stripe_id(self) -> DataLoader[str, Price | None]:
        return _by_stripe_id(Price)

    @cached_property
    def subscription_items(self) -> DataLoader[UUID, list[SubscriptionItem]]:
        """A subscription's items, oldest first (one statement for every subscription asked)."""
        return DataLoader(_subscription_items)

    @cached_property
    def payment_disputes(self) -> PageLoader[Dispute]:
        return PageLoader(Dispute, "payment_id")
