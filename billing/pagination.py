"""Cursor pagination over a queryset, newest first (`paginate`), and the nested pages a selection asks for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from graphql import FieldNode, FragmentDefinitionNode, GraphQLError
from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.ids import decode_cursor
from billing.pages import Page, check_page_args
from runtime.hydrate import fetch_whole_rows
from runtime.selection import argument_value, fields_of

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def paginate(qs: QuerySet[M], first: int | None, after: str | None, *, whole_rows: bool = False) -> Page[M]:
    """One page of `qs` ordered by primary key (time-ordered UUIDs), newest first.

    `whole_rows`: `qs` selects plain whole rows (no select_related, prefetch, annotate, only),
    which are then built into models more cheaply (`runtime.hydrate.fetch_whole_rows`).
    """
    size = check_page_args(first, after)
    if after is not None:
        qs = qs.filter(id__lt=decode_cursor(after))
    qs = qs.order_by("-id").limit(size + 1)
    rows: list[M] = await (fetch_whole_rows(qs) if whole_rows else qs)
    return Page.of(rows, size, after)


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
