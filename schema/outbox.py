"""DomainEvent: one event of the transactional outbox, as the replayable feed (`events`) shows it (admin keys)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any, TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from billing.outbox import envelope
from live.outbox import outbox_feed
from models import OutboxEvent
from resolvers.outbox import FeedPage, check_cursor, check_types, decode_sequence
from schema.context import Info
from schema.relay import PageInfo

EventTypesFilter: TypeAlias = Annotated[
    list[str] | None,
    strawberry.argument(description='Only events of these types (docs/events.md), e.g. `["payment.succeeded"]`.'),
]
EventCursor: TypeAlias = Annotated[
    str | None,
    strawberry.argument(
        description="Only events after this cursor (an event's `sequence`, or an `endCursor`); none: from the oldest."
    ),
]
LiveEventCursor: TypeAlias = Annotated[
    str | None,
    strawberry.argument(
        description="First the events after this cursor (an event's `sequence`), then live ones; none: from now on."
    ),
]


@strawberry.type(
    description="A domain event of the transactional outbox: one change the gateway made or mirrored, written in "
    "the change's own transaction (docs/events.md). Not a `Node`: only admin keys read the feed."
)
class DomainEvent:
    id: strawberry.ID = strawberry.field(description="The event's stable id (a UUIDv7), the same on every replay.")
    type: str = strawberry.field(description="The event type, e.g. `payment.succeeded` (docs/events.md).")
    occurred_at: datetime = strawberry.field(description="When the change happened (UTC).")
    schema_version: int = strawberry.field(description="The version of the envelope's and the data's schema.")
    sequence: str = strawberry.field(
        description="The feed's cursor: increasing in commit order (a whole number, as a string)."
    )
    object_kind: str = strawberry.field(description="The kind of object changed, e.g. `payment`.")
    object_id: strawberry.ID = strawberry.field(description="The global id of the object changed.")
    customer_id: strawberry.ID | None = strawberry.field(
        description="The global id of the object's customer; null when it has none."
    )
    data: JSON = strawberry.field(
        description="The object as the GraphQL API showed it at that moment (its scalar fields, GraphQL names)."
    )
    envelope: JSON = strawberry.field(
        description="The whole event as it leaves the gateway (webhooks, stream sinks); its JSON Schema is in "
        "docs/events.json."
    )

    @classmethod
    def from_model(cls, row: OutboxEvent) -> DomainEvent:
        whole: dict[str, Any] = envelope(row)
        return cls(
            id=strawberry.ID(str(row.id)),
            type=row.type,
            occurred_at=row.occurred_at,
            schema_version=row.schema_version,
            sequence=str(row.sequence),
            object_kind=row.object_kind,
            object_id=strawberry.ID(row.object_id),
            customer_id=None if row.customer_id is None else strawberry.ID(row.customer_id),
            data=cast(JSON, row.data),
            envelope=cast(JSON, whole),
        )


@strawberry.type(description="One domain event of the feed and its cursor.")
class DomainEventEdge:
    cursor: str = strawberry.field(description="Pass it as `after` to get the events after this one.")
    node: DomainEvent = strawberry.field(description="The event.")


@strawberry.type(description="A page of the event feed, OLDEST first (in commit order).")
class DomainEventConnection:
    edges: list[DomainEventEdge] = strawberry.field(description="The events of this page, oldest first.")
    page_info: PageInfo = strawberry.field(description="Whether more events follow, and the cursors.")

    @classmethod
    def from_page(cls, page: FeedPage) -> DomainEventConnection:
        cursors = page.cursors
        return cls(
            edges=[
                DomainEventEdge(cursor=cursor, node=DomainEvent.from_model(row))
                for cursor, row in zip(cursors, page.rows, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )


async def live_events(
    info: Info, after: LiveEventCursor = None, types: EventTypesFilter = None
) -> AsyncGenerator[DomainEvent, None]:
    """The outbox after `after` (from now on when none), then each new event as it commits (`live.outbox`)."""
    cursor = decode_sequence(after)
    wanted = check_types(types)
    await check_cursor(cursor)
    async for row in outbox_feed(cursor, wanted):
        yield DomainEvent.from_model(row)
