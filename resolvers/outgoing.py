"""Outgoing webhooks, admin only: endpoint mutations (one mutation path, no Stripe call), redelivery, reads.

The signing secret (derived from GATEWAY_SECRET and a stored salt, `billing.outgoing.secret_for`)
is in the answer of `createWebhookEndpoint` and `rotateWebhookEndpointSecret` only: the ledger
stores the answer WITHOUT it (a replay of the same idempotency key answers the endpoint and
`secret: null`; rotate to get a new one), and nothing logs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import strawberry

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from billing.event_catalogue import CATALOGUE
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, run_local_mutation
from billing.outgoing import (
    DISABLED,
    ENABLED,
    PENDING,
    UrlNotAllowed,
    check_url,
    current_sequence,
    new_salt,
    secret_for,
)
from billing.request_context import Context
from models import EventDelivery, OutboxEvent, WebhookEndpoint

DESCRIPTION_MAX = 500
MAX_LIST = 100


def endpoint_snapshot(row: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint in stored form (never its secret)."""
    return {
        "id": str(row.id),
        "url": row.url,
        "description": row.description,
        "eventTypes": list(row.event_types or []),
        "status": row.status,
        "disabledReason": row.disabled_reason,
        "failingSince": None if row.failing_since is None else row.failing_since.isoformat(),
        "secretRotatedAt": None
        if row.previous_secret_expires_at is None
        else row.previous_secret_expires_at.isoformat(),
        "createdAt": row.created_at.isoformat(),
    }


def delivery_snapshot(row: EventDelivery) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "endpointId": str(row.endpoint_id),  # type: ignore[attr-defined]
        "eventId": str(row.event_id),
        "eventType": row.event_type,
        "objectId": row.object_id,
        "status": row.status,
        "attempts": row.attempts,
        "nextAttemptAt": row.next_attempt_at.isoformat() if row.status == PENDING else None,
        "lastAttemptAt": None if row.last_attempt_at is None else row.last_attempt_at.isoformat(),
        "lastStatusCode": row.last_status_code,
        "lastError": row.last_error,
        "responseExcerpt": row.response_excerpt,
        "createdAt": row.created_at.isoformat(),
    }


def _given(value: Any) -> bool:
    return value is not None and value is not strawberry.UNSET


def _event_types(value: Sequence[str] | None) -> list[str]:
    types = list(value or [])
    unknown = [name for name in types if name not in CATALOGUE]
    if unknown:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            f"unknown event types: {', '.join(sorted(unknown))[:200]} (see docs/events.md)",
            ["input", "eventTypes"],
        )
    return sorted(set(types))


def _description(value: str | None) -> str:
    text = value or ""
    if len(text) > DESCRIPTION_MAX:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED, f"description is longer than {DESCRIPTION_MAX}", ["input", "description"]
        )
    return text


async def _url(ctx: Context, url: str) -> str:
    try:
        await check_url(url, ctx.settings)
    except UrlNotAllowed as exc:
        raise MutationError(ErrorCode.URL_NOT_ALLOWED, str(exc), ["input", "url"]) from exc
    return url


async def _endpoint(value: str, field: list[str]) -> WebhookEndpoint:
    try:
        pk = parse_typed_id(str(value), "WebhookEndpoint")
    except InvalidIdError:
        pk = None
    row = None if pk is None else await WebhookEndpoint.get_or_none(id=pk, deleted_at__isnull=True)
    if row is None:
        raise MutationError(ErrorCode.NOT_FOUND, "no WebhookEndpoint with this id", field)
    return row


