"""`billing.pages`: a page of rows with its cursors, and the checks of `first`/`after`."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLError

from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, encode_cursor
from billing.pages import Page, check_page_args


def _rows(count: int) -> list[Any]:
    return [SimpleNamespace(pk=uuid.uuid4()) for _ in range(count)]


def test_a_page_keeps_its_size_and_the_extra_row_answers_has_next() -> None:
    rows = _rows(3)
    page = Page.of(rows, 2, None)
    assert page.rows == rows[:2]
    assert page.cursors == [encode_cursor(row.pk) for row in rows[:2]]
    assert [decode_cursor(cursor) for cursor in page.cursors] == [row.pk for row in rows[:2]]
    assert page.has_next and not page.has_previous


def test_the_last_page_after_a_cursor() -> None:
    rows = _rows(2)
    page = Page.of(rows, 2, encode_cursor(uuid.uuid4()))
    assert page.rows == rows
    assert not page.has_next and page.has_previous


def test_an_empty_page() -> None:
    page = Page.of(_rows(0), 0, None)
    assert page.rows == [] and page.cursors == []
    assert not page.has_next and not page.has_previous


def test_page_arguments() -> None:
    assert check_page_args(None, None) == DEFAULT_PAGE_SIZE
    assert check_page_args(MAX_PAGE_SIZE, encode_cursor(uuid.uuid4())) == MAX_PAGE_SIZE
    for first, after in ((-1, None), (MAX_PAGE_SIZE + 1, None), (1, "not a cursor")):
        with pytest.raises(GraphQLError) as raised:
            check_page_args(first, after)
        assert raised.value.extensions == {"code": ErrorCode.VALIDATION_FAILED}
