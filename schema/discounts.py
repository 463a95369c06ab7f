"""Coupons, promotion codes and the discounts on a subscription; the inputs of `applyDiscount` / `removeDiscount`.

Their answers (which hold subscriptions) are in `schema.subscriptions`, which shows each subscription's discounts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

import strawberry

from models import Coupon as CouponModel
from models import PromotionCode as PromotionCodeModel
from schema.context import Info
from schema.money import MinorUnits


@strawberry.type(description="A Stripe coupon: what a discount takes off, and for how long (mirrored from Stripe).")
class Coupon:
    id: str = strawberry.field(description="The coupon's id at Stripe: pass it as `coupon` to `applyDiscount`.")
    name: str | None = strawberry.field(description="Its name, shown to customers on invoices.")
    percent_off: float | None = strawberry.field(description="The percentage taken off (0 to 100); null for amountOff.")
    amount_off: MinorUnits | None = strawberry.field(
        description="The amount taken off each invoice, in `currency`; null for percentOff."
    )
    currency: str | None = strawberry.field(description="The currency of `amountOff` (lower case); null otherwise.")
    duration: str = strawberry.field(
        description="`once` (the next invoice), `repeating` (for `durationInMonths`) or `forever`."
    )
    duration_in_months: int | None = strawberry.field(description="How many months a `repeating` coupon applies.")
    max_redemptions: int | None = strawberry.field(description="How many times it may be redeemed; null: no limit.")
    times_redeemed: int = strawberry.field(description="How many times it was redeemed.")
    redeem_by: datetime | None = strawberry.field(description="The last moment it may be redeemed; null: no limit.")
    valid: bool = strawberry.field(description="Whether it may still be redeemed (Stripe's `valid`).")

    @classmethod
    def from_model(cls, row: CouponModel) -> Coupon:
        return cls(
            id=row.stripe_id,
            name=row.name,
            percent_off=row.percent_off,
            amount_off=row.amount_off,
            currency=row.currency,
            duration=row.duration,
            duration_in_months=row.duration_in_months,
            max_redemptions=row.max_redemptions,
            times_redeemed=row.times_redeemed,
            redeem_by=row.redeem_by,
            valid=row.valid and not row.deleted,
        )


@strawberry.type(description="A customer-facing code redeeming a coupon, with its own limits (mirrored from Stripe).")
class PromotionCode:
    id: str = strawberry.field(description="The promotion code's id at Stripe (`promo_…`).")
    code: str = strawberry.field(description="What the customer types: pass it as `promotionCode` to `applyDiscount`.")
    coupon_id: str = strawberry.field(description="The id of the coupon it redeems.")
    customer_id: str | None = strawberry.field(
        description="The Stripe id of the only customer who may redeem it; null: anyone."
    )
    active: bool = strawberry.field(description="Whether it may be redeemed (until `expiresAt`).")
    expires_at: datetime | None = strawberry.field(description="When it stops being redeemable; null: never.")
    max_redemptions: int | None = strawberry.field(description="How many times it may be redeemed; null: no limit.")
    times_redeemed: int = strawberry.field(description="How many times it was redeemed.")
    model: strawberry.Private[PromotionCodeModel]

    @classmethod
    def from_model(cls, row: PromotionCodeModel) -> PromotionCode:
        return cls(
            id=row.stripe_id,
            code=row.code,
            coupon_id=row.coupon_stripe_id,
            customer_id=row.customer_stripe_id,
            active=row.active,
            expires_at=row.expires_at,
            max_redemptions=row.max_redemptions,
            times_redeemed=row.times_redeemed,
            model=row,
        )

    @strawberry.field(description="The coupon it redeems; null while the mirror has not seen it.")
    async def coupon(self, info: Info) -> Coupon | None:
        row = await CouponModel.get_or_none(stripe_id=self.model.coupon_stripe_id)
        return None if row is None else Coupon.from_model(row)


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value), UTC)


@strawberry.type(description="A coupon applied to a subscription (Stripe's Discount), directly or by a promotion code.")
class Discount:
    id: str = strawberry.field(description="The discount's id at Stripe (`di_…`): pass it to `removeDiscount`.")
    coupon_id: str | None = strawberry.field(description="The id of the coupon applied.")
    promotion_code_id: str | None = strawberry.field(
        description="The id of the promotion code redeemed (`promo_…`); null when the coupon was applied directly."
    )
    start: datetime | None = strawberry.field(description="When it started to apply.")
    end: datetime | None = strawberry.field(
        description="When it stops applying (a `repeating` or `once` coupon); null: for as long as the subscription."
    )

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Discount:
        """A discount as `Subscription.discounts` keeps it (`billing.mirror.discount_fields`)."""
        return cls(
            id=str(entry.get("id")),
            coupon_id=entry.get("coupon"),
            promotion_code_id=entry.get("promotion_code"),
            start=_time(entry.get("start")),
            end=_time(entry.get("end")),
        )

    @strawberry.field(description="The coupon applied; null while the mirror has not seen it.")
    async def coupon(self, info: Info) -> Coupon | None:
        if self.coupon_id is None:
            return None
        row = await CouponModel.get_or_none(stripe_id=self.coupon_id)
        return None if row is None else Coupon.from_model(row)

    @strawberry.field(description="The promotion code redeemed; null when none was (or the mirror has not seen it).")
    async def promotion_code(self, info: Info) -> PromotionCode | None:
        if self.promotion_code_id is None:
            return None
        row = await PromotionCodeModel.get_or_none(stripe_id=self.promotion_code_id)
        return None if row is None else PromotionCode.from_model(row)


@strawberry.input(
    description="What `applyDiscount` needs: exactly one of `subscriptionId` / `customerId`, and exactly one of "
    "`coupon` / `promotionCode`."
)
class ApplyDiscountInput:
    subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The subscription to discount (a Subscription id)."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A customer (a Customer id): every subscription of it that has not ended is discounted "
        "(Stripe's current API keeps discounts on subscriptions, not on customers).",
    )
    coupon: str | None = strawberry.field(
        default=strawberry.UNSET, description="A coupon's id at Stripe (API keys only, not customer sessions)."
    )
    promotion_code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A promotion code: the code the customer types (`SPRING25`, any case) or its id (`promo_…`).",
    )


@strawberry.input(
    description="What `removeDiscount` needs: exactly one of `subscriptionId` / `customerId`; `discountId` to "
    "remove one discount (else all)."
)
class RemoveDiscountInput:
    subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The subscription (a Subscription id)."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A customer (a Customer id): each of its subscriptions that has not ended.",
    )
    discount_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="The discount to remove (`di_…`); left out: every discount."
    )


ValidFilter: TypeAlias = Annotated[
    bool | None,
    strawberry.argument(description="Only coupons that may (true) or may no longer (false) be redeemed."),
]
CodeFilter: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Only promotion codes with this code (any case).")
]
PromotionActiveFilter: TypeAlias = Annotated[
    bool | None, strawberry.argument(description="Only active (true) or only inactive (false) promotion codes.")
]
