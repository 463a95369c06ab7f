"""Price: the catalogue as read from the mirror (a Stripe Price, or a Plan on emulators that only know Plans)."""

from __future__ import annotations

import strawberry

from base.ids import to_global_id
from models import Price as PriceModel
from schema.money import MinorUnits
from schema.nodes import node_type
from schema.relay import CURRENCY_DESCRIPTION, ID_DESCRIPTION, Node


@node_type(PriceModel)
@strawberry.type(description="Something a subscription can be for: an amount per interval, in minor units.")
class Price(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The id to pass as `priceId` (a `price_…` id, or a plan id).")
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    unit_amount: MinorUnits | None = strawberry.field(
        description="The amount per unit per interval; null for tiered or metered prices."
    )
    interval: str | None = strawberry.field(description="`day`, `week`, `month` or `year`; null for one-off prices.")
    interval_count: int | None = strawberry.field(description="How many intervals make one billing period.")
    nickname: str | None = strawberry.field(description="A name for it, not shown to customers.")
    active: bool = strawberry.field(description="Whether new subscriptions may use it.")
    product_id: str | None = strawberry.field(description="The Stripe product id.")
    kind: str = strawberry.field(description="`price` for a Stripe Price, `plan` for a legacy Plan used as a price.")
    model: strawberry.Private[PriceModel]

    @classmethod
    def from_model(cls, row: PriceModel) -> Price:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Price", row.id),
            stripe_id=row.stripe_id,
            currency=row.currency,
            unit_amount=row.unit_amount,
            interval=row.recurring_interval,
            interval_count=row.recurring_interval_count,
            nickname=row.nickname,
            active=row.active,
            product_id=row.product_stripe_id,
            kind=row.kind,
            model=row,
        )
