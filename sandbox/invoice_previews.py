"""Subscription changes previewed and invoiced with Stripe's prorations (localstripe only has a placeholder).

localstripe's `create_preview` credits the whole previous invoice as "Unused time" whatever the
date, ignores `proration_behavior` and `proration_date`, and its subscription update knows
neither (it takes the old `prorate` flag). Stripe prorates to the second: for a change at
`proration_date` inside the current period [start, end),

- a credit for the unused time on the old price: `-round(old amount * (end - date) / (end - start))`,
  described "Unused time on <quantity> \N{MULTIPLICATION SIGN} <name> after <date>", period [date, end];
- a charge for the remaining time on the new price: `round(new amount * (end - date) / (end - start))`,
  "Remaining time on <quantity> \N{MULTIPLICATION SIGN} <name> after <date>", same period;

each line rounded to a whole minor unit on its own (half up). `change_lines` computes them,
and both routes below use it, so a preview taken with a `proration_date` equals the invoice
the same change makes with that `proration_date`:

- `POST /v1/invoices/create_preview` with `subscription_details[items|proration_behavior|
  proration_date]` answers the invoice the change would produce: with `always_invoice`, the
  prorations alone (the invoice made at once); with `create_prorations`, the prorations and
  the next period on the new price (the next invoice); with `none`, the next period only.
  Without `subscription_details` it is localstripe's own preview (the next invoice as is).
- `POST /v1/subscriptions/{id}` with `proration_behavior` or `proration_date` changes the
  single item in place (its id kept, as Stripe does); `always_invoice` invoices the prorations
  at once (finalized, paid with the default payment method as Stripe attempts it),
  `create_prorations` leaves them as pending invoice items for the next invoice. It emits
  `customer.subscription.updated` (and `invoice.created` for the invoice). A request with
  neither parameter is localstripe's (or another feature's) to answer.

Not emulated: several items, a change of billing interval (Stripe resets the period),
tiered prices, discounts and taxes on prorations.
"""

from __future__ import annotations

import calendar
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiohttp import web

from sandbox.events import emit, new_id
from sandbox.routes import route

TIMES: Final = "\N{MULTIPLICATION SIGN}"
"""Stripe writes a quantity in a line description as `2 <multiplication sign> Pro`."""
BEHAVIORS: Final = ("create_prorations", "none", "always_invoice")
"""Stripe's `proration_behavior` values."""
CHANGE_PARAMS: Final = frozenset({"proration_behavior", "proration_date"})
"""A subscription update carrying one of these is answered here."""
_UPDATE_PARAMS: Final = CHANGE_PARAMS | {"items", "expand"}


@dataclass(frozen=True)
class Priced:
    """One subscription item as prorations see it: a price (plan), its name and amount, a quantity."""

    price: str
    product: str | None
    name: str
    unit_amount: int
    quantity: int
    currency: str
    interval: str
    interval_count: int

    @property
    def amount(self) -> int:
        """What one whole period costs."""
        return self.unit_amount * self.quantity


def prorated(amount: int, start: int, end: int, at: int) -> int:
    """`amount` for the part [at, end) of the period [start, end), rounded half up to a whole minor unit."""
    numerator, denominator = amount * (end - at), end - start
    return (2 * numerator + denominator) // (2 * denominator)


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%d %b %Y")


def add_interval(timestamp: int, interval: str, count: int) -> int:
    """`timestamp` moved on by `count` intervals (a month keeps its day, clamped to the month's end)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    if interval == "day":
        return int((moment + timedelta(days=count)).timestamp())
    if interval == "week":
        return int((moment + timedelta(weeks=count)).timestamp())
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def line(
    subscription: str,
    item: str | None,
    priced: Priced,
    amount: int,
    description: str,
    start: int,
    end: int,
    *,
    proration: bool,
) -> dict[str, Any]:
    """An invoice line item in Stripe's current shape (`parent.subscription_item_details.proration`)."""
    return {
        "id": new_id("il"),
        "object": "line_item",
        "amount": amount,
        "currency": priced.currency,
        "description": description,
        "discount_amounts": [],
        "discountable": not proration,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
                "subscription_item": item,
            },
        },
        "period": {"start": start, "end": end},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": priced.price, "product": priced.product},
            "unit_amount_decimal": str(priced.unit_amount),
        },
        "quantity": priced.quantity,
        "subtotal": amount,
        "taxes": [],
    }


def proration_lines(
    subscription: str, item: str | None, old: Priced, new: Priced, start: int, end: int, at: int
) -> list[dict[str, Any]]:
    """The credit for the unused time on `old` and the charge for the remaining time on `new`, from `at` to `end`."""
    if (old.price, old.quantity) == (new.price, new.quantity):
        return []
    day = _day(at)
    return [
        line(
            subscription,
            item,
            old,
            -prorated(old.amount, start, end, at),
            f"Unused time on {old.quantity} {TIMES} {old.name} after {day}",
            at,
            end,
            proration=True,
        ),
        line(
            subscription,
            item,
            new,
            prorated(new.amount, start, end, at),
            f"Remaining time on {new.quantity} {TIMES} {new.name} after {day}",
            at,
            end,
            proration=True,
        ),
    ]


