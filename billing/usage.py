"""Usage-based billing on Stripe's Billing Meters: the meter mirror, the usage ledger, forwarding, aggregates.

- Meters are mirrored from Stripe's `billing.meter.*` webhooks (`upsert_meter`, `webhooks.targets`),
  and from Stripe's list (`sync_meters`) only when a usage event to record names a meter the mirror
  does not know yet (`find_meters(..., sync=True)`: a webhook may lag). Reads (`meters`,
  `Customer.usage`) use the mirror alone (docs/decisions/0049).
- Usage events are persisted first (`insert_events`): one `INSERT … ON CONFLICT (identifier) DO
  NOTHING RETURNING` for a whole batch (PostgreSQL: one statement over `unnest` arrays), so a
  repeated identifier is ignored, within a batch and across calls.
- `forward_events` sends pending events to Stripe as meter events, with the identifier as Stripe's
  dedupe key (a "duplicate identifier" answer counts as forwarded); the `usage.forward` actor
  (`tasks.usage`) calls it, and `sweep_usage_once` hands it events left pending (a dispatch that
  never happened because the gateway died, a message an in-process broker lost).
- `usage_of` aggregates our own ledger with the meter's formula (sum, count or last).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from uuid import UUID

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.functions import Sum

from models import Customer, Meter, UsageEvent
from stripe_provider.adapter import StripeAdapter
from stripe_provider.provider_errors import ProviderError

log = logging.getLogger("billing.usage")

MAX_BATCH: Final = 1000
"""Events one `recordUsageBatch` call takes."""
PAST_LIMIT: Final = timedelta(days=35)
"""Stripe takes meter events up to 35 calendar days old ..."""
FUTURE_LIMIT: Final = timedelta(minutes=5)
"""... and up to 5 minutes ahead."""
IDENTIFIER_MAX_LENGTH: Final = 100
"""Stripe's limit on a meter event's identifier."""
MAX_VALUE: Final = 2**53 - 1
"""The most a value carries exactly through JSON (our answers) and Stripe's payload."""
FORWARD_CONCURRENCY: Final = 16
"""Meter events one forwarding run has in flight at once."""
FORWARD_CHUNK: Final = 1000
"""Event ids per actor message."""
PENDING_GRACE: Final = timedelta(seconds=5)
"""A pending event never handed to the actor is swept after this (its dispatch may still be under way)."""
REQUEUE_AFTER: Final = timedelta(minutes=15)
"""A pending event handed to the actor this long ago is handed again (longer than the actor's retries)."""
SWEEP_INTERVAL_SECONDS: Final = 2.0
SWEEP_LIMIT: Final = 20_000
"""Events one sweep hands over at most."""


# --- meters -----------------------------------------------------------------------------------


def _meter_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    created = obj.get("created")
    return {
        "display_name": str(obj.get("display_name") or ""),
        "event_name": str(obj["event_name"]),
        "formula": str((obj.get("default_aggregation") or {}).get("formula") or "sum"),
        "status": str(obj.get("status") or "active"),
        "customer_payload_key": str(
            (obj.get("customer_mapping") or {}).get("event_payload_key") or "stripe_customer_id"
        ),
        "value_payload_key": str((obj.get("value_settings") or {}).get("event_payload_key") or "value"),
        "livemode": bool(obj.get("livemode")),
        "stripe_created": datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
        "synced_at": datetime.now(UTC),
    }


def meter_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The `Meter` columns Stripe's meter object gives (no bookkeeping column: what reconcile compares)."""
    fields = _meter_fields(obj)
    del fields["synced_at"]
    return fields


async def upsert_meter(obj: Mapping[str, Any], *, stripe_event_at: datetime | None = None) -> Meter:
    """The mirror row of one Stripe meter object, created or brought up to date (a `billing.meter.*` event's time
    stamped when it came from one)."""
    defaults = _meter_fields(obj)
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    row, _ = await Meter.update_or_create(defaults=defaults, stripe_id=str(obj["id"]))
    return row


