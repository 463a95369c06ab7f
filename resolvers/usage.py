"""Usage-based billing: `meters`, `Customer.usage`, `recordUsage` and `recordUsageBatch`.

Both mutations take the one mutation path without a Stripe call (`run_local_mutation`): the
events are persisted in the transaction that completes the ledger row and writes the ONE audit
entry of the call; a repeated identifier is ignored and reported. After the commit the new events
are handed to the forwarding actor (`Context.usage_dispatch`); if that fails, or the process dies
first, the usage sweeper hands them over a few seconds later (`billing.usage.sweep_usage_once`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import strawberry
from graphql import GraphQLError

from base.error_codes import ErrorCode
from billing import usage
from billing.authorization import raise_if_foreign, visible_customers
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, run_local_mutation
from billing.request_context import Context
from billing.validation import clean_text, typed_id
from models import Customer as CustomerModel
from models import Meter as MeterModel

log = logging.getLogger("resolvers.usage")


async def meters(context: Context, status: str | None = None) -> list[MeterModel]:
    """The account's Billing Meters from the mirror (kept by `billing.meter.*` webhooks): no Stripe call."""
    qs = MeterModel.all()
    if status is not None:
        qs = qs.filter(status=status)
    return list(await qs.order_by("-stripe_created", "-id"))


async def customer_usage(
    context: Context, customer: CustomerModel, meter: str, start: datetime, end: datetime
) -> usage.UsageTotal | None:
    """The customer's usage of `meter` over [start, end) from our ledger; None for a meter the mirror does not know
    (no Stripe call: a read with a junk name costs nothing at Stripe)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise GraphQLError("`from` and `to` must carry a UTC offset", extensions={"code": ErrorCode.VALIDATION_FAILED})
    if end <= start:
        raise GraphQLError("`to` must be after `from`", extensions={"code": ErrorCode.VALIDATION_FAILED})
    found = await usage.find_meters(None, [meter])
    row = found.get(meter)
    if row is None:
        return None
    return await usage.usage_of(customer, row, start, end)


class UsageEventFields(Protocol):
    """What the mutations read of one event (`schema.usage.UsageEventInput`)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def meter(self) -> str: ...
    @property
    def value(self) -> int: ...
    @property
    def timestamp(self) -> datetime | None: ...
    @property
    def identifier(self) -> str: ...


class RecordUsageBatchFields(Protocol):
    """What `record_usage_batch` reads of its input (`schema.usage.RecordUsageBatchInput`)."""

    @property
    def events(self) -> Sequence[UsageEventFields]: ...


@dataclass(frozen=True)
class _Checked:
    events: list[usage.NewEvent]
    repeats: list[str]
    """Identifiers given twice within the call (the later ones are ignored)."""


def _check_event(event: UsageEventFields, now: datetime, field: list[str]) -> tuple[str, int, datetime]:
    identifier = event.identifier
    if not 0 < len(identifier) <= usage.IDENTIFIER_MAX_LENGTH or not identifier.isprintable():
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            f"identifier must be 1 to {usage.IDENTIFIER_MAX_LENGTH} printable characters",
            [*field, "identifier"],
        )
    clean_text(identifier, "identifier", [*field, "identifier"])
    if event.value < 0:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "value must not be negative", [*field, "value"])
    if event.value > usage.MAX_VALUE:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"value is at most {usage.MAX_VALUE}", [*field, "value"])
    timestamp = event.timestamp if event.timestamp not in (None, strawberry.UNSET) else now
    assert timestamp is not None
    if timestamp.tzinfo is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "timestamp must carry a UTC offset", [*field, "timestamp"])
    timestamp = timestamp.astimezone(UTC)
    if timestamp < now - usage.PAST_LIMIT:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            "timestamp is more than 35 days in the past (Stripe refuses such meter events)",
            [*field, "timestamp"],
        )
    if timestamp > now + usage.FUTURE_LIMIT:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            "timestamp is more than 5 minutes in the future (Stripe refuses such meter events)",
            [*field, "timestamp"],
        )
    return identifier, event.value, timestamp


