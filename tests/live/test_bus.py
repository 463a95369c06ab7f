"""The status message format and the buses that carry it (in-memory, and Redis pub/sub)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from base.redis_names import RedisNames
from base.settings import Settings
from live.bus import (
    InMemoryBus,
    RedisPublisher,
    StatusMessage,
    in_memory_bus,
    make_publisher,
)
from tests.support.redis_server import RedisServer


def message(status: str = "active", previous: str | None = "incomplete", event_id: str = "evt_1") -> StatusMessage:
    return StatusMessage(
        kind="subscription",
        object_id="0190f1e0-0000-7000-8000-000000000001",
        stripe_id="sub_1",
        customer_id="0190f1e0-0000-7000-8000-000000000002",
        status=status,
        previous_status=previous,
        event_id=event_id,
        occurred_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_json_round_trip() -> None:
    original = message()
    assert StatusMessage.from_json(original.to_json()) == original
    new_row = message(previous=None)
    assert StatusMessage.from_json(new_row.to_json()).previous_status is None
    assert '"occurred_at":"2025-01-02T03:04:05+00:00"' in original.to_json()


@pytest.mark.parametrize("raw", ["not json", "[]", '{"kind": "customer"}', '{"kind": "payment"}'])
def test_from_json_rejects_foreign_messages(raw: str) -> None:
    with pytest.raises(ValueError, match="not a status message"):
        StatusMessage.from_json(raw)


async def test_in_memory_bus_fans_out_to_every_subscriber() -> None:
    bus = InMemoryBus()
    first, second = bus.subscribe(), bus.subscribe()
    await bus.publish(message())
    assert await asyncio.wait_for(anext(first), 1) == message()
    assert await asyncio.wait_for(anext(second), 1) == message()
    await first.aclose()
    assert bus.subscriber_count == 1
    async with second:
        await bus.publish(message(event_id="evt_2"))
        assert (await asyncio.wait_for(anext(second), 1)).event_id == "evt_2"
    assert bus.subscriber_count == 0


async def test_a_slow_subscriber_loses_the_oldest_messages_not_the_publisher_its_time() -> None:
    bus = InMemoryBus(queue_size=2)
    async with bus.subscribe() as slow:
        for n in range(5):
            await bus.publish(message(event_id=f"evt_{n}"))
        assert slow.dropped == 3
        assert [(await anext(slow)).event_id for _ in range(2)] == ["evt_3", "evt_4"]


async def test_a_worker_thread_may_publish_to_subscribers_on_another_loop() -> None:
    bus = InMemoryBus()
    async with bus.subscribe() as subscription:
        thread = threading.Thread(target=lambda: asyncio.run(bus.publish(message(event_id="evt_thread"))))
        thread.start()
        thread.join()
        assert (await asyncio.wait_for(anext(subscription), 1)).event_id == "evt_thread"


def test_make_publisher_picks_redis_only_when_configured() -> None:
    embedded = make_publisher(Settings(_env_file=None))  # type: ignore[call-arg]
    assert embedded is in_memory_bus()
    assert make_publisher(Settings(_env_file=None)) is embedded  # type: ignore[call-arg]
    assert isinstance(make_publisher(Settings(_env_file=None, redis_url="redis://127.0.0.1:1/0")), RedisPublisher)  # type: ignore[call-arg]


async def test_redis_publisher_publishes_json_on_the_channel(redis_url: str) -> None:
    listener = aioredis.Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    names = RedisNames.for_url(redis_url)
    await pubsub.subscribe(names.status_channel)
    assert (await pubsub.get_message(timeout=2))["type"] == "subscribe"  # type: ignore[index]
    publisher = RedisPublisher(redis_url, names)
    try:
        await publisher.publish(message())
        received = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert received is not None
        assert StatusMessage.from_json(received["data"]) == message()
    finally:
        await publisher.aclose()
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await listener.aclose()


def test_the_local_gap_flag_is_never_published() -> None:
    flagged = replace(message(), resumed_after_gap=True)
    assert "resumed_after_gap" not in flagged.to_json()
    assert StatusMessage.from_json(flagged.to_json()) == message()


async def test_the_first_publish_after_redis_restarts_is_sent_on_a_fresh_connection(test_logs: Path) -> None:
    server = RedisServer(test_logs)
    server.start()
    names = RedisNames.for_url(server.url)
    publisher = RedisPublisher(server.url, names)
    listener = aioredis.Redis.from_url(server.url)
    try:
        await publisher.publish(message(event_id="evt_before"))  # the publisher now holds a connection
        server.stop()
        server.start()
        pubsub = listener.pubsub()
        await pubsub.subscribe(names.status_channel)
        assert (await pubsub.get_message(timeout=2))["type"] == "subscribe"  # type: ignore[index]
        await publisher.publish(message(event_id="evt_after"))  # its connection died with the old server
        received = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert received is not None
        assert StatusMessage.from_json(received["data"]).event_id == "evt_after"
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    finally:
        await publisher.aclose()
        await listener.aclose()
        server.stop()
