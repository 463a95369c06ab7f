"""A page of rows, newest first, with its cursors: what every list read answers (`schema/` makes it a connection)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from graphql import GraphQLError
from tortoise.models import Model

from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, InvalidIdError, decode_cursor, encode_cursor

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    """Rows of one page and the cursor of each (`cursors[i]` is `rows[i]`'s)."""

    rows: list[M]
    cursors: list[str]
    has_next: bool
    """More rows follow this page."""
    has_previous: bool
    """Rows come before this page (it was asked for `after` a cursor)."""

    @classmethod
    def of(cls, rows: Sequence[M], size: int, after: str | None) -> Page[M]:
        """The page of `size` rows from `rows`, fetched with one row more than `size` (that row answers `has_next`)."""
        kept = list(rows[:size])
        return cls(
            rows=kept,
            cursors=[encode_cursor(row.pk) for row in kept],
            has_next=len(rows) > size,
            has_previous=after is not None,
        )


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
