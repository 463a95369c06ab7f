"""`schema.relay`: a connection made from a domain page (the one place its `PageInfo` is built)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from base.ids import encode_cursor
from billing.pages import Page
from schema.relay import Connection


def test_a_connection_is_made_from_a_page() -> None:
    rows: list[Any] = [SimpleNamespace(pk=uuid.uuid4()) for _ in range(3)]
    connection = Connection.from_page(Page.of(rows, 2, None), lambda row: str(row.pk))
    assert [edge.node for edge in connection.edges] == [str(row.pk) for row in rows[:2]]
    assert [edge.cursor for edge in connection.edges] == [encode_cursor(row.pk) for row in rows[:2]]
    info = connection.page_info
    assert info.has_next_page and not info.has_previous_page
    assert (info.start_cursor, info.end_cursor) == (connection.edges[0].cursor, connection.edges[1].cursor)
    empty = Connection.from_page(Page.of([], 2, encode_cursor(uuid.uuid4())), str)
    assert empty.edges == [] and empty.page_info.start_cursor is None and empty.page_info.end_cursor is None
    assert empty.page_info.has_previous_page and not empty.page_info.has_next_page
