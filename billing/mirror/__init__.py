"""Writing Stripe's answers into the local mirror.

Each `upsert_*` takes a Stripe object as a plain dict (any API version: current
Stripe, older versions, localstripe), maps only what we keep, and creates or updates
the row keyed by the Stripe id. The mapping itself lives in pure `*_fields` functions
(no database), one module per domain. Card data never passes: a payment method keeps
its brand, last4 and expiry only. Amounts are ints in minor units, currencies lower
case, times aware UTC.

Links: a required parent that is not mirrored yet raises `MissingParentError` (fetch
it from Stripe, upsert it, retry). An optional link whose row is not mirrored yet
stays null, its Stripe id kept (`Invoice.subscription_stripe_id`,
`Payment.invoice_stripe_id`, `Payment.customer_stripe_id`), and the later upsert of
that row links everything that was waiting for it.
"""

from billing.mirror.common import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    from_timestamp,
    stripe_id_of,
)
from billing.mirror.customers import (
    customer_fields,
    payment_method_fields,
    require_customer,
    upsert_customer,
    upsert_payment_method,
)
from billing.mirror.discounts import (
    coupon_fields,
    discount_fields,
    promotion_code_fields,
    subscription_discounts,
    unknown_discount_ids,
    upsert_coupon,
    upsert_promotion_code,
)
from billing.mirror.disputes import dispute_fields, dispute_parent_ids, upsert_dispute
from billing.mirror.invoices import (
    invoice_fields,
    invoice_line_fields,
    invoice_payment_intent_id,
    invoice_subscription_id,
    upsert_invoice,
)
from billing.mirror.payments import (
    REFUND_STATUSES_COUNTED,
    payment_charge,
    payment_fields,
    refund_fields,
    refund_parent_ids,
    upsert_payment,
    upsert_refund,
)
from billing.mirror.prices import is_plan, price_fields, upsert_price
from billing.mirror.subscriptions import subscription_fields, subscription_item_fields, upsert_subscription

__all__ = [
    "REFUND_STATUSES_COUNTED",
    "InvalidStripeObjectError",
    "MissingParentError",
    "StripeObject",
    "coupon_fields",
    "customer_fields",
    "discount_fields",
    "dispute_fields",
    "dispute_parent_ids",
    "from_timestamp",
    "invoice_fields",
    "invoice_line_fields",
    "invoice_payment_intent_id",
    "invoice_subscription_id",
    "is_plan",
    "payment_charge",
    "payment_fields",
    "payment_method_fields",
    "price_fields",
    "promotion_code_fields",
    "refund_fields",
    "refund_parent_ids",
    "require_customer",
    "stripe_id_of",
    "subscription_discounts",
    "subscription_fields",
    "subscription_item_fields",
    "unknown_discount_ids",
    "upsert_coupon",
    "upsert_customer",
    "upsert_dispute",
    "upsert_invoice",
    "upsert_payment",
    "upsert_payment_method",
    "upsert_price",
    "upsert_promotion_code",
    "upsert_refund",
    "upsert_subscription",
]
