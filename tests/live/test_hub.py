"""The per-process fan-out hub (`live.hub`) on an in-memory bus: fan-out, slow subscribers, filters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest_asyncio

from base.principals import Principal
from live.bus import InMemoryBus, StatusKind, StatusMessage
from live.hub import LiveHub, LiveSubscription, status_filter
from tests.support.poll import wait_until


def message(
    n: int = 0, *, kind: StatusKind = "payment", customer_id: str | None = None, object_id: str | None = None
) -> StatusMessage:
    return StatusMessage(
        kind=kind,
        object_id=object_id or str(uuid.uuid4()),
        stripe_id=f"pi_{n}",
        customer_id=customer_id,
        status="succeeded",
        previous_status="processing",
        event_id=f"evt_{n}",
        occurred_at=datetime.now(UTC),
    )


@pytest_asyncio.fixture
async def bus_and_hub() -> AsyncIterator[tuple[InMemoryBus, LiveHub]]:
    bus = InMemoryBus()
    hub = LiveHub(bus=bus, queue_size=10)
    await hub.start()
    try:
        yield bus, hub
    finally:
        await hub.stop()


async def next_within(subscription: LiveSubscription, timeout: float = 2.0) -> StatusMessage:
    return await asyncio.wait_for(anext(subscription), timeout)


async def test_one_event_reaches_500_subscribers(bus_and_hub: tuple[InMemoryBus, LiveHub]) -> None:
    bus, hub = bus_and_hub
    subscribers = [hub.subscribe() for _ in range(500)]
    assert bus.subscriber_count == 1, "the hub holds ONE upstream subscription"
    sent = message(1)
    await bus.publish(sent)
    received = await asyncio.gather(*(next_within(s) for s in subscribers))
    assert received == [sent] * 500
    for subscriber in subscribers:
        await subscriber.aclose()
    assert hub.subscriber_count == 0


async def test_a_subscriber_that_never_reads_does_not_stop_the_others(
    bus_and_hub: tuple[InMemoryBus, LiveHub],
) -> None:
    bus, hub = bus_and_hub
    stuck = hub.subscribe()  # never read
    reader = hub.subscribe()
    got: list[StatusMessage] = []

    async def read(count: int) -> None:
        async for item in reader:
            got.append(item)
            if len(got) == count:
                return

    sent = [message(n) for n in range(50)]
    reading = asyncio.create_task(read(len(sent)))
    for item in sent:
        await bus.publish(item)
        await asyncio.sleep(0)  # let the hub and the reader run between messages
    await asyncio.wait_for(reading, 5)
    assert got == sent
    # The stuck one kept only its queue's worth: the newest 10, the 40 oldest were dropped and counted.
    assert stuck.dropped == 40
    assert hub.dropped == 40
    kept = [await next_within(stuck) for _ in range(10)]
    # The first of them tells the subscriber that messages were lost before it; the rest do not.
    assert [item.resumed_after_gap for item in kept] == [True] + [False] * 9
    assert [replace(item, resumed_after_gap=False) for item in kept] == sent[-10:]
    assert all(not item.resumed_after_gap for item in got)


async def test_a_resubscription_flags_the_next_message_after_those_already_queued(
    bus_and_hub: tuple[InMemoryBus, LiveHub],
) -> None:
    bus, hub = bus_and_hub
    subscriber = hub.subscribe()
    before = message(1)
    await bus.publish(before)
    await asyncio.sleep(0)
    hub._subscribed()  # what the Redis loop does once it has subscribed again after a loss
    after = [message(2), message(3)]
    for item in after:
        await bus.publish(item)
    received = [await next_within(subscriber) for _ in range(3)]
    assert received == [before, replace(after[0], resumed_after_gap=True), after[1]]
    late = hub.subscribe()  # subscribed after the gap: nothing to flag
    await bus.publish(message(4))
    assert (await next_within(late)).resumed_after_gap is False


async def test_stop_ends_every_subscription(bus_and_hub: tuple[InMemoryBus, LiveHub]) -> None:
    bus, hub = bus_and_hub
    subscriber = hub.subscribe()
    waiting = asyncio.create_task(anext(subscriber))
    await asyncio.sleep(0)
    await hub.stop()
    assert bus.subscriber_count == 0
    try:
        await asyncio.wait_for(waiting, 2)
    except StopAsyncIteration:
        pass
    else:
        raise AssertionError("iteration should end when the hub stops")


async def test_filters_by_kind_customer_and_object(bus_and_hub: tuple[InMemoryBus, LiveHub]) -> None:
    bus, hub = bus_and_hub
    mine, theirs, target = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api_key = Principal(kind="api_key", id="k")
    session = Principal(kind="customer_session", id="s", customer_id=mine)

    everything = hub.subscribe(status_filter(api_key, "payment", None, None))
    of_customer = hub.subscribe(status_filter(api_key, "payment", theirs, None))
    of_object = hub.subscribe(status_filter(api_key, "payment", None, target))
    own_session = hub.subscribe(status_filter(session, "payment", None, None))
    invoices = hub.subscribe(status_filter(api_key, "invoice", None, None))
    last = hub.subscribe(status_filter(api_key, "subscription", None, None))

    sent = [
        message(0, customer_id=str(mine)),
        message(1, customer_id=str(theirs)),
        message(2, customer_id=str(theirs), object_id=str(target)),
        message(3, customer_id=None),
        message(4, kind="invoice", customer_id=str(mine)),
    ]
    for item in sent:
        await bus.publish(item)
    end = message(99, kind="subscription")
    await bus.publish(end)
    # The hub offers messages in order: once `end` arrives, every earlier one was offered too.
    assert await next_within(last) == end

    def drain(subscription: LiveSubscription) -> list[str]:
        events: list[str] = []
        while not subscription._queue.empty():
            item = subscription._queue.get_nowait()
            assert isinstance(item, StatusMessage)
            events.append(item.event_id)
        return events

    assert drain(everything) == ["evt_0", "evt_1", "evt_2", "evt_3"]
    assert drain(of_customer) == ["evt_1", "evt_2"]
    assert drain(of_object) == ["evt_2"]
    assert drain(own_session) == ["evt_0"], "a session sees only its own customer's events"
    assert drain(invoices) == ["evt_4"]


async def test_a_reader_that_gave_up_waiting_still_gets_the_next_message(
    bus_and_hub: tuple[InMemoryBus, LiveHub],
) -> None:
    bus, hub = bus_and_hub
    subscriber = hub.subscribe()
    for _ in range(3):  # timed out waits leave nothing behind that could swallow a wake-up
        try:
            await next_within(subscriber, timeout=0.01)
        except TimeoutError:
            pass
        else:
            raise AssertionError("nothing was published yet")
    sent = message(1)
    await bus.publish(sent)
    assert await next_within(subscriber) == sent
    assert subscriber._queue.empty()


async def test_two_readers_of_one_subscription_share_its_messages(bus_and_hub: tuple[InMemoryBus, LiveHub]) -> None:
    bus, hub = bus_and_hub
    subscriber = hub.subscribe()
    readers = [asyncio.create_task(next_within(subscriber)) for _ in range(2)]
    await asyncio.sleep(0)
    sent = [message(1), message(2)]
    for item in sent:
        await bus.publish(item)
    assert sorted((await asyncio.gather(*readers)), key=lambda item: item.event_id) == sent


async def test_an_idle_subscription_holds_no_buffer() -> None:
    hub = LiveHub(bus=InMemoryBus(), queue_size=2)
    await hub.start()
    try:
        subscriber = hub.subscribe()
        queue = subscriber._queue
        assert (queue.empty(), queue.full(), queue.qsize()) == (True, False, 0)
        waiting = asyncio.create_task(anext(subscriber))
        await asyncio.sleep(0)
        hub.dispatch(message(1))
        assert (await waiting).event_id == "evt_1"
        assert queue._items is None, "drained: its deque is let go"
        for n in range(2, 5):
            hub.dispatch(message(n))
        assert (queue.qsize(), queue.full(), subscriber.dropped) == (2, True, 1)
        assert [(await next_within(subscriber)).event_id for _ in range(2)] == ["evt_3", "evt_4"]
    finally:
        await hub.stop()


async def test_an_overflowing_subscriber_is_told_the_outbox_cursor_to_resume_from(
    bus_and_hub: tuple[InMemoryBus, LiveHub],
) -> None:
    bus, hub = bus_and_hub
    stuck = hub.subscribe()  # reads only after 25 changes (sequences 101..125) were published
    sent = [replace(message(n), sequence=101 + n) for n in range(25)]
    for item in sent:
        await bus.publish(item)
    await wait_until(lambda: hub.received == len(sent), "the hub received every message")
    kept = [await next_within(stuck) for _ in range(10)]
    # 101..115 were dropped: the first frame says so, and that the outbox has them after cursor 100.
    assert (kept[0].resumed_after_gap, kept[0].resume_after, kept[0].sequence) == (True, 100, 116)
    assert all(item.resume_after is None and not item.resumed_after_gap for item in kept[1:])
    assert "resume_after" not in kept[0].to_json() and '"sequence":116' in kept[0].to_json()
    assert StatusMessage.from_json(kept[0].to_json()) == sent[15]
