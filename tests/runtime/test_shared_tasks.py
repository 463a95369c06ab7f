"""`runtime.shared_tasks.SharedTask`: many waiters on one task, each leaving alone."""

from __future__ import annotations

import asyncio

import pytest

from runtime.shared_tasks import SharedTask


async def test_every_waiter_gets_the_task_and_one_leaving_cancels_nothing_else() -> None:
    release = asyncio.Event()

    async def work() -> str:
        await release.wait()
        return "done"

    shared = SharedTask(asyncio.ensure_future(work()))
    leaving, staying = shared.settled(), shared.settled()
    leaving.cancel()
    release.set()
    done = await staying
    assert done is shared.task and done.result() == "done"
    assert leaving.cancelled()
    late = shared.settled()
    assert late.done() and late.result() is shared.task, "a waiter after the end is answered at once"


async def test_a_failure_reaches_every_waiter() -> None:
    async def work() -> str:
        raise LookupError("gone")

    shared = SharedTask(asyncio.ensure_future(work()))
    for done in await asyncio.gather(shared.settled(), shared.settled()):
        with pytest.raises(LookupError):
            done.result()


async def test_a_failure_nobody_waits_for_is_retrieved() -> None:
    async def work() -> str:
        raise LookupError("nobody asked")

    shared = SharedTask(asyncio.ensure_future(work()))
    leaving = shared.settled()
    leaving.cancel()
    await asyncio.wait({shared.task})
    assert not shared.task._log_traceback  # type: ignore[attr-defined]  # asyncio's "never retrieved" flag
