"""Coupons and promotion codes (queries), and discounts applied to or removed from subscriptions (mutations).

Stripe's current API keeps discounts on subscriptions (`discounts[n][coupon|promotion_code|discount]`);
a customer takes none. So `customerId` names every subscription of the customer that has not ended,
each updated with its own Stripe key. What the mirror knows of a promotion code or a coupon is checked
before Stripe is called (expired, used up, another customer's: typed userErrors); Stripe's own refusal
of the same kinds is mapped to the same codes, and stored with the key like any Stripe decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import strawberry
from graphql import GraphQLError
from tortoise.expressions import F

from base.error_codes import ErrorCode
from billing.authorization import (
    visible_coupons,
    visible_customers,
    visible_promotion_codes,
    visible_subscriptions,
)
from billing.mirror import discount_fields, upsert_promotion_code, upsert_subscription
from billing.mutation_errors import MutationError, user_error
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.snapshots import dump
from billing.validation import fetch
from models import Coupon, PromotionCode
from models import Subscription as SubscriptionModel
from resolvers.subscriptions import TERMINAL_STATUSES
from stripe_provider.provider_errors import ProviderError

# --- queries -------------------------------------------------------------------------------------------------


async def coupons(
    context: Context, first: int | None = None, after: str | None = None, valid: bool | None = None
) -> Page[Coupon]:
    """Coupons mirrored from Stripe, newest first; `valid` keeps only those that may (not) be redeemed."""
    qs = visible_coupons(context.principal)
    if valid is not None:
        qs = qs.filter(valid=valid)
    return await paginate(qs, first, after)


async def promotion_codes(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    code: str | None = None,
    active: bool | None = None,
) -> Page[PromotionCode]:
    """Promotion codes mirrored from Stripe, newest first; `code` (any case) and `active` filter."""
    qs = visible_promotion_codes(context.principal)
    if code is not None:
        qs = qs.filter(code__iexact=code)
    if active is not None:
        qs = qs.filter(active=active)
    return await paginate(qs, first, after)


# --- the checks ----------------------------------------------------------------------------------------------

USED_UP_MESSAGE: Final = "maximum number of redemptions"
OTHER_CUSTOMER_MESSAGE: Final = "cannot be redeemed by this customer"
EXPIRED_STRIPE_CODE: Final = "coupon_expired"


def promotion_code_refusal(row: PromotionCode, customer_stripe_id: str, now: datetime) -> MutationError | None:
    """Why the mirror says this customer cannot redeem the code now (None: it may)."""
    field = ["input", "promotionCode"]
    if not row.active or (row.expires_at is not None and row.expires_at <= now):
        return MutationError(ErrorCode.DISCOUNT_EXPIRED, f"the promotion code {row.code} has expired", field)
    if row.max_redemptions is not None and row.times_redeemed >= row.max_redemptions:
        return MutationError(
            ErrorCode.DISCOUNT_USED_UP,
            f"the promotion code {row.code} was redeemed {row.max_redemptions} times, its limit",
            field,
        )
    if row.customer_stripe_id is not None and row.customer_stripe_id != customer_stripe_id:
        return MutationError(
            ErrorCode.DISCOUNT_FOR_ANOTHER_CUSTOMER, f"the promotion code {row.code} is another customer's", field
        )
    return None


def coupon_refusal(row: Coupon, now: datetime, field: list[str]) -> MutationError | None:
    """Why the mirror says the coupon cannot be redeemed now (None: it may, as far as the mirror knows)."""
    if row.deleted:
        return MutationError(ErrorCode.NOT_FOUND, f"the coupon {row.stripe_id} was deleted", field)
    if row.redeem_by is not None and row.redeem_by <= now:
        return MutationError(ErrorCode.DISCOUNT_EXPIRED, f"the coupon {row.stripe_id} has expired", field)
    if row.max_redemptions is not None and row.times_redeemed >= row.max_redemptions:
        return MutationError(ErrorCode.DISCOUNT_USED_UP, f"the coupon {row.stripe_id} is used up", field)
    if not row.valid:
        return MutationError(ErrorCode.DISCOUNT_EXPIRED, f"the coupon {row.stripe_id} is no longer valid", field)
    return None


def stripe_refusal(error: ProviderError, field: list[str]) -> dict[str, Any] | None:
    """Stripe's refusal of a coupon or promotion code as our typed userError; None for another error."""
    if error.transient:
        return None
    message = error.message.lower()
    if error.stripe_code == EXPIRED_STRIPE_CODE:
        return user_error(ErrorCode.DISCOUNT_EXPIRED, error.message, field)
    if USED_UP_MESSAGE in message:
        return user_error(ErrorCode.DISCOUNT_USED_UP, error.message, field)
    if OTHER_CUSTOMER_MESSAGE in message:
        return user_error(ErrorCode.DISCOUNT_FOR_ANOTHER_CUSTOMER, error.message, field)
    return None


def _given(value: Any) -> bool:
    return value not in (None, strawberry.UNSET, "")


