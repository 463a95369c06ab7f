"""Finalizing and voiding invoices as Stripe does, with the events localstripe never sends.

localstripe 1.15 has no `POST /v1/invoices/{id}/finalize`; its `/void` voids drafts too (Stripe
refuses them), fails on an open invoice with no PaymentIntent, cancels the subscription of any
voided invoice, and neither emits an event. Here:

- `POST /v1/invoices/{id}/finalize`: a draft becomes `open` (`paid` when nothing is due), with
  a `number` and `status_transitions.finalized_at`; any other status is a 400
  `invalid_request_error`. Emits `invoice.finalized` (and `invoice.paid` when nothing was due)
  and `invoice.updated` with `previous_attributes` (status, number, finalized_at).
- `POST /v1/invoices/{id}/void`: an open invoice becomes `void`, `status_transitions.voided_at`
  set, its PaymentIntent canceled when it still can be; any other status is a 400. The
  subscription is left as it is. Emits `invoice.voided` and `invoice.updated` with
  `previous_attributes` (status, voided_at).

Answers and events carry the invoice with its `lines` in Stripe's current shape
(`invoice_object`): price in `pricing.price_details`, proration in
`parent.subscription_item_details` / `parent.invoice_item_details`. `auto_advance` is accepted
and ignored (no automatic collection).
"""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from sandbox.events import emit
from sandbox.routes import route

CANCELABLE_INTENT_STATUSES = frozenset(
    {"requires_payment_method", "requires_capture", "requires_confirmation", "requires_action"}
)
"""PaymentIntent statuses Stripe cancels when their invoice is voided."""


def _plan_id(plan: Any) -> str | None:
    return None if plan is None else str(plan.id)


def line_object(line: Any, invoice_id: str) -> dict[str, Any]:
    """A localstripe invoice line item in Stripe's current shape (no legacy `plan`, `price`, `proration`)."""
    plan = getattr(line, "plan", None)
    proration = bool(getattr(line, "proration", False))
    subscription = getattr(line, "subscription", None)
    if getattr(line, "type", None) == "subscription":
        parent: dict[str, Any] = {
            "type": "subscription_item_details",
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
                "subscription_item": getattr(line, "subscription_item", None),
            },
        }
    else:
        parent = {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": getattr(line, "invoice_item", None),
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
            },
        }
    pricing: dict[str, Any] | None = None
    if plan is not None:
        pricing = {
            "type": "price_details",
            "price_details": {"price": _plan_id(plan), "product": getattr(plan, "product", None)},
            "unit_amount_decimal": None if plan.amount is None else str(plan.amount),
        }
    quantity = getattr(line, "quantity", None)
    return {
        "id": line.id,
        "object": "line_item",
        "amount": line.amount,
        "currency": line.currency,
        "description": line.description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": dict(getattr(line, "metadata", None) or {}),
        "parent": parent,
        "period": dict(line.period),
        "pretax_credit_amounts": [],
        "pricing": pricing,
        "quantity": quantity,
        "quantity_decimal": None if quantity is None else str(quantity),
        "subscription": subscription,
        "subtotal": line.amount,
        "taxes": [],
    }


def invoice_object(invoice: Any) -> dict[str, Any]:
    """A localstripe invoice as the sandbox answers and emits it: its lines in Stripe's current shape."""
    obj: dict[str, Any] = invoice._export()
    lines = obj.get("lines") or {}
    obj["lines"] = {
        "object": "list",
        "data": [line_object(line, invoice.id) for line in invoice.lines._list[:10]],
        "has_more": len(invoice.lines._list) > 10,
        "url": lines.get("url", f"/v1/invoices/{invoice.id}/lines"),
    }
    obj["status_transitions"] = {"marked_uncollectible_at": None, **(obj.get("status_transitions") or {})}
    obj.setdefault("number", None)
    return obj


def _refuse(message: str) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    error: Exception = UserError(400, message, {"code": "invoice_unexpected_state"})
    return error


def _invoice(invoice_id: str) -> Any:
    from localstripe.resources import Invoice  # a development dependency, as in sandbox.server

    return Invoice._api_retrieve(invoice_id)


def _next_number(invoice: Any) -> str:
    """Stripe's `<customer prefix>-<sequence>`: the customer's finalized invoices, counted."""
    from localstripe.resources import Invoice  # a development dependency, as in sandbox.server

    prefix = re.sub(r"[^A-Z0-9]", "", str(invoice.customer).removeprefix("cus_").upper())[:8] or "SANDBOX"
    numbered = [
        other
        for other in Invoice._api_list_all(None, customer=invoice.customer, limit=100)._list
        if getattr(other, "number", None)
    ]
    return f"{prefix}-{len(numbered) + 1:04d}"


@route("POST", r"/v1/invoices/(?P<id>in_\w+)/finalize")
async def finalize_invoice(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """Finalize a draft: `open` (or `paid` when nothing is due), numbered; events as Stripe sends them."""
    invoice = _invoice(match["id"])
    if invoice.status != "draft":
        raise _refuse(f"This invoice is already finalized ({invoice.status}); only a draft invoice can be finalized.")
    invoice._draft = False
    invoice.number = _next_number(invoice)
    invoice.status_transitions["finalized_at"] = int(time.time())
    if invoice.status == "paid":
        invoice.status_transitions["paid_at"] = invoice.status_transitions["finalized_at"]
    obj = invoice_object(invoice)
    emit("invoice.finalized", obj)
    if obj["status"] == "paid":
        emit("invoice.paid", obj)
    emit(
        "invoice.updated",
        obj,
        {"status": "draft", "number": None, "status_transitions": {"finalized_at": None}},
    )
    return web.json_response(obj)


@route("POST", r"/v1/invoices/(?P<id>in_\w+)/void")
async def void_invoice(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """Void an open invoice (its PaymentIntent canceled when it still can be); events as Stripe sends them."""
    from localstripe.resources import PaymentIntent  # a development dependency, as in sandbox.server

    invoice = _invoice(match["id"])
    if invoice.status != "open":
        raise _refuse(f"This invoice is {invoice.status}; only an open invoice can be voided.")
    if invoice.payment_intent:
        intent = PaymentIntent._api_retrieve(invoice.payment_intent)
        if intent.status in CANCELABLE_INTENT_STATUSES:
            intent._canceled = True
            intent.next_action = None
    invoice._voided = True
    invoice.status_transitions["voided_at"] = int(time.time())
    obj = invoice_object(invoice)
    emit("invoice.voided", obj)
    emit("invoice.updated", obj, {"status": "open", "status_transitions": {"voided_at": None}})
    return web.json_response(obj)
