"""Queries on the price catalogue."""

from __future__ import annotations

from billing.authorization import visible_prices
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from models import Price


async def prices(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    active: bool | None = None,
) -> Page[Price]:
    """Prices (or plans) mirrored from Stripe, newest first; `active` keeps only (in)active ones."""
    qs = visible_prices(context.principal)
    if active is not None:
        qs = qs.filter(active=active)
    return await paginate(qs, first, after)
