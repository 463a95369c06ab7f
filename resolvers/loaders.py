"""Per-request DataLoaders: one SQL statement per batch of keys, whatever the nesting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from strawberry.dataloader import DataLoader

from models import Customer, PaymentMethod


async def _customers_by_id(keys: Sequence[UUID]) -> list[Customer | None]:
    rows = {row.id: row for row in await Customer.filter(id__in=list(keys))}
    return [rows.get(key) for key in keys]


async def _payment_methods_by_id(keys: Sequence[UUID]) -> list[PaymentMethod | None]:
    rows = {row.id: row for row in await PaymentMethod.filter(id__in=list(keys))}
    return [rows.get(key) for key in keys]


async def _payment_methods_by_stripe_id(keys: Sequence[str]) -> list[PaymentMethod | None]:
    rows = {row.stripe_id: row for row in await PaymentMethod.filter(stripe_id__in=list(keys))}
    return [rows.get(key) for key in keys]


@dataclass
class Loaders:
    """The loaders of one request (a loader caches for the request's lifetime only)."""

    customer: DataLoader[UUID, Customer | None] = field(default_factory=lambda: DataLoader(_customers_by_id))
    payment_method: DataLoader[UUID, PaymentMethod | None] = field(
        default_factory=lambda: DataLoader(_payment_methods_by_id)
    )
    payment_method_by_stripe_id: DataLoader[str, PaymentMethod | None] = field(
        default_factory=lambda: DataLoader(_payment_methods_by_stripe_id)
    )
