"""Relay types: the Node interface, connections, edges and page info (ids and cursors: `base.ids`)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")

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
