"""The Dramatiq wiring in-process: routing, retry policy, and embedded mode end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dramatiq.brokers.stub import StubBroker

from base.settings import Settings
from live.bus import InMemoryBus
from models import EventStatus, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from tasks.actors import MAX_RETRIES, RETRY_EXHAUSTED_ACTOR, should_retry
from tasks.broker import QUEUE, LoopEnqueuer, configure_broker, enqueue_event, reset_broker
from tasks.outgoing import OUTGOING_ACTOR, OUTGOING_QUEUE
from tasks.usage import USAGE_ACTOR, USAGE_QUEUE
from tasks.worker import start_embedded_worker
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.inbox import customer_event, insert_event, wait_for_status
from tests.support.localstripe import LocalStripe
from tests.support.redis_server import RedisServer
from webhooks.families import FAMILIES, actor_name
from webhooks.processing import TransientEventError
from webhooks.replay import replay


@pytest.fixture
def stub_broker() -> Iterator[StubBroker]:
    broker = configure_broker(Settings(_env_file=None))  # type: ignore[call-arg]
    assert isinstance(broker, StubBroker)
    yield broker
    reset_broker()


def test_every_family_has_its_actor_on_the_webhooks_queue(stub_broker: StubBroker) -> None:
    declared = stub_broker.get_declared_actors()
    own = {USAGE_ACTOR, OUTGOING_ACTOR}
    assert {actor_name(family) for family in FAMILIES} | {RETRY_EXHAUSTED_ACTOR} | own == declared
    for name in declared - own:
        assert stub_broker.get_actor(name).queue_name == QUEUE
    # Usage forwarding has a queue of its own: a backlog of meter events never delays webhooks.
    assert stub_broker.get_actor(USAGE_ACTOR).queue_name == USAGE_QUEUE != QUEUE
    # So have outgoing webhooks: a receiver that is down never delays the inbox.
    assert stub_broker.get_actor(OUTGOING_ACTOR).queue_name == OUTGOING_QUEUE not in (QUEUE, USAGE_QUEUE)


def test_enqueue_event_sends_the_row_id_to_the_family_actor(stub_broker: StubBroker) -> None:
    row_id = UUID("0190f1e0-0000-7000-8000-000000000001")
    enqueue_event(row_id, "customer.subscription.updated")
    enqueue_event(row_id, "balance.available")  # ignored type: nothing sent
    queue = stub_broker.queues[QUEUE]
    assert queue.qsize() == 1
    from dramatiq import Message

    message = Message.decode(queue.get_nowait())
    assert message.actor_name == "stripe.subscription"
    assert message.args == (str(row_id),)


async def test_loop_enqueuer_sends_what_dramatiq_send_sends(redis_url: str) -> None:
    """The receiver's on-loop enqueue puts the same message on the Redis queue as `actor.send`."""
    settings = Settings(_env_file=None, redis_url=redis_url)  # type: ignore[call-arg]
    broker = configure_broker(settings)
    enqueuer = LoopEnqueuer(settings)
    try:
        by_loop, by_send = UUID(int=1), UUID(int=2)
        await enqueuer(by_loop, "invoice.paid")
        await enqueuer(by_loop, "balance.available")  # ignored type: nothing sent
        await asyncio.to_thread(enqueue_event, by_send, "invoice.paid")

        def received() -> list[Any]:
            consumer = broker.consume(QUEUE, prefetch=10, timeout=200)
            messages = []
            for proxy in consumer:
                if proxy is None:
                    break
                messages.append(proxy)
                consumer.ack(proxy)
            consumer.close()
            return messages

        messages = await asyncio.to_thread(received)
    finally:
        await enqueuer.aclose()
        reset_broker()
    assert [(m.actor_name, m.args) for m in messages] == [
        ("stripe.invoice", (str(by_loop),)),
        ("stripe.invoice", (str(by_send),)),
    ]
    by_loop_message, by_send_message = messages
    assert by_loop_message.queue_name == by_send_message.queue_name == QUEUE
    assert by_loop_message.options.keys() == by_send_message.options.keys()
    assert by_loop_message.options["redis_message_id"] != by_send_message.options["redis_message_id"]


