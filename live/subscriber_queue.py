"""`SubscriberQueue`: the bounded queue of one subscriber, light while idle, never blocking whoever fills it.

Both kinds of live subscriber hold one: a subscriber of the in-memory bus (`live.bus`), and a
local GraphQL subscriber of the hub (`live.hub`). Whoever fills it only ever calls `offer`: when
the queue is full its OLDEST item is dropped to make room, so a subscriber that reads slowly, or
never, cannot delay the publisher or any other subscriber.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["SubscriberQueue"]


class SubscriberQueue(Generic[T]):
    """A bounded FIFO with `asyncio.Queue`'s `put_nowait`/`get_nowait`/`full`/`empty`, light while idle.

    A subscriber is idle nearly all its life, and there are thousands per process. An
    `asyncio.Queue` allocates four deques when it is made (its items, getters, putters, and its
    `join()` event's waiters: ~3 KiB); this holds no deque until an item arrives and lets it
    go once drained, and keeps its waiting getters in a list made on the first wait. Every put
    wakes every waiting getter, and each one checks again (one consumer per subscription in
    practice; with more, none can miss an item). There is no `put()`: the publisher never waits; and no
    `get()`: the reader awaits `wait()`'s future directly (one coroutine frame less per idle subscriber).
    All on one event loop: the loop of the subscriber.
    """

    __slots__ = ("_getters", "_items", "_maxsize")

    def __init__(self, maxsize: int = 0) -> None:
        self._maxsize = maxsize
        self._items: deque[T] | None = None
        self._getters: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        items = self._items
        return 0 if items is None else len(items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        """As `asyncio.Queue.full`: never full when `maxsize` <= 0."""
        return 0 < self._maxsize <= self.qsize()

    def put_nowait(self, item: T) -> None:
        if self.full():
            raise asyncio.QueueFull
        items = self._items
        if items is None:
            items = self._items = deque()
        items.append(item)
        getters = self._getters
        if getters:
            self._getters = None
            for getter in getters:
                if not getter.done():
                    getter.set_result(None)

    def offer(self, item: T) -> bool:
        """Put without ever waiting, dropping the oldest item when full; True when one was dropped."""
        dropped = False
        if self.full():
            self.get_nowait()
            dropped = True
        self.put_nowait(item)
        return dropped

    def peek(self) -> T | None:
        """The oldest item (the one `offer` drops when full), left in place; None when empty."""
        items = self._items
        return items[0] if items else None

    def get_nowait(self) -> T:
        items = self._items
        if not items:
            raise asyncio.QueueEmpty
        item = items.popleft()
        if not items:
            self._items = None
        return item

    def wait(self) -> asyncio.Future[None]:
        """A future done at the next put (await it directly, then check `empty()` again)."""
        getter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        getters = self._getters
        if getters is None:
            self._getters = [getter]
        else:
            getters[:] = [waiting for waiting in getters if not waiting.done()]  # the cancelled ones
            getters.append(getter)
        return getter
