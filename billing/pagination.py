"""Cursor pagination over a queryset, newest first, for every Relay connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from uuid import UUID

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, InvalidIdError, decode_cursor, encode_cursor
from runtime.hydrate import fetch_whole_rows
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


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str] | None = None,
) -> Iterator[FieldNode]:
    """The fields a selection set always selects, through fragments; conditional ones (any directive) left out."""
    if selection_set is None:
        return
    seen = set() if seen is None else seen
    for selection in selection_set.selections:
        if selection.directives:
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            # Fragments with arguments (graphql-core's experimental fragment variables) are left out.
            if name in seen or fragment is None:
                continue
            if fragment.variable_definitions or getattr(selection, "arguments", None):
                continue
            seen.add(name)
            yield from _fields(fragment.selection_set, fragments, seen)


_NO_VALUE = object()


def _argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    """The value of a nullable argument whose default is null, as graphql-core coerces it; `_NO_VALUE` if unsure."""
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value: ValueNode = argument.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value)  # a variable left out leaves the default (null)
        if isinstance(value, NullValueNode):
            return None
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, StringValueNode):
            return value.value
        return _NO_VALUE
    return None


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
        for edges in _fields(connection.selection_set, fragments):
            if edges.name.value != "edges":
                continue
            for node in _fields(edges.selection_set, fragments):
                if node.name.value != "node":
                    continue
                for nested in _fields(node.selection_set, fragments):
                    key = fields.get(nested.name.value)
                    if key is None:
                        continue
                    first = _argument(nested, "first", variables)
                    after = _argument(nested, "after", variables)
                    if (first is not None and type(first) is not int) or (after is not None and type(after) is not str):
                        continue
                    try:
                        size = check_page_args(first, after)
                    except GraphQLError:
                        continue
                    found.setdefault(key, set()).add((size, decode_cursor(after) if after is not None else None))
    return found
