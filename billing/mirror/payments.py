"""Payments (Stripe PaymentIntents) and their refunds, from any API version.

Old API versions and localstripe list the intent's charges in `charges.data` and name
its invoice in `invoice`; current versions have `latest_charge` (an id unless expanded)
and no invoice link at all (the invoice names its payment instead, see `invoices.py`).

`Payment.amount_refunded` follows the charge's `amount_refunded` whenever an answer
carries the charge expanded (kept in `charge_amount_refunded`); otherwise it is the
sum of the mirrored refunds that hold money back, never less than that last figure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from billing.mirror.common import (
    InvalidStripeObjectError,
    MissingParentError,
    Statement,
    StripeObject,
    amount_of,
    currency_of,
    db_value,
    expanded,
    in_transaction_now,
    list_data,
    mirror_fields,
    object_id,
    optional_int,
    quoted,
    required_str,
    stripe_id_of,
    synced_now,
    without_none,
)
from models import Customer, Payment, Refund
from models.base import uuid7

REFUND_STATUSES_COUNTED = ("pending", "succeeded", "requires_action")
"""Refund statuses whose amount is taken off the payment (failed and canceled ones gave it back)."""

# Links and figures an answer may simply not include (see `without_none`).
_STICKY = ("invoice_stripe_id", "charge_amount_refunded")


def payment_charge(obj: StripeObject) -> StripeObject | None:
    """The intent's latest charge when the answer includes it: expanded `latest_charge`, or old `charges.data[0]`."""
    charge = expanded(obj.get("latest_charge"))
    if charge is not None:
        return charge
    charges = list_data(obj.get("charges"))
    return charges[0] if charges else None


def _amount_received(obj: StripeObject, charge: StripeObject | None) -> int:
    received = obj.get("amount_received")
    if received is not None:
        return int(received)
    # localstripe sends no amount_received: derive it the way Stripe defines it.
    if charge is not None and charge.get("status") == "succeeded" and charge.get("captured", True):
        return amount_of(charge.get("amount_captured"), default=amount_of(charge.get("amount")))
    return amount_of(obj.get("amount")) if obj.get("status") == "succeeded" else 0


