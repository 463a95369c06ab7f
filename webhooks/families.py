"""Which Stripe events the gateway applies, grouped by family (one actor per family).

The webhook receiver stores every event; those not listed here are stored as
`ignored` and acknowledged. The actor of a family is named `stripe.<family>`.
"""

from __future__ import annotations

EVENT_FAMILIES: dict[str, str] = {
    **{f"customer.{action}": "customer" for action in ("created", "updated", "deleted")},
    **{f"payment_method.{action}": "payment_method" for action in ("attached", "detached", "updated")},
    **{
        f"customer.subscription.{action}": "subscription"
        for action in ("created", "updated", "deleted", "paused", "resumed", "trial_will_end")
    },
    **{
        f"invoice.{action}": "invoice"
        for action in (
            "created",
            "finalized",
            "paid",
            "payment_succeeded",
            "payment_failed",
            "payment_action_required",
            "voided",
            "marked_uncollectible",
            "updated",
        )
    },
    **{
        f"payment_intent.{action}": "payment_intent"
        for action in ("created", "succeeded", "payment_failed", "processing", "requires_action", "canceled")
    },
    "charge.refunded": "refund",
    "refund.created": "refund",
    "refund.updated": "refund",
    **{
        f"charge.dispute.{action}": "dispute"
        for action in ("created", "updated", "closed", "funds_withdrawn", "funds_reinstated")
    },
    **{f"price.{action}": "price" for action in ("created", "updated")},
    **{f"plan.{action}": "price" for action in ("created", "updated")},
    **{f"coupon.{action}": "coupon" for action in ("created", "updated", "deleted")},
    **{f"promotion_code.{action}": "promotion_code" for action in ("created", "updated")},
    **{f"billing.meter.{action}": "meter" for action in ("created", "updated", "deactivated", "reactivated")},
}

FAMILIES: frozenset[str] = frozenset(EVENT_FAMILIES.values())


def family_of(event_type: str) -> str | None:
    """The family that applies `event_type`, or None when the gateway ignores it."""
    return EVENT_FAMILIES.get(event_type)


def actor_name(family: str) -> str:
    """The Dramatiq actor name of a family."""
    return f"stripe.{family}"
