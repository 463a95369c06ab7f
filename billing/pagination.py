"""Cursor pagination over a queryset, newest first (`paginate`), and the nested pages a selection asks for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

from base.ids import decode_cursor
from billing.loaders import fetch_whole_rows
from billing.pages import Page, check_page_args

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def paginate(qs: QuerySet[M], first: int | None, after: str | None, *, whole_rows: bool = False) -> Page[M]:
    """One page of `qs` ordered by primary key (time-ordered UUIDs), newest first.

    `whole_rows`: `qs` selects plain whole rows (no select_related, prefetch, annotate, only),
    which are then built into models more cheaply (`billing.loaders.fetch_whole_rows`).
    """
    size = check_page_args(first, after)
    if after is not None:
        qs = qs.filter(id__lt=decode_cursor(after))
    qs = qs.order_by("-id").limit(size + 1)
    rows: list[M] = await (fetch_whole_rows(qs) if whole_rows else qs)
    return Page.of(rows, size, after)


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