async def sync_meters(stripe: StripeAdapter) -> list[Meter]:
    """Mirror every meter of the account (Stripe's list, page by page); returns the rows, newest first."""
    rows: list[Meter] = []
    after: str | None = None
    while True:
        page = await stripe.list_billing_meters(starting_after=after)
        data = page.get("data") or []
        for obj in data:
            rows.append(await upsert_meter(obj))
        if not page.get("has_more") or not data:
            return rows
        after = str(data[-1]["id"])


def _named(name: str) -> Q:
    return Q(stripe_id=name) if name.startswith("mtr_") else Q(event_name=name)


async def find_meters(stripe: StripeAdapter | None, names: Iterable[str]) -> dict[str, Meter]:
    """The mirrored meter of each name (an `event_name` or a `mtr_…` id). Names found nowhere are left out.

    With `stripe` (recording usage), a name the mirror does not know syncs the meters from Stripe ONCE
    (a `billing.meter.created` webhook may not have arrived yet); without it (reads), the mirror alone
    answers, so a junk name costs no Stripe call. An active meter wins over an inactive one of the same
    event name.
    """
    wanted = set(names)

    async def look() -> dict[str, Meter]:
        found: dict[str, Meter] = {}
        for row in await Meter.filter(Q(stripe_id__in=list(wanted)) | Q(event_name__in=list(wanted))):
            for key in (row.stripe_id, row.event_name):
                if key in wanted and (key not in found or found[key].status != "active"):
                    found[key] = row
        return found

    found = await look()
    if stripe is not None and len(found) < len(wanted):
        try:
            await sync_meters(stripe)
        except ProviderError as error:
            log.warning("could not sync meters from Stripe: %s", error.message)
            return found
        found = await look()
    return found


# --- the ledger -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEvent:
    """A validated usage event, ready to be persisted."""

    identifier: str
    customer_id: UUID
    meter_id: UUID
    value: int
    occurred_at: datetime


@dataclass(frozen=True)
class Inserted:
    """What `insert_events` did: the rows it made (id, identifier), in input order; the rest were repeats."""

    rows: list[tuple[UUID, str]]


_PG_INSERT: Final = """
INSERT INTO "usage_events"
    ("id", "identifier", "customer_id", "meter_id", "value", "occurred_at", "created_at", "enqueued_at", "attempts")
SELECT u.id, u.identifier, u.customer_id, u.meter_id, u.value, u.occurred_at, $7, $7, 0
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[], $6::timestamptz[])
    AS u(id, identifier, customer_id, meter_id, value, occurred_at)
ON CONFLICT ("identifier") DO NOTHING
RETURNING "identifier"
"""

_SQLITE_INSERT: Final = """
INSERT INTO "usage_events"
    ("id", "identifier", "customer_id", "meter_id", "value", "occurred_at", "created_at", "enqueued_at", "attempts")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
ON CONFLICT ("identifier") DO NOTHING
RETURNING "id", "identifier"
"""