class CreateWebhookEndpointFields(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def event_types(self) -> list[str] | None: ...
    @property
    def description(self) -> str | None: ...


async def create_webhook_endpoint(ctx: Context, call: MutationCall, input: CreateWebhookEndpointFields) -> Snapshot:
    """Register an endpoint; the answer carries its signing secret (this once)."""
    issued: dict[str, str] = {}

    async def validate() -> tuple[str, list[str], str]:
        types = _event_types(input.event_types if _given(input.event_types) else None)
        description = _description(input.description if _given(input.description) else None)
        return await _url(ctx, input.url), types, description

    async def write(checked: tuple[str, list[str], str]) -> Outcome:
        url, types, description = checked
        salt = new_salt()
        row = await WebhookEndpoint.create(
            url=url,
            description=description,
            event_types=types,
            secret_salt=salt,
            status=ENABLED,
            fanned_out_sequence=await current_sequence(),
        )
        issued["secret"] = secret_for(salt, ctx.settings)
        return Outcome(fields={"webhookEndpoint": endpoint_snapshot(row), "secret": None})

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    return {**data, "secret": issued.get("secret")}


class UpdateWebhookEndpointFields(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def event_types(self) -> list[str] | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def enabled(self) -> bool | None: ...


async def update_webhook_endpoint(ctx: Context, call: MutationCall, input: UpdateWebhookEndpointFields) -> Snapshot:
    """Change an endpoint's URL, types, description or status; enabling it again clears its failure tracking."""

    async def validate() -> tuple[WebhookEndpoint, dict[str, Any]]:
        row = await _endpoint(input.id, ["input", "id"])
        changes: dict[str, Any] = {}
        if _given(input.url):
            changes["url"] = await _url(ctx, input.url)  # type: ignore[arg-type]
        if input.event_types is not strawberry.UNSET:
            changes["event_types"] = _event_types(input.event_types)
        if _given(input.description):
            changes["description"] = _description(input.description)
        if _given(input.enabled):
            changes["status"] = ENABLED if input.enabled else DISABLED
            changes["disabled_reason"] = None if input.enabled else "admin"
            if input.enabled:
                changes["failing_since"] = None
        return row, changes

    async def write(checked: tuple[WebhookEndpoint, dict[str, Any]]) -> Outcome:
        row, changes = checked
        if changes:
            await WebhookEndpoint.filter(id=row.id).update(**changes, updated_at=datetime.now(UTC))
        row = await WebhookEndpoint.get(id=row.id)
        return Outcome(fields={"webhookEndpoint": endpoint_snapshot(row)})

    return await run_local_mutation(ctx, call, input, validate=validate, write=write)


class EndpointIdFields(Protocol):
    @property
    def id(self) -> str: ...


async def rotate_webhook_endpoint_secret(ctx: Context, call: MutationCall, input: EndpointIdFields) -> Snapshot:
    """A new signing secret (answered this once); the previous one keeps signing beside it for 24 h."""
    issued: dict[str, str] = {}

    async def validate() -> WebhookEndpoint:
        return await _endpoint(input.id, ["input", "id"])

    async def write(row: WebhookEndpoint) -> Outcome:
        salt = new_salt()
        expires = datetime.now(UTC) + timedelta(seconds=ctx.settings.outgoing_secret_overlap_seconds)
        await WebhookEndpoint.filter(id=row.id).update(
            secret_salt=salt,
            previous_secret_salt=row.secret_salt,
            previous_secret_expires_at=expires,
            updated_at=datetime.now(UTC),
        )
        issued["secret"] = secret_for(salt, ctx.settings)
        row = await WebhookEndpoint.get(id=row.id)
        return Outcome(fields={"webhookEndpoint": endpoint_snapshot(row), "secret": None})

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    return {**data, "secret": issued.get("secret")}


async def delete_webhook_endpoint(ctx: Context, call: MutationCall, input: EndpointIdFields) -> Snapshot:
    """Delete an endpoint: nothing more is sent to it; its delivery history stays readable by id."""

    async def validate() -> WebhookEndpoint:
        return await _endpoint(input.id, ["input", "id"])

    async def write(row: WebhookEndpoint) -> Outcome:
        now = datetime.now(UTC)
        await WebhookEndpoint.filter(id=row.id).update(
            deleted_at=now, status=DISABLED, disabled_reason="deleted", updated_at=now
        )
        return Outcome(fields={"deletedWebhookEndpointId": str(row.id)})

    return await run_local_mutation(ctx, call, input, validate=validate, write=write)


class RedeliverEventFields(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def endpoint_id(self) -> str: ...


async def redeliver_event(ctx: Context, call: MutationCall, input: RedeliverEventFields) -> Snapshot:
    """Send one outbox event to one endpoint again (a new delivery, the same `webhook-id`)."""

    async def validate() -> tuple[WebhookEndpoint, OutboxEvent]:
        endpoint = await _endpoint(input.endpoint_id, ["input", "endpointId"])
        try:
            event = await OutboxEvent.get_or_none(id=UUID(str(input.event_id)))
        except ValueError:
            event = None
        if event is None:
            raise MutationError(ErrorCode.NOT_FOUND, "no event with this id", ["input", "eventId"])
        if endpoint.status != ENABLED:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "the endpoint is disabled; enable it first", ["input", "endpointId"]
            )
        return endpoint, event

    async def write(checked: tuple[WebhookEndpoint, OutboxEvent]) -> Outcome:
        endpoint, event = checked
        row = await EventDelivery.create(
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_sequence=event.sequence,
            event_type=event.type,
            object_id=event.object_id,
            status=PENDING,
            next_attempt_at=datetime.now(UTC),
        )
        return Outcome(fields={"delivery": delivery_snapshot(row)})

    return await run_local_mutation(ctx, call, input, validate=validate, write=write)


async def webhook_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint not deleted, oldest first (at most 100)."""
    return await WebhookEndpoint.filter(deleted_at__isnull=True).order_by("created_at").limit(MAX_LIST)


async def event_deliveries(endpoint_id: str | None, status: str | None, first: int | None) -> list[EventDelivery]:
    """Deliveries, newest first, of one endpoint and/or one status (at most `first`, ≤ 100)."""
    limit = MAX_LIST if first is None else first
    if not 1 <= limit <= MAX_LIST:
        raise ValueError(f"first must be between 1 and {MAX_LIST}")
    query = EventDelivery.all()
    if endpoint_id is not None:
        query = query.filter(endpoint_id=parse_typed_id(endpoint_id, "WebhookEndpoint"))
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("-created_at").limit(limit)
