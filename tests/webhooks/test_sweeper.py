"""The inbox sweeper (`webhooks.sweeper`): which rows it sends again, and when, on PostgreSQL.

The sweeper sends through the callable it is given; here that records the rows instead of a broker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from models import EventStatus, WebhookEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.inbox import customer_event, insert_event
from webhooks import sweeper
from webhooks.claims import processing_stale_after


class Sent:
    """A `send` that records the rows handed to it."""

    def __init__(self) -> None:
        self.rows: list[tuple[UUID, str]] = []

    def __call__(self, row_id: UUID, event_type: str) -> None:
        self.rows.append((row_id, event_type))

    def take(self) -> set[UUID]:
        """The row ids sent since the last call."""
        taken = {row_id for row_id, _ in self.rows}
        self.rows.clear()
        return taken


async def test_sweeper_resends_forgotten_and_stale_rows(pg_database_factory: PgDatabaseFactory) -> None:
    database_url = await pg_database_factory()
    sent = Sent()
    async with tortoise_on(database_url) as settings:
        never_sent = await insert_event(customer_event("evt_never_sent"))
        just_sent = await insert_event(customer_event("evt_just_sent"), enqueued_at=datetime.now(UTC))
        processed = await insert_event(customer_event("evt_processed"), status=EventStatus.PROCESSED)
        stale = await insert_event(
            customer_event("evt_stale"),
            status=EventStatus.PROCESSING,
            attempts=1,
            processing_started_at=datetime.now(UTC) - processing_stale_after(settings) - timedelta(seconds=1),
        )
        later = datetime.now(UTC) + timedelta(seconds=settings.webhook_pending_grace_seconds + 1)

        result = await sweeper.sweep_once(settings, sent, now=later)
        assert (result.requeued_pending, result.requeued_stale, result.enqueue_failures) == (1, 1, 0)
        assert sent.take() == {never_sent.id, stale.id}
        assert (await WebhookEvent.get(id=stale.id)).status == EventStatus.PENDING
        assert (await WebhookEvent.get(id=stale.id)).attempts == 1
        assert (await WebhookEvent.get(id=processed.id)).status == EventStatus.PROCESSED
        # A second sweep in the same window sends nothing again (the claim moved enqueued_at).
        assert (await sweeper.sweep_once(settings, sent, now=later)).requeued_pending == 0
        # …but a row enqueued long ago and still pending (its message was lost) is sent again.
        much_later = later + timedelta(seconds=settings.webhook_requeue_after_seconds + 1)
        assert (await sweeper.sweep_once(settings, sent, now=much_later)).requeued_pending == 3
        assert just_sent.id in sent.take()


async def test_the_sweeper_windows_follow_the_settings_it_is_given(pg_database_factory: PgDatabaseFactory) -> None:
    """Not the process's settings read at import: a longer grace and stale window hold rows back."""
    database_url = await pg_database_factory()
    sent = Sent()
    async with tortoise_on(database_url) as settings:
        await insert_event(customer_event("evt_pending"))
        await insert_event(
            customer_event("evt_processing"),
            status=EventStatus.PROCESSING,
            attempts=1,
            processing_started_at=datetime.now(UTC),
        )
        patient = settings.model_copy(
            update={"webhook_pending_grace_seconds": 3600.0, "webhook_processing_stale_seconds": 3600.0}
        )
        later = datetime.now(UTC) + timedelta(
            seconds=max(settings.webhook_pending_grace_seconds, settings.webhook_processing_stale_seconds) + 1
        )
        result = await sweeper.sweep_once(patient, sent, now=later)
        assert (result.requeued_pending, result.requeued_stale) == (0, 0)
        result = await sweeper.sweep_once(settings, sent, now=later)
        assert (result.requeued_pending, result.requeued_stale) == (1, 1)
        assert len(sent.take()) == 2
