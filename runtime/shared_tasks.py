"""`SharedTask`: one task many callers await, each on a future of its own.

One piece of work often serves many subscribers at once: a status message's row read and event
(`live.streams`), a subscription event's execution shared by identical subscribers
(`runtime.execution`). A caller that goes away (its subscriber left) cancels only its own future,
never the task the others wait for; and one plain future per caller is cheaper than an
`asyncio.shield` (a future and a callback) for each.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["SharedTask"]


class SharedTask(Generic[T]):
    """A task and the futures of those waiting for it (see the module docstring)."""

    __slots__ = ("_waiters", "task")

    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self._waiters: list[asyncio.Future[asyncio.Task[T]]] = []
        task.add_done_callback(self._settle)

    def _settle(self, task: asyncio.Task[T]) -> None:
        waiters, self._waiters = self._waiters, []
        if not task.cancelled():
            task.exception()  # retrieved even when every waiter left: no "never retrieved" warning
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(task)

    def settled(self) -> asyncio.Future[asyncio.Task[T]]:
        """A future of the caller's own, done with the (done) task once the task is done.

        Await it, then read the task: `.result()` raises the task's exception (CancelledError when it was
        cancelled). Cancelling this future leaves the task and every other waiter alone.
        """
        waiter: asyncio.Future[asyncio.Task[T]] = self.task.get_loop().create_future()
        if self.task.done():
            waiter.set_result(self.task)
        else:
            self._waiters.append(waiter)
        return waiter
