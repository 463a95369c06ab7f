"""`live.subscriber_queue.SubscriberQueue`: bounded, drops the oldest, holds nothing while idle."""

from __future__ import annotations

import asyncio

import pytest

from live.subscriber_queue import SubscriberQueue


def test_offer_drops_the_oldest_when_full() -> None:
    queue: SubscriberQueue[int] = SubscriberQueue(2)
    assert [queue.offer(n) for n in range(4)] == [False, False, True, True]
    assert (queue.qsize(), queue.full()) == (2, True)
    assert [queue.get_nowait(), queue.get_nowait()] == [2, 3]
    assert queue.empty() and queue._items is None, "drained: its deque is let go"
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


def test_put_nowait_refuses_when_full_and_an_unbounded_queue_never_is() -> None:
    bounded: SubscriberQueue[int] = SubscriberQueue(1)
    bounded.put_nowait(1)
    with pytest.raises(asyncio.QueueFull):
        bounded.put_nowait(2)
    unbounded: SubscriberQueue[int] = SubscriberQueue()
    for n in range(1000):
        unbounded.put_nowait(n)
    assert not unbounded.full()


async def test_a_put_wakes_the_waiting_reader_and_a_cancelled_wait_is_forgotten() -> None:
    queue: SubscriberQueue[str] = SubscriberQueue(1)
    gave_up = queue.wait()
    gave_up.cancel()
    waiting = queue.wait()
    assert queue._getters == [waiting], "the cancelled wait is dropped on the next one"
    queue.offer("hello")
    await waiting
    assert queue.get_nowait() == "hello"