def _exactly_one(first: tuple[str, Any], second: tuple[str, Any]) -> None:
    if _given(first[1]) == _given(second[1]):
        raise MutationError(
            ErrorCode.VALIDATION_FAILED, f"give exactly one of {first[0]} and {second[0]}", ["input", first[0]]
        )


async def _targets(ctx: Context, subscription_id: Any, customer_id: Any) -> tuple[list[SubscriptionModel], bool]:
    """The subscriptions named (one, or a customer's that have not ended) and whether a subscription was named."""
    if _given(subscription_id):
        row = await fetch(
            visible_subscriptions(ctx.principal), str(subscription_id), "Subscription", ["input", "subscriptionId"]
        )
        if row.status in TERMINAL_STATUSES:
            raise MutationError(
                ErrorCode.SUBSCRIPTION_ENDED,
                f"the subscription is {row.status}: its discounts cannot change",
                ["input", "subscriptionId"],
            )
        return [row], True
    customer = await fetch(visible_customers(ctx.principal), str(customer_id), "Customer", ["input", "customerId"])
    rows = await SubscriptionModel.filter(customer_id=customer.id).exclude(status__in=TERMINAL_STATUSES).order_by("id")
    if not rows:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            "the customer has no subscription that has not ended: Stripe keeps discounts on subscriptions",
            ["input", "customerId"],
        )
    return rows, False


async def _promotion_code(ctx: Context, given: str) -> PromotionCode:
    """The promotion code a client named (its id, or the code in any case): the mirror's, else Stripe's (mirrored)."""
    field = ["input", "promotionCode"]
    qs = (
        PromotionCode.filter(stripe_id=given)
        if given.startswith("promo_")
        else PromotionCode.filter(code__iexact=given)
    )
    row = await qs.order_by("-active", "-stripe_created", "-id").first()
    if row is not None:
        return row
    try:
        if given.startswith("promo_"):
            found: dict[str, Any] | None = await ctx.stripe.call("promotion_codes", "retrieve", given)
        else:
            found = await ctx.stripe.find_promotion_code(given)
    except ProviderError as error:
        if error.code != ErrorCode.NOT_FOUND:
            raise
        found = None
    if found is None:
        raise MutationError(ErrorCode.NOT_FOUND, "no promotion code with this code", field)
    return await upsert_promotion_code(found)


# --- applyDiscount -------------------------------------------------------------------------------------------


class ApplyDiscountFields(Protocol):
    """What `apply_discount` reads of its input (`schema.discounts.ApplyDiscountInput`)."""

    @property
    def subscription_id(self) -> strawberry.ID | None: ...
    @property
    def customer_id(self) -> strawberry.ID | None: ...
    @property
    def coupon(self) -> str | None: ...
    @property
    def promotion_code(self) -> str | None: ...


@dataclass(frozen=True)
class _Change:
    """A validated discount change: the subscriptions, and what to add or remove on each."""

    rows: list[SubscriptionModel]
    named_subscription: bool
    error_field: list[str]
    add: dict[str, str] | None = None
    """The `discounts` entry added (`{"coupon": …}` or `{"promotion_code": …}`); None to remove."""
    remove: str | None = None
    """The discount removed (`di_…`); None with `add` None: every discount."""
    coupon_id: str | None = None
    """The coupon `add` redeems."""


@dataclass(frozen=True)
class _Answered:
    """Stripe's answers (subscriptions), how many of them redeemed `add` now, or Stripe's refusal as a userError."""

    subscriptions: list[dict[str, Any]]
    redeemed: int = 0
    refusal: dict[str, Any] | None = None


def _forbidden_coupon() -> GraphQLError:
    return GraphQLError(
        "A customer session may redeem promotion codes only; coupons are applied with an API key.",
        extensions={"code": ErrorCode.FORBIDDEN},
    )


def next_discounts(change: _Change, current: list[Any]) -> list[dict[str, str]] | None:
    """Stripe's `discounts` list that makes the change on a subscription holding `current`; None: already made.

    `current` is Stripe's (not the mirror's, which may lag behind an event): its discounts are kept
    by id (`{"discount": "di_…"}`), since Stripe's parameter replaces the whole list. A change found
    already made (a retry whose first attempt reached Stripe, or another caller) is adopted as is.
    """
    held = [discount_fields(entry) if isinstance(entry, dict) else {"id": str(entry)} for entry in current]
    kept = [{"discount": entry["id"]} for entry in held if entry.get("id")]
    if change.add is not None:
        wanted_coupon, wanted_code = change.add.get("coupon"), change.add.get("promotion_code")
        if any(
            (wanted_code is not None and entry.get("promotion_code") == wanted_code)
            or (wanted_code is None and wanted_coupon is not None and entry.get("coupon") == wanted_coupon)
            for entry in held
        ):
            return None
        return [*kept, change.add]
    if change.remove is not None:
        if all(entry.get("id") != change.remove for entry in held):
            return None
        return [entry for entry in kept if entry["discount"] != change.remove]
    return [] if held else None


