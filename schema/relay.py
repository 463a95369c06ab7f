"""Relay types: the Node interface, connections, edges and page info (ids and cursors: `base.ids`).

A connection is made from a domain page (`billing.pages.Page`) by `Connection.from_page`: the one
place a `PageInfo` is built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry
from tortoise.models import Model

from billing.pages import Page

T = TypeVar("T")
M = TypeVar("M", bound=Model)

# Descriptions shared by the fields every mirrored object has.
ID_DESCRIPTION = "The object's id: opaque and stable; use it wherever the API asks for this object's id."
CREATED_AT_DESCRIPTION = "When the object was created at Stripe."
CURRENCY_DESCRIPTION = "Three-letter ISO 4217 currency code, lower case (e.g. `usd`)."


@strawberry.interface(description="An object with an opaque, stable id.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's id: opaque and stable; `node(id:)` fetches it.")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow: ask with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(description="True when items come before this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item; null on an empty page.")


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass it as `after` to get the items after this one.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, newest first; ask for the next one with `after: endCursor`.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, newest first.")
    page_info: PageInfo = strawberry.field(description="Whether there are more pages, and their cursors.")

    @classmethod
    def from_page(cls, page: Page[M], convert: Callable[[M], T]) -> Connection[T]:
        """The connection of a page, each row made a GraphQL object by `convert`."""
        cursors = page.cursors
        return cls(
            edges=[Edge(cursor=cursor, node=convert(row)) for cursor, row in zip(cursors, page.rows, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )


def connection_of(
    page: Page[M] | Awaitable[Page[M]], convert: Callable[[M], T]
) -> Connection[T] | Awaitable[Connection[T]]:
    """`Connection.from_page` of a page that may still be coming (`billing.loaders.page_of`): at once if it is not."""
    if isinstance(page, Page):
        return Connection.from_page(page, convert)
    return _connection_later(page, convert)


async def _connection_later(page: Awaitable[Page[M]], convert: Callable[[M], T]) -> Connection[T]:
    return Connection.from_page(await page, convert)
