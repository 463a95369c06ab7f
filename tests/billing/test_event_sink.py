"""The NATS sink on PostgreSQL and the machine's JetStream: order, Nats-Msg-Id, position, dedupe, one publisher."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from base.settings import Settings
from billing.event_sink import SINK_LOCK, NatsSink, publish_pending
from billing.outbox import envelope, record_changes
from models import Customer, EventSinkPosition, OutboxEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.nats import NATS_URL, SinkStream, require_nats

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sink_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("event_sink")
    async with tortoise_on(url) as settings:
        yield settings


@pytest_asyncio.fixture(loop_scope="session")
async def stream() -> AsyncIterator[SinkStream]:
    await require_nats()
    made = SinkStream()
    yield made
    await made.delete()


def sink_settings(stream: SinkStream, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        event_sink_url=NATS_URL,
        event_sink_stream=stream.stream,
        event_sink_subject_prefix=stream.prefix,
        **extra,
    )


async def customers(count: int) -> list[OutboxEvent]:
    written = []
    for _ in range(count):
        tag = uuid.uuid4().hex[:14]
        # Never a bare hex tag as a token: all digits and Luhn-valid (~1 in 7,000), it is a "card" to the secret scan.
        row = await Customer.create(stripe_id=f"cus_{tag}", email=f"sink-{tag}@example.com")
        async with in_transaction():
            written += (await record_changes([row])).written
    return written


async def test_every_event_in_order_with_its_id_then_the_position_moves(sink_db: Settings, stream: SinkStream) -> None:
    await customers(3)
    everything = await OutboxEvent.all().order_by("sequence")
    sink = NatsSink(sink_settings(stream))
    await sink.open()
    try:
        first = await publish_pending(sink, limit=2)  # a round stops at its limit; the next goes on
        rest = await publish_pending(sink, limit=100)
        idle = await publish_pending(sink, limit=100)
    finally:
        await sink.aclose()
    assert (first.published, rest.published, idle.published) == (2, len(everything) - 2, 0)
    received = await stream.messages()
    assert [message.msg_id for message in received] == [str(event.id) for event in everything]
    assert [message.body for message in received] == [envelope(event) for event in everything]
    assert [message.subject for message in received] == [f"{stream.prefix}.{event.type}" for event in everything]
    assert received[0].headers["Billing-Object-Id"] == everything[0].object_id
    position = await EventSinkPosition.get(name=f"nats:{stream.stream}")
    assert position.sequence == everything[-1].sequence == idle.position


async def test_a_rewound_position_republishes_and_the_stream_drops_the_duplicates(
    sink_db: Settings, stream: SinkStream
) -> None:
    """The state a publisher killed between the PubAck and the position's commit leaves behind."""
    await customers(2)
    sink = NatsSink(sink_settings(stream))
    await sink.open()
    try:
        done = await publish_pending(sink, limit=1000)
        events = await OutboxEvent.all().order_by("sequence")
        assert done.published == len(events) and done.duplicates == 0
        rewind_to = events[-3].sequence
        await EventSinkPosition.filter(name=sink.name).update(sequence=rewind_to)
        await customers(1)  # and one new event after the crash
        again = await publish_pending(sink, limit=1000)
    finally:
        await sink.aclose()
    assert again.published == 3 and again.duplicates == 2
    received = await stream.messages()
    ids = [message.msg_id for message in received]
    assert len(ids) == len(set(ids)) == len(events) + 1
    assert ids == [str(event.id) for event in await OutboxEvent.all().order_by("sequence")]


async def test_the_stream_is_created_once_and_an_existing_one_is_kept(sink_db: Settings, stream: SinkStream) -> None:
    for _ in range(2):
        sink = NatsSink(sink_settings(stream, event_sink_duplicate_window_seconds=30))
        await sink.open()
        info = await sink.jetstream.stream_info(stream.stream)
        await sink.aclose()
        assert info.config.subjects == [f"{stream.prefix}.>"]
        assert info.config.duplicate_window == 30


async def test_a_second_publisher_skips_while_one_holds_the_lock(sink_db: Settings, stream: SinkStream) -> None:
    await customers(1)
    sink = NatsSink(sink_settings(stream))
    await sink.open()
    try:
        other = await asyncpg.connect(sink_db.effective_database_url)  # another process's session
        try:
            async with other.transaction():
                await other.execute("SELECT pg_advisory_xact_lock($1)", SINK_LOCK)
                blocked = await publish_pending(sink)
        finally:
            await other.close()
        free = await publish_pending(sink)
    finally:
        await sink.aclose()
    assert blocked.skipped and blocked.published == 0
    assert not free.skipped and free.published == await OutboxEvent.all().count()


async def test_an_unreachable_server_fails_the_open_and_publishes_nothing(sink_db: Settings) -> None:
    sink = NatsSink(Settings(_env_file=None, event_sink_url="nats://127.0.0.1:1"))  # type: ignore[call-arg]
    with pytest.raises(Exception):  # noqa: B017, PT011 - nats-py raises its own NoServersError
        await sink.open()
    assert await EventSinkPosition.filter(name=sink.name).count() == 0


async def test_embedded_mode_on_sqlite_publishes_without_a_lock(tmp_path: Path, stream: SinkStream) -> None:
    """Last in the module: it opens Tortoise on SQLite in place of the module's PostgreSQL database."""
    async with tortoise_on(f"sqlite://{tmp_path / 'sink.sqlite3'}"):
        written = await customers(2)
        sink = NatsSink(sink_settings(stream))
        await sink.open()
        try:
            done = await publish_pending(sink)
            again = await publish_pending(sink)
        finally:
            await sink.aclose()
        assert (done.published, again.published) == (2, 0)
        assert (await EventSinkPosition.get(name=sink.name)).sequence == written[-1].sequence
    assert [message.msg_id for message in await stream.messages()] == [str(event.id) for event in written]