def next_period_line(subscription: str, item: str | None, new: Priced, end: int) -> dict[str, Any]:
    """The recurring line of the period after `end`, on `new`, as Stripe's next invoice shows it."""
    per = new.interval if new.interval_count == 1 else f"every {new.interval_count} {new.interval}s"
    description = f"{new.quantity} {TIMES} {new.name} (at {new.unit_amount / 100:.2f} {new.currency.upper()} / {per})"
    following = add_interval(end, new.interval, new.interval_count)
    return line(subscription, item, new, new.amount, description, end, following, proration=False)


def change_lines(
    subscription: str,
    item: str | None,
    old: Priced,
    new: Priced,
    start: int,
    end: int,
    at: int,
    behavior: str,
    *,
    preview: bool,
) -> list[dict[str, Any]]:
    """The lines of the invoice a change makes (`preview` False: what is invoiced or left pending now).

    With `always_invoice` the change is invoiced at once: the prorations, and nothing else. A
    preview of `create_prorations` or `none` is the next invoice: the prorations (if any) and
    the next period on `new`.
    """
    prorations = [] if behavior == "none" else proration_lines(subscription, item, old, new, start, end, at)
    if behavior == "always_invoice" or not preview:
        return prorations
    return [*prorations, next_period_line(subscription, item, new, end)]


def preview_invoice(
    customer: str, subscription: str, lines: list[dict[str, Any]], currency: str, start: int, end: int, behavior: str
) -> dict[str, Any]:
    """An invoice object as `create_preview` answers it (not stored; its id starts `upcoming_`)."""
    subtotal = sum(entry["amount"] for entry in lines)
    now = int(time.time())
    billed_now = behavior == "always_invoice"
    return {
        "id": f"upcoming_{new_id('in')}",
        "object": "invoice",
        "amount_due": max(0, subtotal),
        "amount_paid": 0,
        "amount_remaining": max(0, subtotal),
        "attempt_count": 0,
        "attempted": False,
        "billing_reason": "subscription_update" if billed_now else "upcoming",
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer,
        "description": None,
        "discounts": [],
        "lines": {"object": "list", "data": lines, "has_more": False, "url": "/v1/invoices/upcoming/lines"},
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": now if billed_now else end,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": None, "subscription": subscription},
        },
        "period_end": now if billed_now else end,
        "period_start": now if billed_now else start,
        "status": "draft",
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "total": subtotal,
        "total_excluding_tax": subtotal,
        "total_discount_amounts": [],
        "total_taxes": [],
    }


# ---------------------------------------------------------------------------------------------
# localstripe's store


def _user_error(message: str, status: int = 400) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    error: Exception = UserError(status, message)
    return error


def _priced(plan: Any, quantity: int) -> Priced:
    name = plan.name if isinstance(plan.name, str) and plan.name else plan.nickname or plan.id
    return Priced(
        price=plan.id,
        product=plan.product if isinstance(plan.product, str) else None,
        name=name,
        unit_amount=int(plan.amount or 0),
        quantity=quantity,
        currency=plan.currency,
        interval=plan.interval,
        interval_count=int(plan.interval_count or 1),
    )


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _user_error(f"Invalid integer: {name}") from None


@dataclass(frozen=True)
class _Change:
    """A requested change of a subscription's single item, checked against localstripe's store."""

    subscription: Any
    item: Any
    old: Priced
    new: Priced
    new_plan: Any
    start: int
    end: int
    at: int
    behavior: str