def payment_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Payment` columns of a Stripe PaymentIntent (without the customer and invoice rows).

    `charge_amount_refunded` is None when the answer does not include the charge, and
    `invoice_stripe_id` None when it names no invoice (current API versions never do).
    The failure columns are cleared when the intent has no `last_payment_error`; an
    error without a `code` keeps its `type` as the code, so that a failure stays visible.
    """
    charge = payment_charge(obj)
    error = obj.get("last_payment_error") or {}
    failure_code = (error.get("code") or error.get("type")) if error else None
    return {
        **mirror_fields(obj),
        "status": required_str(obj, "status"),
        "amount": amount_of(obj.get("amount")),
        "amount_received": _amount_received(obj, charge),
        "currency": currency_of(obj.get("currency")),
        "description": obj.get("description"),
        "client_secret": obj.get("client_secret"),
        "payment_method_stripe_id": stripe_id_of(obj.get("payment_method")),
        "latest_charge_stripe_id": stripe_id_of(obj.get("latest_charge")) or stripe_id_of(charge),
        "failure_code": failure_code,
        "decline_code": error.get("decline_code"),
        "failure_message": error.get("message"),
        "customer_stripe_id": stripe_id_of(obj.get("customer")),
        "invoice_stripe_id": stripe_id_of(obj.get("invoice")),
        "charge_amount_refunded": optional_int(charge.get("amount_refunded")) if charge is not None else None,
    }


async def _refresh_amount_refunded(payment: Payment, *, dirty: bool = False) -> None:
    """Recompute `payment.amount_refunded` from its mirrored refunds and the charge's last known figure.

    Saves when the figure changed, or when `dirty` (the caller changed `charge_amount_refunded`).
    Call inside a transaction holding the payment's row lock, so concurrent refunds
    cannot both compute a sum that misses the other.
    """
    refunds = await Refund.filter(payment_id=payment.id, status__in=REFUND_STATUSES_COUNTED).only("id", "amount")
    total = sum(refund.amount for refund in refunds)
    # The charge may know refunds not mirrored yet (made in the Dashboard, events still on their way).
    value = max(total, payment.charge_amount_refunded or 0)
    if dirty or value != payment.amount_refunded:
        payment.amount_refunded = value
        await payment.save(update_fields=["amount_refunded", "charge_amount_refunded", "updated_at"])


_PAYMENT_COLUMNS: Final = (
    "id",
    "created_at",
    "updated_at",
    "stripe_id",
    "livemode",
    "stripe_created",
    "stripe_event_at",
    "synced_at",
    "customer_id",
    "invoice_id",
    "status",
    "amount",
    "amount_received",
    "amount_refunded",
    "charge_amount_refunded",
    "currency",
    "description",
    "client_secret",
    "payment_method_stripe_id",
    "latest_charge_stripe_id",
    "customer_stripe_id",
    "invoice_stripe_id",
    "failure_code",
    "decline_code",
    "failure_message",
)
"""Every column of `payments`, in the order the upsert lists them."""

_KEPT_WHEN_NULL: Final = ("invoice_id", "invoice_stripe_id")
"""Links an update keeps when this answer does not find them (see `without_none`)."""


async def upsert_payment(
    obj: StripeObject, customer: Customer | None = None, *, stripe_event_at: datetime | None = None
) -> Payment:
    """Create or update the mirror row of a Stripe PaymentIntent.

    The customer and invoice are linked when mirrored; otherwise their ids wait in
    `customer_stripe_id` / `invoice_stripe_id` and the later customer or invoice
    upsert links them. In current API versions the invoice is found by the invoice
    that names this intent. `stripe_event_at` (the applied event's `created`) is
    written with the row when given, and left as it is otherwise.

    One statement, `INSERT … ON CONFLICT (stripe_id) DO UPDATE … RETURNING`, finds the
    customer and invoice rows in subqueries and locks the row it updates for the rest of
    the transaction; an updated row whose answer lacks the charge's figure then has its
    `amount_refunded` recomputed from its refunds (a new row has none yet).
    """
    stripe_id = object_id(obj)
    fields: dict[str, Any] = {**without_none(payment_fields(obj), *_STICKY), **synced_now()}
    if customer is not None:
        if fields["customer_stripe_id"] not in (None, customer.stripe_id):
            raise InvalidStripeObjectError(
                f"payment_intent {stripe_id} belongs to {fields['customer_stripe_id']}, not {customer.stripe_id}"
            )
        fields["customer_stripe_id"] = customer.stripe_id
    if stripe_event_at is not None:
        fields["stripe_event_at"] = stripe_event_at
    charge_figure = fields.get("charge_amount_refunded")
    if charge_figure is not None:
        # The charge is Stripe's own figure and this answer carries it: take it as is.
        fields["amount_refunded"] = charge_figure
    connection = Tortoise.get_connection("default")
    if in_transaction_now(connection):
        return await _upsert_payment_row(connection, stripe_id, fields, customer)
    async with in_transaction() as transaction:
        return await _upsert_payment_row(transaction, stripe_id, fields, customer)


async def _upsert_payment_row(
    connection: BaseDBAsyncClient, stripe_id: str, fields: dict[str, Any], customer: Customer | None
) -> Payment:
    """The upsert statement of `upsert_payment`, in the caller's transaction."""
    statement = Statement(connection)
    param = statement.param
    now = datetime.now(UTC)
    row_id = uuid7()
    invoice_stripe_id = fields.get("invoice_stripe_id")
    # The invoice it names, else the newest one naming this intent (current API versions).
    invoice_where = '"stripe_id" = {}' if invoice_stripe_id is not None else '"payment_intent_stripe_id" = {}'
    invoice_key = invoice_stripe_id if invoice_stripe_id is not None else stripe_id
    newest_invoice = 'FROM "invoices" WHERE ' + invoice_where + ' ORDER BY "created_at" DESC, "id" DESC LIMIT 1'
    values: list[str] = []
    updated: list[str] = []
    for column in _PAYMENT_COLUMNS:
        if column == "id":
            values.append(param(db_value(Payment, "id", row_id)))
        elif column in ("created_at", "updated_at"):
            values.append(param(db_value(Payment, column, now)))
        elif column == "stripe_id":
            values.append(param(stripe_id))
        elif column == "customer_id":
            if customer is not None:
                values.append(param(db_value(Payment, "id", customer.id)))
            elif fields["customer_stripe_id"] is not None:
                customer_key = param(fields["customer_stripe_id"])
                values.append(f'(SELECT "id" FROM "customers" WHERE "stripe_id" = {customer_key})')  # noqa: S608
            else:
                values.append("NULL")
        elif column == "invoice_id":
            values.append(f'(SELECT "id" {newest_invoice.format(param(invoice_key))})')
        elif column == "invoice_stripe_id" and invoice_stripe_id is None:
            values.append(f'(SELECT "stripe_id" {newest_invoice.format(param(invoice_key))})')
        elif column in fields:
            values.append(param(db_value(Payment, column, fields[column])))
        else:
            # A new row without this answer's figure: what Tortoise would have created.
            default = Payment._meta.fields_map[column].default
            values.append(param(db_value(Payment, column, default() if callable(default) else default)))
        if column in ("id", "created_at", "stripe_id"):
            continue
        if column in _KEPT_WHEN_NULL:
            updated.append(f'"{column}" = COALESCE(EXCLUDED."{column}", "payments"."{column}")')
        elif column in fields or column in ("updated_at", "customer_id"):
            updated.append(f'"{column}" = EXCLUDED."{column}"')
    columns = quoted(_PAYMENT_COLUMNS)
    sql = (
        f'INSERT INTO "payments" ({columns}) VALUES ({", ".join(values)}) '  # noqa: S608 - fixed names
        f'ON CONFLICT ("stripe_id") DO UPDATE SET {", ".join(updated)} RETURNING {columns}'
    )
    rows = await connection.execute_query_dict(sql, statement.params)
    payment = Payment._init_from_db(**rows[0])
    if customer is not None:
        payment.customer = customer
    inserted = payment.id == row_id
    if not inserted and fields.get("charge_amount_refunded") is None:
        # The statement holds the row's lock until the transaction ends (see _refresh_amount_refunded).
        await _refresh_amount_refunded(payment)
    return payment


def refund_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Refund` columns of a Stripe refund (without the payment row)."""
    return {
        **mirror_fields(obj),
        "amount": amount_of(obj.get("amount")),
        "currency": currency_of(obj.get("currency")),
        "status": required_str(obj, "status"),
        "reason": obj.get("reason"),
        "failure_reason": obj.get("failure_reason"),
    }


def refund_parent_ids(obj: StripeObject) -> tuple[str | None, str | None]:
    """The (payment_intent id, charge id) a refund names; either may be missing."""
    return stripe_id_of(obj.get("payment_intent")), stripe_id_of(obj.get("charge"))


async def _locked_payment(obj: StripeObject, payment: Payment | None) -> Payment:
    intent_id, charge_id = refund_parent_ids(obj)
    if payment is not None:
        if intent_id is not None and intent_id != payment.stripe_id:
            raise InvalidStripeObjectError(f"refund {obj.get('id')} is of {intent_id}, not {payment.stripe_id}")
        return await Payment.select_for_update().get(id=payment.id)
    if intent_id is not None:
        found = await Payment.select_for_update().get_or_none(stripe_id=intent_id)
        if found is None:
            raise MissingParentError("payment_intent", intent_id)
        return found
    if charge_id is not None:
        # A refund of a bare charge (or an old answer without payment_intent): its intent has that latest charge.
        found = await Payment.select_for_update().filter(latest_charge_stripe_id=charge_id).first()
        if found is None:
            raise MissingParentError("charge", charge_id)
        return found
    raise InvalidStripeObjectError(f"refund {obj.get('id')} names neither a payment_intent nor a charge")


async def upsert_refund(
    obj: StripeObject, payment: Payment | None = None, *, stripe_event_at: datetime | None = None
) -> Refund:
    """Create or update the mirror row of a Stripe refund, then recompute its payment's `amount_refunded`.

    The payment is `payment`, else the one named by `payment_intent`, else the one
    whose latest charge is the refund's `charge`; when it is not mirrored yet this
    raises `MissingParentError` (`payment_intent` or `charge`, with the id). The
    `payment` passed in gets the new `amount_refunded` too. `stripe_event_at` (the applied
    event's `created`) is written with the refund's row when given.
    """
    stripe_id = object_id(obj)
    fields = refund_fields(obj)
    if stripe_event_at is not None:
        fields["stripe_event_at"] = stripe_event_at
    async with in_transaction():
        locked = await _locked_payment(obj, payment)
        # An expanded charge is a fresher figure than the one the payment row holds.
        charge_figure = optional_int((expanded(obj.get("charge")) or {}).get("amount_refunded"))
        dirty = charge_figure is not None and charge_figure != locked.charge_amount_refunded
        if dirty:
            locked.charge_amount_refunded = charge_figure
        refund, _ = await Refund.update_or_create(
            defaults={**fields, **synced_now(), "payment": locked}, stripe_id=stripe_id
        )
        await _refresh_amount_refunded(locked, dirty=dirty)
    if payment is not None:
        payment.amount_refunded = locked.amount_refunded
        payment.charge_amount_refunded = locked.charge_amount_refunded
    return refund
