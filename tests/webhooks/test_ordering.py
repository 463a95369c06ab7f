"""The ordering decision (`webhooks.ordering.decide`): is an event's copy newer than the mirror row?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from webhooks.ordering import Existing, decide

AT = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def row(*, event_at: datetime | None, synced_at: datetime | None = None) -> Existing:
    return Existing(id=UUID(int=1), stripe_event_at=event_at, synced_at=synced_at, status=None)


def test_a_row_not_mirrored_yet_is_written() -> None:
    assert decide(AT, None) == "apply"


def test_a_newer_event_is_written_an_older_one_is_stale() -> None:
    assert decide(AT, row(event_at=AT - SECOND)) == "apply"
    assert decide(AT, row(event_at=AT + SECOND)) == "stale"


def test_the_same_second_is_unknowable_so_the_object_is_read_again() -> None:
    assert decide(AT, row(event_at=AT)) == "refetch"


def test_a_row_written_from_an_api_answer_after_the_event_is_in_doubt() -> None:
    assert decide(AT, row(event_at=None, synced_at=AT)) == "refetch"
    assert decide(AT, row(event_at=None, synced_at=AT + SECOND)) == "refetch"
    assert decide(AT, row(event_at=None, synced_at=AT - SECOND)) == "apply"
    assert decide(AT, row(event_at=None, synced_at=None)) == "apply"