def _change(subscription_id: str, params: dict[str, Any]) -> _Change:
    """The change `params` (Stripe's update or `subscription_details` parameters) asks of the subscription."""
    from localstripe.resources import Plan, Subscription  # a development dependency

    subscription = Subscription._api_retrieve(subscription_id)
    if len(subscription.items._list) != 1:
        raise _user_error("the sandbox prorates subscriptions of one item only")
    item = subscription.items._list[0]
    behavior = params.get("proration_behavior") or "create_prorations"
    if behavior not in BEHAVIORS:
        raise _user_error(f"Invalid proration_behavior: must be one of {', '.join(BEHAVIORS)}")
    start, end = int(subscription.current_period_start), int(subscription.current_period_end)
    at = int(time.time())
    if params.get("proration_date") not in (None, ""):
        at = _int(params["proration_date"], "proration_date")
    if not start <= at <= end:
        raise _user_error("proration_date must be within the subscription's current period")
    items = params.get("items") or []
    if not isinstance(items, list) or len(items) > 1 or not all(isinstance(entry, dict) for entry in items):
        raise _user_error("the sandbox changes one subscription item at a time")
    change: dict[str, Any] = items[0] if items else {}
    if change.get("id") not in (None, item.id):
        raise _user_error(f"No such subscription item: '{change['id']}'", 404)
    plan_id = change.get("price") or change.get("plan") or item.plan.id
    new_plan = Plan._api_retrieve(plan_id)
    quantity = int(item.quantity)
    if change.get("quantity") not in (None, ""):
        quantity = _int(change["quantity"], "items[0][quantity]")
    if quantity < 1:
        raise _user_error("Invalid items[0][quantity]: must be at least 1")
    old, new = _priced(item.plan, int(item.quantity)), _priced(new_plan, quantity)
    if (old.interval, old.interval_count) != (new.interval, new.interval_count):
        raise _user_error("the sandbox does not emulate a change of billing interval")
    if old.currency != new.currency:
        raise _user_error("the new price must be in the subscription's currency")
    return _Change(subscription, item, old, new, new_plan, start, end, at, behavior)


@route("POST", "/v1/invoices/create_preview")
async def create_preview(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """The invoice a subscription change would produce; without `subscription_details`, localstripe's preview."""
    details = params.get("subscription_details")
    subscription_id = params.get("subscription")
    if not isinstance(details, dict) or not ({"items", *CHANGE_PARAMS} & details.keys()):
        return None
    if not isinstance(subscription_id, str):
        raise _user_error("Missing required param: subscription")
    change = _change(subscription_id, details)
    customer = change.subscription.customer
    if params.get("customer") not in (None, customer):
        raise _user_error("the subscription belongs to another customer")
    lines = change_lines(
        subscription_id,
        change.item.id,
        change.old,
        change.new,
        change.start,
        change.end,
        change.at,
        change.behavior,
        preview=True,
    )
    invoice = preview_invoice(
        customer, subscription_id, lines, change.new.currency, change.start, change.end, change.behavior
    )
    return web.json_response(invoice)


@route("POST", r"/v1/subscriptions/(?P<id>sub_\w+)")
async def update_with_prorations(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """A price/quantity change prorated as Stripe does; None (localstripe's) without `proration_*` parameters."""
    if not CHANGE_PARAMS & params.keys():
        return None
    unknown = sorted(params.keys() - _UPDATE_PARAMS)
    if unknown:
        raise _user_error(f"the sandbox's prorated update does not take {', '.join(unknown)}")
    change = _change(match["id"], params)
    subscription, item = change.subscription, change.item
    lines = change_lines(
        subscription.id,
        item.id,
        change.old,
        change.new,
        change.start,
        change.end,
        change.at,
        change.behavior,
        preview=False,
    )
    previous = {"items": subscription._export()["items"], "quantity": subscription.quantity}
    item.plan, item.quantity = change.new_plan, change.new.quantity
    subscription.quantity = change.new.quantity
    items = _pending_items(subscription, lines)
    if items and change.behavior == "always_invoice":
        _invoice_now(subscription, items)
    emit("customer.subscription.updated", subscription._export(), previous)
    return web.json_response(subscription._export(expand=params.get("expand")))


def _pending_items(subscription: Any, lines: list[dict[str, Any]]) -> list[Any]:
    """localstripe pending invoice items of `lines` (the next invoice takes them, as Stripe's `create_prorations`)."""
    from localstripe.resources import InvoiceItem  # a development dependency

    return [
        InvoiceItem(
            subscription=subscription.id,
            plan=entry["pricing"]["price_details"]["price"],
            amount=entry["amount"],
            currency=entry["currency"],
            customer=subscription.customer,
            period_start=entry["period"]["start"],
            period_end=entry["period"]["end"],
            proration=True,
            description=entry["description"],
        )
        for entry in lines
    ]


def _invoice_now(subscription: Any, items: list[Any]) -> None:
    """Invoice the pending items at once, finalize the invoice and attempt its payment, as `always_invoice` does.

    A payment that cannot be attempted (no default payment method) leaves the invoice open, as at Stripe.
    """
    from localstripe.errors import UserError
    from localstripe.resources import Invoice  # a development dependency

    # `upcoming=True`: localstripe then sends no `invoice.created` of its own (an old API version's); ours is below.
    invoice = Invoice(customer=subscription.customer, subscription=subscription.id, items=[], upcoming=True)
    order = {item.id: index for index, item in enumerate(items)}
    invoice.lines._list.sort(key=lambda entry: order.get(getattr(entry, "invoice_item", None), len(order)))
    invoice.billing_reason = "subscription_update"
    subscription.latest_invoice = invoice.id
    emit("invoice.created", invoice._export())
    invoice._finalize()
    if invoice.status != "paid":
        with contextlib.suppress(UserError):
            Invoice._api_pay_invoice(invoice.id)
