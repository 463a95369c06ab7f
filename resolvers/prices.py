"""Queries on the price catalogue."""

from __future__ import annotations

from billing.authorization import visible_prices
from billing.pagination import paginate
from schema.arguments import ActiveFilter, After, First
from schema.context import Info
from schema.prices import Price
from schema.relay import Connection


async def prices(
    info: Info,
    first: First = None,
    after: After = None,
    active: ActiveFilter = None,
) -> Connection[Price]:
    """Prices (or plans) mirrored from Stripe, newest first; `active` keeps only (in)active ones."""
    qs = visible_prices(info.context.principal)
    if active is not None:
        qs = qs.filter(active=active)
    return await paginate(qs, first, after, Price.from_model)