async def _call_each(ctx: Context, change: _Change, keys: StripeKeys) -> _Answered:
    answers: list[dict[str, Any]] = []
    redeemed = 0
    for row in change.rows:
        current = await ctx.stripe.retrieve_subscription_with_discounts(row.stripe_id)
        discounts = next_discounts(change, list(current.get("discounts") or []))
        if discounts is None:
            answers.append(current)
            continue
        try:
            answers.append(
                await ctx.stripe.set_subscription_discounts(
                    row.stripe_id, discounts, idempotency_key=keys.stripe_key(f"discounts:{row.stripe_id}")
                )
            )
            redeemed += 1
        except ProviderError as error:
            refusal = stripe_refusal(error, change.error_field)
            if refusal is None:
                raise
            return _Answered(answers, redeemed, refusal)
    return _Answered(answers, redeemed)


async def _write(change: _Change, answered: _Answered) -> Outcome:
    rows = [await upsert_subscription(obj) for obj in answered.subscriptions]
    if change.add is not None and answered.redeemed:
        # Stripe sends no event for a redemption: count ours, so the mirror's USED_UP check stays right.
        if "promotion_code" in change.add:
            await PromotionCode.filter(stripe_id=change.add["promotion_code"]).update(
                times_redeemed=F("times_redeemed") + answered.redeemed
            )
        if change.coupon_id is not None:
            await Coupon.filter(stripe_id=change.coupon_id).update(
                times_redeemed=F("times_redeemed") + answered.redeemed
            )
    dumped = {"subscriptions": [dump(row) for row in rows]}
    if answered.refusal is not None:
        # Those changed before Stripe refused one stay changed: listed, with the refusal.
        return Outcome(rows={"subscription": None}, fields=dumped, user_errors=[answered.refusal])
    return Outcome(rows={"subscription": rows[0] if change.named_subscription and rows else None}, fields=dumped)


async def apply_discount(ctx: Context, call: MutationCall, input: ApplyDiscountFields) -> Snapshot:
    """Apply a coupon or a promotion code to a subscription (or to each running subscription of a customer).

    The discounts already there are kept; one already there (the same code, or the same coupon applied
    directly) is not applied twice: the subscription is answered as it is, nothing redeemed again. A
    customer session may redeem a promotion code on its own customer's subscriptions; coupons take an
    API key (FORBIDDEN for a session).
    """

    async def validate() -> _Change:
        _exactly_one(("subscriptionId", input.subscription_id), ("customerId", input.customer_id))
        _exactly_one(("coupon", input.coupon), ("promotionCode", input.promotion_code))
        rows, named = await _targets(ctx, input.subscription_id, input.customer_id)
        customer = await rows[0].customer
        now = datetime.now(UTC)
        if _given(input.promotion_code):
            field = ["input", "promotionCode"]
            code = await _promotion_code(ctx, str(input.promotion_code).strip())
            refusal = promotion_code_refusal(code, customer.stripe_id, now)
            coupon_id = code.coupon_stripe_id
            add = {"promotion_code": code.stripe_id}
        else:
            field = ["input", "coupon"]
            coupon_id = str(input.coupon).strip()
            add = {"coupon": coupon_id}
            refusal = None
        coupon = await Coupon.get_or_none(stripe_id=coupon_id)
        refusal = refusal or (None if coupon is None else coupon_refusal(coupon, now, field))
        if refusal is not None:
            raise refusal
        return _Change(rows, named, field, add=add, coupon_id=coupon_id)

    async def call_stripe(change: _Change, keys: StripeKeys) -> _Answered:
        return await _call_each(ctx, change, keys)

    if _given(input.coupon) and ctx.principal.customer_id is not None:
        # A refusal of the caller's rights, like a permission class's: before the ledger, no audit entry.
        raise _forbidden_coupon()
    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=_write)


# --- removeDiscount ------------------------------------------------------------------------------------------


class RemoveDiscountFields(Protocol):
    """What `remove_discount` reads of its input (`schema.discounts.RemoveDiscountInput`)."""

    @property
    def subscription_id(self) -> strawberry.ID | None: ...
    @property
    def customer_id(self) -> strawberry.ID | None: ...
    @property
    def discount_id(self) -> str | None: ...


async def remove_discount(ctx: Context, call: MutationCall, input: RemoveDiscountFields) -> Snapshot:
    """Remove one discount (`discountId`), or every discount, from a subscription (or a customer's subscriptions)."""

    async def validate() -> _Change:
        _exactly_one(("subscriptionId", input.subscription_id), ("customerId", input.customer_id))
        rows, named = await _targets(ctx, input.subscription_id, input.customer_id)
        field = ["input", "discountId"]
        if _given(input.discount_id):
            discount_id = str(input.discount_id).strip()
            rows = [row for row in rows if any(entry.get("id") == discount_id for entry in row.discounts or [])]
            if not rows:
                raise MutationError(ErrorCode.NOT_FOUND, "no discount with this id on the subscription", field)
            return _Change(rows, named, field, remove=discount_id)
        rows = [row for row in rows if row.discounts]
        if not rows:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "there is no discount to remove", ["input"])
        return _Change(rows, named, field)

    async def call_stripe(change: _Change, keys: StripeKeys) -> _Answered:
        return await _call_each(ctx, change, keys)

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=_write)
