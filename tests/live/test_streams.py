"""`live.streams`: one status message's row is read, and its change presented, once for all subscribers."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from live import streams as live
from live.bus import StatusMessage
from live.streams import StatusChange


class _Rows:
    """Stands in for a Tortoise model: counts the reads."""

    reads = 0

    @classmethod
    async def get_or_none(cls, **_filters: Any) -> object:
        cls.reads += 1
        await asyncio.sleep(0.01)
        return object()


def _message(event_id: str) -> StatusMessage:
    return StatusMessage(
        kind="payment",
        object_id="00000000-0000-0000-0000-000000000001",
        stripe_id="pi_1",
        customer_id=None,
        status="succeeded",
        previous_status="processing",
        event_id=event_id,
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


async def test_one_read_and_one_event_per_message_for_every_subscriber() -> None:
    builds: list[StatusChange[Any]] = []

    def build(change: StatusChange[Any]) -> dict[str, Any]:
        builds.append(change)
        return {"event": change.event_id, "row": change.row}

    first = _message("evt_shared_1")
    waiting = [live._event(_Rows, first, build) for _ in range(5)]  # type: ignore[arg-type]
    events = await asyncio.gather(*waiting)
    late = await live._event(_Rows, first, build)  # type: ignore[arg-type]  # after the read finished
    assert all(event is events[0] for event in [*events, late])
    assert (_Rows.reads, len(builds)) == (1, 1)

    other = await live._event(_Rows, _message("evt_shared_2"), build)  # type: ignore[arg-type]
    assert other is not events[0]
    assert (_Rows.reads, len(builds)) == (2, 2)


async def test_a_subscriber_leaving_does_not_cancel_the_others_read() -> None:
    def build(change: StatusChange[Any]) -> str:
        return change.event_id

    message = _message("evt_shared_3")
    leaving = asyncio.ensure_future(live._event(_Rows, message, build))  # type: ignore[arg-type]
    staying = asyncio.ensure_future(live._event(_Rows, message, build))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    leaving.cancel()
    assert await staying == "evt_shared_3"


def test_the_kept_events_are_bounded() -> None:
    assert len(live._EVENTS) <= live.EVENTS_KEPT


async def test_a_failed_read_reaches_every_waiting_subscriber() -> None:
    def build(change: StatusChange[Any]) -> str:
        raise LookupError(change.event_id)

    message = _message("evt_shared_4")
    results = await asyncio.gather(*(live._event(_Rows, message, build) for _ in range(3)), return_exceptions=True)  # type: ignore[arg-type]
    assert all(isinstance(result, LookupError) for result in results)


def test_replayed_changes_are_told_once_then_forgotten() -> None:
    told = live._Replayed()
    replayed = replace(_message("evt_replayed"), sequence=7)
    told.add(replayed)
    told.add(replace(_message("evt_other"), object_id="00000000-0000-0000-0000-000000000002", sequence=8))
    assert told.repeats(replayed, now=1.0)  # the replay still runs: no deadline yet
    told.finished(now=10.0)
    assert told.repeats(replayed, now=10.0 + live.REPEATS_FOR_SECONDS - 0.1)
    assert not told.repeats(replace(replayed, sequence=9), now=11.0)  # a later change of the same object
    assert not told.repeats(replace(replayed, sequence=None), now=11.0)  # a live-only change has no sequence
    assert not told.repeats(replayed, now=10.0 + live.REPEATS_FOR_SECONDS)
    assert len(told) == 0  # forgotten, not kept for the socket's life