def uuid7s(count: int) -> list[UUID]:
    """`count` version-7 UUIDs of this millisecond (as `models.base.uuid7` makes one), random bits drawn at once."""
    head = (time.time_ns() // 1_000_000) << 80 | 0x7 << 76
    noise = os.urandom(10 * count)
    ids = []
    for index in range(count):
        bits = int.from_bytes(noise[index * 10 : index * 10 + 10], "big")
        # 12 random bits after the version, the variant `10`, then 62 random bits.
        ids.append(UUID(int=head | (bits >> 68) << 64 | 0b10 << 62 | bits & ((1 << 62) - 1)))
    return ids


async def insert_events(events: Sequence[NewEvent], now: datetime | None = None) -> Inserted:
    """Persist `events` (in the caller's transaction when there is one); a known identifier is skipped.

    The rows are stamped `enqueued_at` = now: the caller hands them to the actor right after its commit
    (`forget_enqueued` if that fails, so the sweeper sends them after `PENDING_GRACE`). A process killed
    between the commit and the send leaves them to the sweeper's `REQUEUE_AFTER` (or to an in-process
    broker's first sweep after the restart): one statement less per batch for a rare, late delivery.

    PostgreSQL: ONE statement for the batch (arrays through `unnest`), so a batch of 1,000 costs one
    round trip. SQLite (embedded `serve`): one statement per event.
    """
    if not events:
        return Inserted([])
    now = now or datetime.now(UTC)
    ids = uuid7s(len(events))
    by_identifier = {event.identifier: pk for pk, event in zip(ids, events, strict=True)}
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        values = [
            ids,
            [event.identifier for event in events],
            [event.customer_id for event in events],
            [event.meter_id for event in events],
            [event.value for event in events],
            [event.occurred_at for event in events],
            now,
        ]
        # `execute_query` runs an INSERT without fetching: RETURNING needs the dict form (a fetch).
        records = await connection.execute_query_dict(_PG_INSERT, values)
        made = {identifier: by_identifier[identifier] for identifier in (record["identifier"] for record in records)}
    else:
        made = {}
        stamp = UsageEvent._meta.fields_map["created_at"].to_db_value(now, UsageEvent)
        for pk, event in zip(ids, events, strict=True):
            occurred = UsageEvent._meta.fields_map["occurred_at"].to_db_value(event.occurred_at, UsageEvent)
            row = [
                str(pk),
                event.identifier,
                str(event.customer_id),
                str(event.meter_id),
                event.value,
                occurred,
                stamp,
                stamp,
            ]
            records = await connection.execute_query_dict(_SQLITE_INSERT, row)
            for record in records:
                made[str(record["identifier"])] = pk
    return Inserted([(made[event.identifier], event.identifier) for event in events if event.identifier in made])


async def forget_enqueued(ids: Sequence[UUID]) -> None:
    """`ids` could not be handed to the actor: the sweeper sends them after `PENDING_GRACE`."""
    for chunk in chunks(ids):
        await UsageEvent.filter(id__in=chunk, forwarded_at__isnull=True).update(enqueued_at=None)


async def mark_enqueued(ids: Sequence[UUID], now: datetime | None = None) -> None:
    """Note that `ids` were handed to the forwarding actor (the sweeper leaves them alone a while)."""
    if ids:
        await UsageEvent.filter(id__in=list(ids), forwarded_at__isnull=True).update(
            enqueued_at=now or datetime.now(UTC)
        )


# --- aggregates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageTotal:
    """A customer's usage of one meter over [start, end): the meter's aggregate and the events counted."""

    meter: Meter
    start: datetime
    end: datetime
    value: int
    events: int


async def usage_of(customer: Customer, meter: Meter, start: datetime, end: datetime) -> UsageTotal:
    """The meter's formula over the customer's events with `start <= timestamp < end`, from our own ledger."""
    qs = UsageEvent.filter(customer_id=customer.id, meter_id=meter.id, occurred_at__gte=start, occurred_at__lt=end)
    count = await qs.count()
    value = 0
    if meter.formula == "count":
        value = count
    elif meter.formula == "last":
        latest = await qs.order_by("-occurred_at", "-created_at", "-id").first()
        value = latest.value if latest is not None else 0
    elif count:
        totals = await qs.annotate(total=Sum("value")).values("total")
        value = int(totals[0]["total"] or 0) if totals else 0
    return UsageTotal(meter=meter, start=start, end=end, value=value, events=count)


# --- forwarding -------------------------------------------------------------------------------


class UsageForwardingIncomplete(Exception):
    """Some events could not reach Stripe for now (transient): the actor's message is retried."""


async def forward_events(event_ids: Sequence[UUID], stripe: StripeAdapter) -> int:
    """Send the still-pending events among `event_ids` to Stripe as meter events; returns how many went.

    A repeat Stripe refuses (it holds the identifier) counts as forwarded. A refusal for good (the
    meter is gone, the customer is unknown at Stripe) marks the event failed (`failed_at`,
    `last_error`). A transient failure leaves it pending and raises `UsageForwardingIncomplete`.
    """
    rows = (
        await UsageEvent.filter(id__in=list(event_ids), forwarded_at__isnull=True, failed_at__isnull=True)
        .select_related("customer", "meter")
        .all()
    )
    if not rows:
        return 0
    await UsageEvent.filter(id__in=[row.id for row in rows]).update(enqueued_at=datetime.now(UTC))
    gate = asyncio.Semaphore(FORWARD_CONCURRENCY)
    sent: list[UUID] = []
    refused: list[tuple[UUID, str]] = []
    transient: list[tuple[UUID, str]] = []

    async def one(row: UsageEvent) -> None:
        meter: Meter = row.meter
        customer: Customer = row.customer
        payload = {meter.customer_payload_key: customer.stripe_id, meter.value_payload_key: str(row.value)}
        async with gate:
            try:
                await stripe.create_meter_event(
                    event_name=meter.event_name,
                    payload=payload,
                    identifier=row.identifier,
                    timestamp=int(row.occurred_at.timestamp()),
                )
            except ProviderError as error:
                (transient if error.transient else refused).append((row.id, f"{error.code}: {error.message}"))
                return
        sent.append(row.id)

    await asyncio.gather(*(one(row) for row in rows))
    now = datetime.now(UTC)
    if sent:
        await UsageEvent.filter(id__in=sent).update(forwarded_at=now, last_error=None)
    for failed, now_failed in ((refused, now), (transient, None)):
        for pk, error in failed:
            await UsageEvent.filter(id=pk).update(failed_at=now_failed, last_error=error[:1000])
    await _count_attempt([row.id for row in rows])
    if refused:
        log.warning("%d usage events refused by Stripe for good (failed_at set)", len(refused))
    if transient:
        raise UsageForwardingIncomplete(f"{len(transient)} of {len(rows)} usage events not forwarded yet")
    return len(sent)


async def _count_attempt(ids: list[UUID]) -> None:
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            'UPDATE "usage_events" SET "attempts" = "attempts" + 1 WHERE "id" = ANY($1::uuid[])', [ids]
        )
        return
    for pk in ids:
        await connection.execute_query(
            'UPDATE "usage_events" SET "attempts" = "attempts" + 1 WHERE "id" = ?', [str(pk)]
        )


