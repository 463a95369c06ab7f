"""Cursor pagination over a queryset, newest first, for every Relay connection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from graphql import FieldNode, FragmentDefinitionNode, GraphQLError
from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, InvalidIdError, decode_cursor, encode_cursor
from runtime.hydrate import fetch_whole_rows
from runtime.selection import argument_value, fields_of
from schema.relay import Connection, Edge, PageInfo

M = TypeVar("M", bound=Model)
T = TypeVar("T")


def check_page_args(first: int | None, after: str | None) -> int:
    """The page size to fetch; raises a GraphQL error with code VALIDATION_FAILED."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise GraphQLError(
            f"`first` must be between 0 and {MAX_PAGE_SIZE}", extensions={"code": ErrorCode.VALIDATION_FAILED}
        )
    if after is not None:
        try:
            decode_cursor(after)
        except InvalidIdError as exc:
            raise GraphQLError(str(exc), extensions={"code": ErrorCode.VALIDATION_FAILED}) from None
    return size


async def paginate(
    qs: QuerySet[M], first: int | None, after: str | None, convert: Callable[[M], T], *, whole_rows: bool = False
) -> Connection[T]:
    """One page of `qs` ordered by primary key (time-ordered UUIDs), newest first.

    `whole_rows`: `qs` selects plain whole rows (no select_related, prefetch, annotate, only),
    which are then built into models more cheaply (`runtime.hydrate.fetch_whole_rows`).
    """
    size = check_page_args(first, after)
    if after is not None:
        qs = qs.filter(id__lt=decode_cursor(after))
    qs = qs.order_by("-id").limit(size + 1)
    rows: list[Any] = await (fetch_whole_rows(qs) if whole_rows else qs)
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


def nested_pages(
    field_nodes: list[FieldNode],
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    fields: Mapping[str, T],
) -> dict[T, set[tuple[int, UUID | None]]]:
    """The pages a connection's `edges { node { … } }` asks of each nested connection named in `fields`.

    `fields` maps a nested connection's GraphQL name to what the result is keyed by (its loader);
    each page is (size, primary key behind `after` or None). Only unconditional selections count,
    and a page whose arguments are invalid is left out: its field reports the error when it resolves.
    What this finds is only a hint for fetching ahead; the nested fields answer right without it.
    """
    found: dict[T, set[tuple[int, UUID | None]]] = {}
    for connection in field_nodes:
        for edges in fields_of(connection.selection_set, fragments, unconditional=True):
            if edges.name.value != "edges":
                continue
            for node in fields_of(edges.selection_set, fragments, unconditional=True):
                if node.name.value != "node":
                    continue
                for nested in fields_of(node.selection_set, fragments, unconditional=True):
                    key = fields.get(nested.name.value)
                    if key is None:
                        continue
                    # A variable left out leaves the default (null); a literal of another kind is `NO_VALUE`.
                    first = argument_value(nested, "first", variables)
                    after = argument_value(nested, "after", variables)
                    if (first is not None and type(first) is not int) or (after is not None and type(after) is not str):
                        continue
                    try:
                        size = check_page_args(first, after)
                    except GraphQLError:
                        continue
                    found.setdefault(key, set()).add((size, decode_cursor(after) if after is not None else None))
    return found
