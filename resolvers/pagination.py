"""Cursor pagination over a queryset, newest first, for every Relay connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLError
from tortoise.models import Model
from tortoise.queryset import QuerySet

from schema.relay import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Connection,
    Edge,
    InvalidIdError,
    PageInfo,
    decode_cursor,
    encode_cursor,
)

M = TypeVar("M", bound=Model)
T = TypeVar("T")


def check_page_args(first: int | None, after: str | None) -> int:
    """The page size to fetch; raises a GraphQL error with code VALIDATION_FAILED."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise GraphQLError(f"`first` must be between 0 and {MAX_PAGE_SIZE}", extensions={"code": "VALIDATION_FAILED"})
    if after is not None:
        try:
            decode_cursor(after)
        except InvalidIdError as exc:
            raise GraphQLError(str(exc), extensions={"code": "VALIDATION_FAILED"}) from None
    return size


async def paginate(qs: QuerySet[M], first: int | None, after: str | None, convert: Callable[[M], T]) -> Connection[T]:
    """One page of `qs` ordered by primary key (time-ordered UUIDs), newest first."""
    size = check_page_args(first, after)
    if after is not None:
        qs = qs.filter(id__lt=decode_cursor(after))
    rows: list[Any] = await qs.order_by("-id").limit(size + 1)
    has_next = len(rows) > size
    rows = rows[:size]
    edges = [Edge(cursor=encode_cursor(row.id), node=convert(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
