"""Shared model bases: time-ordered UUID keys and the Stripe-mirror columns."""

from __future__ import annotations

import os
import time
import uuid

from tortoise import fields
from tortoise.models import Model


def uuid7() -> uuid.UUID:
    """A RFC 9562 version-7 UUID: time-ordered, so primary-key order is creation order."""
    millis = time.time_ns() // 1_000_000
    raw = bytearray(millis.to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return uuid.UUID(bytes=bytes(raw))


class TimestampedModel(Model):
    """A row with a time-ordered UUID key and creation/update times (UTC)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class StripeMirrorModel(TimestampedModel):
    """A local copy of one Stripe object.

    `stripe_created` is the object's own creation time at Stripe; `stripe_event_at`
    is the `created` time of the newest event applied to the row, so that an older
    event never overwrites newer state.
    """

    stripe_id = fields.CharField(max_length=255, unique=True)
    livemode = fields.BooleanField(default=False)
    stripe_created = fields.DatetimeField(null=True)
    stripe_event_at = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField(null=True)

    class Meta:
        abstract = True