# --- the sweeper ------------------------------------------------------------------------------

SendUsage = Callable[[list[UUID]], Awaitable[None]]
"""`send(ids)`: hands usage event ids to the forwarding actor (`tasks.usage`)."""


def chunks(ids: Sequence[UUID], size: int = FORWARD_CHUNK) -> list[list[UUID]]:
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


async def sweep_usage_once(send: SendUsage, *, everything: bool = False, now: datetime | None = None) -> int:
    """Hand the actor pending events nobody is forwarding; returns how many.

    Forgotten: never handed over and older than `PENDING_GRACE`, or handed over longer than
    `REQUEUE_AFTER` ago. `everything`: every pending event (an in-process broker's first sweep after
    a start: the messages of the process before are gone with it).
    """
    now = now or datetime.now(UTC)
    pending = Q(forwarded_at__isnull=True, failed_at__isnull=True)
    if not everything:
        never_sent = Q(enqueued_at__isnull=True, created_at__lt=now - PENDING_GRACE)
        pending &= never_sent | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    ids = [UUID(str(pk)) for pk in await UsageEvent.filter(pending).limit(SWEEP_LIMIT).values_list("id", flat=True)]
    handed = 0
    for chunk in chunks(ids):
        try:
            await send(chunk)
        except Exception as exc:
            log.warning("handing %d usage events to the actor failed (%s); next sweep", len(chunk), exc)
            break
        await mark_enqueued(chunk, now)
        handed += len(chunk)
    if handed:
        log.info("usage sweeper handed %d pending events to the forwarding actor", handed)
    return handed


async def sweep_usage_forever(send: SendUsage, *, in_process_broker: bool) -> None:
    """`sweep_usage_once` every `SWEEP_INTERVAL_SECONDS` (the worker runs it beside the inbox sweeper)."""
    first = True
    while True:
        try:
            await sweep_usage_once(send, everything=first and in_process_broker)
            first = False
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("usage sweep failed; retrying next interval")
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