async def test_loop_enqueuer_sends_the_first_message_after_a_redis_restart(test_logs: Path) -> None:
    """The first enqueue after a restart meets a dead pooled connection: it is sent again on a fresh one."""
    server = RedisServer(test_logs)
    server.start()
    settings = Settings(_env_file=None, redis_url=server.url)  # type: ignore[call-arg]
    broker = configure_broker(settings)
    enqueuer = LoopEnqueuer(settings)
    try:
        await enqueuer(UUID(int=4), "customer.created")  # opens the pooled connection
        server.stop()
        server.start()
        await enqueuer(UUID(int=5), "customer.created")
        queued = await asyncio.to_thread(broker.client.lrange, f"{broker.namespace}:{QUEUE}", 0, -1)
    finally:
        await enqueuer.aclose()
        reset_broker()
        server.stop()
    assert len(queued) == 1  # the restart emptied the queue; the second message is there


async def test_loop_enqueuer_uses_the_stub_broker_without_redis(stub_broker: StubBroker) -> None:
    enqueuer = LoopEnqueuer(Settings(_env_file=None))  # type: ignore[call-arg]
    await enqueuer(UUID(int=3), "customer.created")
    await enqueuer.aclose()
    from dramatiq import Message

    message = Message.decode(stub_broker.queues[QUEUE].get_nowait())
    assert (message.actor_name, message.args) == ("stripe.customer", (str(UUID(int=3)),))


def test_retry_policy() -> None:
    transient = TransientEventError(UUID(int=1), "stripe down")
    assert should_retry(0, transient)
    assert should_retry(MAX_RETRIES - 1, transient)
    assert not should_retry(MAX_RETRIES, transient)
    assert should_retry(0, ConnectionResetError())
    assert not should_retry(0, ValueError("a bug: never retried"))


async def test_embedded_worker_applies_events_on_the_server_loop(
    pg_database_factory: PgDatabaseFactory, localstripe: LocalStripe
) -> None:
    """Embedded mode: StubBroker + worker threads, Tortoise opened on THIS loop (as uvicorn's lifespan does)."""
    database_url = await pg_database_factory()
    async with tortoise_on(database_url, stripe_api_base=localstripe.url, stripe_api_key="sk_test_x") as settings:
        stripe = StripeAdapter(settings)
        bus = InMemoryBus()
        handle = start_embedded_worker(settings, asyncio.get_running_loop(), stripe=stripe, publisher=bus)
        try:
            rows = [
                await insert_event(customer_event(f"evt_embedded_{n}", email=f"n{n}@example.com")) for n in range(5)
            ]
            for row in rows:
                await asyncio.to_thread(enqueue_event, row.id, row.type)
            for row in rows:
                done = await wait_for_status(row.id, EventStatus.PROCESSED)
                assert done.attempts == 1
            # Replay of a processed row re-applies it (idempotently).
            replayed = await replay(rows[0].stripe_event_id, send=enqueue_event)
            assert [r.sent for r in replayed] == [True]
            again = await wait_for_status(rows[0].id, EventStatus.PROCESSED)
            assert again.attempts == 2
        finally:
            await handle.aclose()
            await stripe.aclose()


async def test_embedded_worker_marks_a_row_failed_when_the_actor_gives_up(
    pg_database_factory: PgDatabaseFactory, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-transient exception escaping process_event is not retried: the exhausted hook marks the row failed."""
    import tasks.actors

    async def broken(event_row_id: UUID, stripe: object, publisher: object) -> EventStatus:
        await WebhookEvent.filter(id=event_row_id).update(status=EventStatus.PROCESSING)
        raise ValueError("a bug in apply")

    monkeypatch.setattr(tasks.actors, "process_event", broken)
    database_url = await pg_database_factory()
    async with tortoise_on(database_url, stripe_api_base=localstripe.url, stripe_api_key="sk_test_x") as settings:
        handle = start_embedded_worker(settings, asyncio.get_running_loop(), publisher=InMemoryBus())
        try:
            row = await insert_event(customer_event("evt_broken"))
            await asyncio.to_thread(enqueue_event, row.id, row.type)
            failed = await wait_for_status(row.id, EventStatus.FAILED)
            assert failed.last_error is not None
            assert "ValueError: a bug in apply" in failed.last_error
        finally:
            await handle.aclose()
