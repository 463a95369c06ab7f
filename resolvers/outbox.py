"""The replayable event feed: the outbox (`billing.outbox`) read in sequence order after a cursor (admin keys)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphql import GraphQLError

from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from billing.event_catalogue import CATALOGUE
from billing.event_retention import pruned_through
from billing.outbox import pending_events
from billing.request_context import Context
from models import OutboxEvent

__all__ = ["FeedPage", "check_cursor", "check_types", "decode_sequence", "events"]


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Events oldest first; each one's cursor is its `sequence` as a decimal string."""

    rows: list[OutboxEvent]
    has_next: bool
    has_previous: bool

    @property
    def cursors(self) -> list[str]:
        return [str(row.sequence) for row in self.rows]


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.VALIDATION_FAILED})


def decode_sequence(after: str | None) -> int | None:
    """A feed cursor (a sequence, decimal) as an int; VALIDATION_FAILED for anything else."""
    if after is None:
        return None
    text = after.strip()
    if not text.isdigit() or len(text) > 19:
        raise _invalid("`after` must be an event cursor: the `sequence` of an event, a whole number")
    return int(text)


def check_types(types: Sequence[str] | None) -> list[str] | None:
    """The event types asked for, each one in the catalogue (docs/events.md); VALIDATION_FAILED else."""
    if types is None:
        return None
    unknown = sorted(set(types) - CATALOGUE.keys())
    if unknown:
        raise _invalid(f"unknown event types {unknown[:5]}: see docs/events.md")
    return list(types)


async def check_cursor(after: int | None) -> None:
    """CURSOR_EXPIRED when the outbox's retention pruned events after `after` (`billing.event_retention`)."""
    if after is None:
        return
    pruned = await pruned_through()
    if after < pruned:
        raise GraphQLError(
            f"events after cursor {after} were pruned by the retention window (through {pruned}): re-read the "
            f"objects you follow, then resume from `extensions.resumeAfter`",
            extensions={"code": ErrorCode.CURSOR_EXPIRED, "resumeAfter": str(pruned)},
        )


async def events(
    context: Context, first: int | None = None, after: str | None = None, types: Sequence[str] | None = None
) -> FeedPage:
    """Outbox events with `sequence > after`, oldest first (`types`: only those)."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise _invalid(f"`first` must be between 0 and {MAX_PAGE_SIZE}")
    cursor = decode_sequence(after)
    wanted = check_types(types)
    await check_cursor(cursor)
    rows = await pending_events(cursor, types=wanted, limit=size + 1)
    return FeedPage(rows=rows[:size], has_next=len(rows) > size, has_previous=cursor is not None)
