"""Live status streams: each subscriber's filtered stream of status changes (`StatusChange`, a domain event).

Who may subscribe is decided by `billing.authorization.may_watch` (asked by the permission classes
of `schema/permissions.py`); here each subscriber's filter (`live.hub.status_filter`) narrows the
stream to what it asked for, and a customer session always to its own customer (even without a
`customerId` argument).

The same message reaches every matching subscriber of this process: its row is read, and the
caller's `present` applied to the change (`schema/status_events.py`: the GraphQL event), once for
all of them. What `present` makes holds nothing of a subscriber (fields needing one read `info`),
so it is shared; one object for all also lets identical subscribers share one execution
(`runtime.execution`, keyed by the event's identity).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from tortoise.models import Model

from base.ids import to_global_id
from billing.authorization import watched_customers
from billing.event_retention import pruned_through
from live.bus import StatusKind, StatusMessage
from live.hub import active_hub, status_filter
from live.status_replay import missed_status_messages
from runtime.shared_tasks import SharedTask

if TYPE_CHECKING:
    from uuid import UUID

    from base.principals import Principal

__all__ = ["EVENTS_KEPT", "REPEATS_FOR_SECONDS", "StatusChange", "status_changes"]

REPEATS_FOR_SECONDS: Final = 60.0
"""How long after a replay a live message may still repeat a replayed change: its publish trails its commit
by milliseconds, so a minute is generous, and the replayed keys are not kept for the socket's life."""


class _Replayed:
    """The changes a replay told, until no live message can repeat them any more."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, int, str]] = set()
        self._until = math.inf

    def add(self, message: StatusMessage) -> None:
        self._keys.add((message.object_id, message.sequence or 0, message.status))

    def finished(self, now: float) -> None:
        """The replay has ended at `now` (monotonic seconds)."""
        self._until = now + REPEATS_FOR_SECONDS

    def repeats(self, message: StatusMessage, now: float) -> bool:
        """Whether the live `message` is a change already told by the replay."""
        if self._keys and now >= self._until:
            self._keys = set()
        return message.sequence is not None and (message.object_id, message.sequence, message.status) in self._keys

    def __len__(self) -> int:
        return len(self._keys)


M = TypeVar("M", bound=Model)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StatusChange(Generic[M]):
    """One status change of a mirrored object, with its row as the mirror holds it after the worker's commit."""

    message: StatusMessage
    row: M | None
    """None when the row is gone (or not yet visible to this process's reads)."""

    @property
    def status(self) -> str:
        """Stripe's lower-case status after the change."""
        return self.message.status

    @property
    def previous_status(self) -> str | None:
        """Stripe's lower-case status before the change; None when the row is new to the mirror."""
        return self.message.previous_status

    @property
    def event_id(self) -> str:
        """The Stripe event id."""
        return self.message.event_id

    @property
    def occurred_at(self) -> datetime:
        """When Stripe created the event."""
        return self.message.occurred_at

    @property
    def resumed_after_gap(self) -> bool:
        """Whether changes may have been lost before this one (`live.hub`)."""
        return self.message.resumed_after_gap


async def status_changes(
    principal: Principal,
    kind: StatusKind,
    model: type[M],
    customer_pk: UUID | None,
    object_pk: UUID | None,
    present: Callable[[StatusChange[M]], T],
    *,
    after: int | None = None,
) -> AsyncGenerator[T, None]:
    """The principal's stream of `kind` changes (of one customer and/or one object when given), each presented.

    `model` is the mirror table of `kind`; its row is read after the worker's commit. `after`: first
    the changes in the outbox after this cursor (`live.status_replay`), then live ones; a live
    message of a change already replayed is not told twice (`REPEATS_FOR_SECONDS`). When the
    outbox's retention pruned events after the cursor, the first frame says `resumedAfterGap`.
    """
    accept = status_filter(principal, kind, customer_pk, object_pk)
    async with active_hub().subscribe(accept) as messages:  # before the replay's read: nothing falls between
        told = _Replayed()
        gap = False
        if after is not None:
            gap = after < await pruned_through()
            customers = watched_customers(principal, customer_pk)
            wanted = None if customers is None else [str(to_global_id("Customer", pk)) for pk in customers]
            async for missed in missed_status_messages(kind, after, accept, wanted):
                if gap:
                    missed, gap = replace(missed, resumed_after_gap=True), False
                told.add(missed)
                yield await _build(model, missed, present)
            told.finished(time.monotonic())
        async for message in messages:
            if told.repeats(message, time.monotonic()):
                continue
            if gap:
                gap = False
                yield await _build(model, replace(message, resumed_after_gap=True), present)
                continue
            yield await _event(model, message, present)


_EVENTS: OrderedDict[tuple[Callable[[Any], Any], StatusMessage], SharedTask[Any]] = OrderedDict()
EVENTS_KEPT = 256
"""Messages whose presented change is kept for subscribers still to come (the newest)."""


async def _event(model: type[M], message: StatusMessage, present: Callable[[StatusChange[M]], T]) -> T:
    """The presented change of a message, read and built once however many subscribers it reaches."""
    key = (present, message)
    shared = _EVENTS.get(key)
    if shared is None:
        shared = SharedTask(asyncio.ensure_future(_build(model, message, present)))
        _EVENTS[key] = shared
        while len(_EVENTS) > EVENTS_KEPT:
            _EVENTS.popitem(last=False)
    done = await shared.settled()
    event: T = done.result()
    return event


async def _build(model: type[M], message: StatusMessage, present: Callable[[StatusChange[M]], T]) -> T:
    row: M | None = await model.get_or_none(id=message.object_id)
    return present(StatusChange(message, row))
