"""The discount checks answered from the mirror, and Stripe's refusals mapped to the same typed codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from base.error_codes import ErrorCode
from models import Coupon, PromotionCode
from resolvers.discounts import _Change, coupon_refusal, next_discounts, promotion_code_refusal, stripe_refusal
from stripe_provider.provider_errors import ProviderError

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
FIELD = ["input", "promotionCode"]


def code(**fields: object) -> PromotionCode:
    values: dict[str, object] = {"stripe_id": "promo_1", "code": "SPRING", "coupon_stripe_id": "c", "active": True}
    return PromotionCode(**{**values, **fields})


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (code(), None),
        (code(active=False), ErrorCode.DISCOUNT_EXPIRED),
        (code(expires_at=NOW - timedelta(seconds=1)), ErrorCode.DISCOUNT_EXPIRED),
        (code(expires_at=NOW + timedelta(days=1)), None),
        (code(max_redemptions=2, times_redeemed=2), ErrorCode.DISCOUNT_USED_UP),
        (code(max_redemptions=2, times_redeemed=1), None),
        (code(customer_stripe_id="cus_other"), ErrorCode.DISCOUNT_FOR_ANOTHER_CUSTOMER),
        (code(customer_stripe_id="cus_me"), None),
    ],
)
def test_what_the_mirror_knows_of_a_promotion_code(row: PromotionCode, expected: ErrorCode | None) -> None:
    refusal = promotion_code_refusal(row, "cus_me", NOW)
    assert (None if refusal is None else refusal.code) == expected
    if refusal is not None:
        assert refusal.as_user_error()["field"] == FIELD


def test_what_the_mirror_knows_of_a_coupon() -> None:
    def coupon(**fields: object) -> Coupon:
        return Coupon(**{"stripe_id": "c", "duration": "once", "valid": True, "times_redeemed": 0, **fields})

    field = ["input", "coupon"]
    assert coupon_refusal(coupon(), NOW, field) is None
    for row, expected in (
        (coupon(redeem_by=NOW - timedelta(minutes=1)), ErrorCode.DISCOUNT_EXPIRED),
        (coupon(max_redemptions=1, times_redeemed=1), ErrorCode.DISCOUNT_USED_UP),
        (coupon(valid=False), ErrorCode.DISCOUNT_EXPIRED),
        (coupon(deleted=True), ErrorCode.NOT_FOUND),
    ):
        refusal = coupon_refusal(row, NOW, field)
        assert refusal is not None and refusal.code == expected


def test_stripes_refusals_map_to_the_typed_codes() -> None:
    def refused(message: str, stripe_code: str | None = None) -> str | None:
        error = ProviderError(ErrorCode.VALIDATION_FAILED, message, stripe_code=stripe_code, http_status=400)
        mapped = stripe_refusal(error, FIELD)
        return None if mapped is None else str(mapped["code"])

    assert refused("The promotion code `X` has expired.", "coupon_expired") == ErrorCode.DISCOUNT_EXPIRED
    assert (
        refused("The promotion code `X` has reached its maximum number of redemptions.") == ErrorCode.DISCOUNT_USED_UP
    )
    assert refused("The promotion code `X` cannot be redeemed by this customer.") == (
        ErrorCode.DISCOUNT_FOR_ANOTHER_CUSTOMER
    )
    assert refused("Invalid array") is None, "any other refusal stays Stripe's own (VALIDATION_FAILED)"
    unavailable = ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, "down")
    assert stripe_refusal(unavailable, FIELD) is None, "an unknown outcome is never a typed refusal"


def test_a_change_starts_from_stripes_discounts_and_adopts_what_is_already_made() -> None:
    held = [
        {"id": "di_1", "object": "discount", "source": {"type": "coupon", "coupon": "SPRING"}, "promotion_code": None},
        {
            "id": "di_2",
            "object": "discount",
            "source": {"type": "coupon", "coupon": "OFF"},
            "promotion_code": "promo_1",
        },
    ]

    def change(**fields: object) -> _Change:
        return _Change(rows=[], named_subscription=True, error_field=FIELD, **fields)  # type: ignore[arg-type]

    kept = [{"discount": "di_1"}, {"discount": "di_2"}]
    assert next_discounts(change(add={"coupon": "NEW"}), held) == [*kept, {"coupon": "NEW"}]
    assert next_discounts(change(add={"coupon": "SPRING"}), held) is None, "the coupon is on already"
    assert next_discounts(change(add={"promotion_code": "promo_1"}), held) is None, "the code is on already"
    assert next_discounts(change(add={"promotion_code": "promo_2"}), held) == [*kept, {"promotion_code": "promo_2"}]
    assert next_discounts(change(remove="di_1"), held) == [{"discount": "di_2"}]
    assert next_discounts(change(remove="di_9"), held) is None, "removed already"
    assert next_discounts(change(), held) == []
    assert next_discounts(change(), []) is None
    assert next_discounts(change(add={"coupon": "NEW"}), ["di_1"]) == [{"discount": "di_1"}, {"coupon": "NEW"}]
