"""Outgoing webhooks (admin): endpoints, deliveries, and the mutations' inputs and payloads."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry

from base.ids import to_global_id
from models import EventDelivery as EventDeliveryRow
from models import WebhookEndpoint as WebhookEndpointRow
from resolvers.outgoing import delivery_snapshot, endpoint_snapshot
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors


@strawberry.enum(description="Whether an outgoing webhook endpoint receives events.")
class WebhookEndpointStatus(Enum):
    ENABLED = strawberry.enum_value("enabled", description="Events are delivered to it.")
    DISABLED = strawberry.enum_value(
        "disabled",
        description="Nothing is sent (an admin disabled it, or it failed continuously: see `disabledReason`); "
        "events keep being recorded and go out once it is enabled again.",
    )


@strawberry.enum(description="Where one delivery of one event to one endpoint stands.")
class EventDeliveryStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Not delivered yet; tried again at `nextAttemptAt`.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="The endpoint answered 2xx.")
    FAILED = strawberry.enum_value(
        "failed", description="Still failing 3 days after the event: given up (`redeliverEvent` sends it again)."
    )


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@strawberry.type(description="A receiver of domain events, signed per the Standard Webhooks spec (never its secret).")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str = strawberry.field(description="Free text for people.")
    event_types: list[str] = strawberry.field(description="The event types delivered; empty means every type.")
    status: WebhookEndpointStatus = strawberry.field(description="Whether events are delivered.")
    disabled_reason: str | None = strawberry.field(
        description="`admin`, `failing` (failed continuously too long) or `deleted`; null while enabled."
    )
    failing_since: datetime | None = strawberry.field(
        description="The first failed attempt since the last success; null while it answers."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a rotation: until then deliveries carry a signature with the previous secret too."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> WebhookEndpoint:
        return cls(
            id=to_global_id("WebhookEndpoint", UUID(data["id"])),
            url=data["url"],
            description=data["description"],
            event_types=list(data["eventTypes"]),
            status=WebhookEndpointStatus(data["status"]),
            disabled_reason=data.get("disabledReason"),
            failing_since=_time(data.get("failingSince")),
            previous_secret_expires_at=_time(data.get("secretRotatedAt")),
            created_at=datetime.fromisoformat(data["createdAt"]),
        )

    @classmethod
    def from_row(cls, row: WebhookEndpointRow) -> WebhookEndpoint:
        return cls.from_snapshot(endpoint_snapshot(row))


@strawberry.type(description="One event sent (or to be sent) to one endpoint.")
class EventDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id.")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint (a WebhookEndpoint id).")
    event_id: strawberry.ID = strawberry.field(
        description="The outbox event's stable id (`events.id`, the `webhook-id` header)."
    )
    event_type: str = strawberry.field(description="The event's type.")
    object_id: strawberry.ID = strawberry.field(description="The global id of the object the event tells of.")
    status: EventDeliveryStatus = strawberry.field(description="Pending, succeeded or failed.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next; null unless pending.")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last answer; null when none came."
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed (a status or a network error).")
    response_excerpt: str | None = strawberry.field(
        description="At most the first 1 KB of the last response body (nothing more is ever kept)."
    )
    created_at: datetime = strawberry.field(description="When the delivery was created (fan-out or redelivery).")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> EventDelivery:
        return cls(
            id=strawberry.ID(data["id"]),
            endpoint_id=to_global_id("WebhookEndpoint", UUID(data["endpointId"])),
            event_id=strawberry.ID(data["eventId"]),
            event_type=data["eventType"],
            object_id=strawberry.ID(data["objectId"]),
            status=EventDeliveryStatus(data["status"]),
            attempts=data["attempts"],
            next_attempt_at=_time(data.get("nextAttemptAt")),
            last_attempt_at=_time(data.get("lastAttemptAt")),
            last_status_code=data.get("lastStatusCode"),
            last_error=data.get("lastError"),
            response_excerpt=data.get("responseExcerpt"),
            created_at=datetime.fromisoformat(data["createdAt"]),
        )

    @classmethod
    def from_row(cls, row: EventDeliveryRow) -> EventDelivery:
        return cls.from_snapshot(delivery_snapshot(row))


@strawberry.input(description="What `createWebhookEndpoint` needs.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where to POST events: https in production; private, loopback and link-local addresses are "
        "refused unless `WEBHOOK_ALLOW_PRIVATE_URLS`."
    )
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Types to deliver (docs/events.md); empty or absent: every type."
    )
    description: str | None = strawberry.field(default=strawberry.UNSET, description="Free text, up to 500 characters.")


@strawberry.type(description="The answer of `createWebhookEndpoint`.")
class CreateWebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint; null when `userErrors` is not empty."
    )
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_…`), in this answer only: a replay answers null (rotate for a new one)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateWebhookEndpointPayload:
        endpoint = data.get("webhookEndpoint")
        return cls(
            webhook_endpoint=WebhookEndpoint.from_snapshot(endpoint) if endpoint else None,
            secret=data.get("secret"),
            user_errors=user_errors(data),
        )


@strawberry.input(description="What `updateWebhookEndpoint` needs; fields left out stay as they are.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint (a WebhookEndpoint id).")
    url: str | None = strawberry.field(default=strawberry.UNSET, description="A new URL (checked like at creation).")
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New types; empty or null: every type."
    )
    description: str | None = strawberry.field(default=strawberry.UNSET, description="New free text.")
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Disable, or enable again (clears the failure tracking; what was recorded meanwhile goes out).",
    )


@strawberry.type(description="The answer of `updateWebhookEndpoint`.")
class UpdateWebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UpdateWebhookEndpointPayload:
        endpoint = data.get("webhookEndpoint")
        return cls(
            webhook_endpoint=WebhookEndpoint.from_snapshot(endpoint) if endpoint else None,
            user_errors=user_errors(data),
        )


@strawberry.input(description="What `rotateWebhookEndpointSecret` and `deleteWebhookEndpoint` need.")
class WebhookEndpointIdInput:
    id: strawberry.ID = strawberry.field(description="The endpoint (a WebhookEndpoint id).")


@strawberry.type(description="The answer of `rotateWebhookEndpointSecret`.")
class RotateWebhookEndpointSecretPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint; null when `userErrors` is not empty."
    )
    secret: str | None = strawberry.field(
        description="The new signing secret, in this answer only; the previous one keeps signing for 24 h."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RotateWebhookEndpointSecretPayload:
        endpoint = data.get("webhookEndpoint")
        return cls(
            webhook_endpoint=WebhookEndpoint.from_snapshot(endpoint) if endpoint else None,
            secret=data.get("secret"),
            user_errors=user_errors(data),
        )


@strawberry.type(description="The answer of `deleteWebhookEndpoint`.")
class DeleteWebhookEndpointPayload:
    deleted_webhook_endpoint_id: strawberry.ID | None = strawberry.field(
        description="The deleted endpoint's id; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> DeleteWebhookEndpointPayload:
        deleted = data.get("deletedWebhookEndpointId")
        return cls(
            deleted_webhook_endpoint_id=to_global_id("WebhookEndpoint", UUID(deleted)) if deleted else None,
            user_errors=user_errors(data),
        )


@strawberry.input(description="What `redeliverEvent` needs.")
class RedeliverEventInput:
    event_id: strawberry.ID = strawberry.field(description="The event (`events.id`, the `webhook-id`).")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint to send it to (a WebhookEndpoint id).")


@strawberry.type(description="The answer of `redeliverEvent`.")
class RedeliverEventPayload:
    delivery: EventDelivery | None = strawberry.field(
        description="The new delivery (pending; sent within a sweep interval); null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RedeliverEventPayload:
        delivery = data.get("delivery")
        return cls(delivery=EventDelivery.from_snapshot(delivery) if delivery else None, user_errors=user_errors(data))