async def _validate(ctx: Context, events: Sequence[UsageEventFields], paths: list[list[str]]) -> _Checked:
    """Every event checked, its customer visible to the caller and its meter known and active."""
    now = datetime.now(UTC)
    checked: list[tuple[str, int, datetime]] = [
        _check_event(event, now, path) for event, path in zip(events, paths, strict=True)
    ]
    parsed: dict[str, UUID] = {}
    customer_ids: list[UUID] = []
    for event, path in zip(events, paths, strict=True):
        pk = parsed.get(event.customer_id)
        if pk is None:
            pk = parsed[event.customer_id] = typed_id(event.customer_id, "Customer", [*path, "customerId"])
        customer_ids.append(pk)
    wanted = set(customer_ids)
    visible = {row.id: row for row in await visible_customers(ctx.principal).filter(id__in=list(wanted))}
    for pk, path in zip(customer_ids, paths, strict=True):
        if pk not in visible:
            await raise_if_foreign(CustomerModel, pk, "Customer", ctx.principal)
            raise MutationError(ErrorCode.NOT_FOUND, "no Customer with this id", [*path, "customerId"])
    meters = await usage.find_meters(ctx.stripe, {event.meter for event in events})
    for event, path in zip(events, paths, strict=True):
        meter = meters.get(event.meter)
        if meter is None:
            raise MutationError(
                ErrorCode.NOT_FOUND, f"no Billing Meter with event name or id {event.meter!r}", [*path, "meter"]
            )
        if meter.status != "active":
            raise MutationError(ErrorCode.VALIDATION_FAILED, f"the meter {event.meter!r} is inactive", [*path, "meter"])
    seen: set[str] = set()
    repeats: list[str] = []
    new: list[usage.NewEvent] = []
    for (identifier, value, timestamp), event, pk in zip(checked, events, customer_ids, strict=True):
        if identifier in seen:
            repeats.append(identifier)
            continue
        seen.add(identifier)
        new.append(usage.NewEvent(identifier, pk, meters[event.meter].id, value, timestamp))  # type: ignore[arg-type]
    return _Checked(new, repeats)


def _fingerprint_of(event: UsageEventFields) -> list[object]:
    timestamp = event.timestamp
    stamp = None if timestamp is None or timestamp is strawberry.UNSET else timestamp.isoformat()
    return [event.customer_id, event.meter, event.value, event.identifier, stamp]


async def _record(
    ctx: Context, call: MutationCall, input: object, events: Sequence[UsageEventFields], paths: list[list[str]]
) -> Snapshot:
    made: list[UUID] = []

    async def validate() -> _Checked:
        if not events:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "give at least one event", ["input", "events"])
        if len(events) > usage.MAX_BATCH:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, f"at most {usage.MAX_BATCH:,} events per call", ["input", "events"]
            )
        return await _validate(ctx, events, paths)

    async def write(checked: _Checked) -> Outcome:
        inserted = await usage.insert_events(checked.events)
        made[:] = [pk for pk, _ in inserted.rows]
        kept = {identifier for _, identifier in inserted.rows}
        duplicates = checked.repeats + [event.identifier for event in checked.events if event.identifier not in kept]
        return Outcome(
            fields={"accepted": len(inserted.rows), "duplicates": len(duplicates), "duplicateIdentifiers": duplicates}
        )

    # The ledger fingerprints the input: plain data built here, not 1,000 dataclasses walked field by field.
    fingerprinted = {"events": [_fingerprint_of(event) for event in events]}
    data = await run_local_mutation(ctx, call, fingerprinted, validate=validate, write=write)
    if made:
        try:
            if ctx.usage_dispatch is None:
                raise RuntimeError("no dispatcher in this context")
            for chunk in usage.chunks(made):
                await ctx.usage_dispatch(chunk)
        except Exception as exc:  # the sweeper hands them over instead
            log.warning("could not hand %d usage events to the forwarding actor now: %s", len(made), exc)
            await usage.forget_enqueued(made)
    return data


class RecordUsageFields(UsageEventFields, Protocol):
    """What `record_usage` reads of its input (`schema.usage.RecordUsageInput`)."""


async def record_usage(ctx: Context, call: MutationCall, input: RecordUsageFields) -> Snapshot:
    """Record one usage event (a repeated identifier is ignored: `duplicates` 1)."""
    return await _record(ctx, call, input, [input], [["input"]])


async def record_usage_batch(ctx: Context, call: MutationCall, input: RecordUsageBatchFields) -> Snapshot:
    """Record up to 1,000 usage events in one statement; repeated identifiers are ignored and counted."""
    events = list(input.events)
    return await _record(ctx, call, input, events, [["input", "events", str(index)] for index in range(len(events))])
