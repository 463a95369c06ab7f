"""Usage-based billing on Billing Meters: `Meter`, `CustomerUsage`, and the `recordUsage(Batch)` inputs and payloads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from billing.usage import UsageTotal
from models import Meter as MeterModel
from runtime.input_building import build_with
from schema.enums import MeterFormula, MeterStatus, to_enum
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.scalars import UsageQuantity


@strawberry.type(description="A Stripe Billing Meter, as mirrored by the gateway: what usage events are counted on.")
class Meter:
    stripe_id: str = strawberry.field(description="The meter's id at Stripe (`mtr_…`).")
    display_name: str = strawberry.field(description="The meter's name (not shown to customers).")
    event_name: str = strawberry.field(
        description="The event name usage is recorded under (`recordUsage`'s `meter` takes it, or `stripeId`)."
    )
    formula: MeterFormula = strawberry.field(description="How the meter aggregates its events.")
    status: MeterStatus = strawberry.field(description="Whether the meter takes events.")

    @classmethod
    def from_model(cls, row: MeterModel) -> Meter:
        return cls(
            stripe_id=row.stripe_id,
            display_name=row.display_name,
            event_name=row.event_name,
            formula=to_enum(MeterFormula, row.formula),
            status=to_enum(MeterStatus, row.status),
        )


@strawberry.type(description="A customer's usage of one meter over a time range, aggregated from the gateway's ledger.")
class CustomerUsage:
    meter: Meter = strawberry.field(description="The meter.")
    start: datetime = strawberry.field(name="from", description="The start of the range (inclusive).")
    end: datetime = strawberry.field(name="to", description="The end of the range (exclusive).")
    value: UsageQuantity = strawberry.field(
        description="The meter's formula over the events in the range: their sum, their count, or the latest value "
        "(0 when there is none)."
    )
    event_count: int = strawberry.field(description="How many usage events fall in the range.")

    @classmethod
    def from_total(cls, total: UsageTotal) -> CustomerUsage:
        return cls(
            meter=Meter.from_model(total.meter),
            start=total.start,
            end=total.end,
            value=UsageQuantity(total.value),
            event_count=total.events,
        )


_IDENTIFIER = (
    "Your unique id of the event (1 to 100 characters): an event whose identifier was recorded before is ignored "
    "(counted in `duplicates`). It is also Stripe's dedupe key for the meter event."
)
_TIMESTAMP = (
    "When the usage happened, with a UTC offset; default now. Stripe takes meter events up to 35 days old and "
    "5 minutes ahead: outside that range is VALIDATION_FAILED."
)


@strawberry.input(description="One usage event of `recordUsageBatch`.")
class UsageEventInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer who used it (a Customer id).")
    meter: str = strawberry.field(description="The meter: its event name, or its Stripe id (`mtr_…`).")
    value: UsageQuantity = strawberry.field(description="How much was used: a whole number, never negative.")
    identifier: str = strawberry.field(description=_IDENTIFIER)
    timestamp: datetime | None = strawberry.field(default=strawberry.UNSET, description=_TIMESTAMP)


def _event_input(value: Mapping[str, Any]) -> UsageEventInput:
    """One event of a batch, from graphql-core's coerced value (a third of a batch's time otherwise)."""
    return UsageEventInput(
        customer_id=value["customerId"],
        meter=value["meter"],
        value=value["value"],
        identifier=value["identifier"],
        timestamp=value.get("timestamp", strawberry.UNSET),
    )


build_with(UsageEventInput, _event_input)


@strawberry.input(description="What `recordUsage` needs: one usage event.")
class RecordUsageInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer who used it (a Customer id).")
    meter: str = strawberry.field(description="The meter: its event name, or its Stripe id (`mtr_…`).")
    value: UsageQuantity = strawberry.field(description="How much was used: a whole number, never negative.")
    identifier: str = strawberry.field(description=_IDENTIFIER)
    timestamp: datetime | None = strawberry.field(default=strawberry.UNSET, description=_TIMESTAMP)


@strawberry.input(description="What `recordUsageBatch` needs: up to 1,000 usage events.")
class RecordUsageBatchInput:
    events: list[UsageEventInput] = strawberry.field(
        description="1 to 1,000 events; one that fails validation refuses the whole call (nothing is recorded)."
    )


@strawberry.type(description="The answer of `recordUsage` and `recordUsageBatch`.")
class RecordUsagePayload:
    accepted: int = strawberry.field(description="Events recorded by this call (they are forwarded to Stripe).")
    duplicates: int = strawberry.field(
        description="Events ignored because their identifier was recorded before (or repeated within the call)."
    )
    duplicate_identifiers: list[str] = strawberry.field(description="The identifiers of the ignored events.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RecordUsagePayload:
        return cls(
            accepted=int(data.get("accepted") or 0),
            duplicates=int(data.get("duplicates") or 0),
            duplicate_identifiers=[str(item) for item in data.get("duplicateIdentifiers") or []],
            user_errors=user_errors(data),
        )
