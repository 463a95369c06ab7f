"""Stripe's test clocks, which localstripe lacks, and the dunning they drive: renewals that fail and are retried.

- `POST /v1/test_helpers/test_clocks` (`frozen_time`, `name`), `GET /v1/test_helpers/test_clocks/{id}`,
  `GET /v1/test_helpers/test_clocks`, `DELETE /v1/test_helpers/test_clocks/{id}`: the clock object as
  Stripe documents it (`object: "test_helpers.test_clock"`, `status` `ready`, `deletes_after` 30 days on).
- `POST /v1/customers` with `test_clock`: the customer is made by localstripe and bound to the clock
  (`customer.test_clock`; every other customer carries `test_clock: null`).
- `POST /v1/test_helpers/test_clocks/{id}/advance` (`frozen_time`, later than the clock's): answers the
  clock `advancing` (`status_details.advancing.target_frozen_time`), emits
  `test_helpers.test_clock.advancing`, then moves the clock's customers through time in order:
  - a subscription (active, past_due or trialing) whose `current_period_end` is passed **renews**: its
    period moves on one interval and a `subscription_cycle` invoice is made for it
    (`invoice.created`, `invoice.finalized`), then paid with the customer's default payment method;
  - a renewal invoice whose `next_payment_attempt` is passed is **retried** the same way.

  A payment that succeeds: `payment_intent.succeeded`, `invoice.paid`, `invoice.payment_succeeded`
  (and the subscription back to `active`). A card that declines (`4000000000000341`,
  `pm_card_chargeCustomerFail`: attaches, then every charge fails): the invoice stays `open`,
  `attempt_count` + 1, `next_payment_attempt` per `RETRY_SCHEDULE_DAYS`, the charge's
  `outcome` and the PaymentIntent's `last_payment_error` carry `decline_code` `generic_decline`;
  `payment_intent.payment_failed`, `invoice.payment_failed`, and the subscription `past_due`
  (`customer.subscription.updated` with `previous_attributes.status`). A card needing 3-D Secure
  (`4000002500003155`, …): the PaymentIntent is `requires_action`; `payment_intent.requires_action`,
  `invoice.payment_action_required` and `invoice.payment_failed`, as Stripe sends for an off-session renewal.
  Then the clock is `ready` again and `test_helpers.test_clock.ready` is emitted.
- `POST /v1/invoices/{id}/pay` (`payment_method` optional, one of the invoice customer's): pays
  with that method or the customer's default. A failure counts an attempt and emits the failure
  events above; a success that ends a subscription's `past_due` emits `customer.subscription.updated`.

Retry schedule (`RETRY_SCHEDULE_DAYS`, like a Smart Retries / custom schedule "3, 5, 7 days after the
previous attempt"): after the 1st, 2nd and 3rd failed attempts the next is 3, 5 and 7 days later;
after the 4th there is none (`next_payment_attempt: null`) and the subscription stays `past_due`
(Stripe's "leave the subscription past due" setting). Events carry the real `created` time (not the
clock's), so the gateway's ordering of events by `created` holds across clock and real-time changes.

Not emulated: Stripe's limit of two billing intervals per advance, invoice items made at the clock's
time, subscriptions created "at" the frozen time (localstripe starts them at the real time, which is
the clock's time when the clock is made at the real time), and the 1 hour draft delay before a renewal
invoice is finalized. Clocks are kept in localstripe's store as dicts under `test_clock:<id>` (saved
with it). Leans on localstripe internals (`Invoice`, `PaymentIntent`, `Subscription`, `SubscriptionItem`,
`schedule_webhook`), checked by the version guard `sandbox.persistence` applies at start.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import copy
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Final

from aiohttp import web

from sandbox.events import emit, new_id
from sandbox.invoice_actions import invoice_object
from sandbox.routes import route

STORE_PREFIX: Final = "test_clock:"
"""The key prefix of test clocks in localstripe's store."""

DELETES_AFTER_SECONDS: Final = 30 * 86_400
"""Stripe deletes a test clock 30 days after it was made."""

RETRY_SCHEDULE_DAYS: Final = (3, 5, 7)
"""Days from a failed attempt to the next one, after the 1st, 2nd and 3rd failures; none after the 4th."""

DECLINE_CODE: Final = "generic_decline"
"""The decline code Stripe gives a charge of its "charge customer fail" test card (4000000000000341)."""

RENEWING_STATUSES: Final = frozenset({"active", "past_due", "trialing"})
MAX_STEPS_PER_ADVANCE: Final = 200
"""Renewals and retries one advance may run (a far advance on a daily plan stops there)."""

UPDATED_EVENT: Final = "customer.subscription.updated"


def _user_error(status: int, message: str, param: str | None = None) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    contents: dict[str, Any] = {"param": param} if param is not None else {}
    return UserError(status, message, contents)  # type: ignore[no-any-return]


def _store() -> dict[str, Any]:
    from localstripe.resources import store

    return store  # type: ignore[no-any-return]


# --- localstripe made to carry clocks, periods that renew, attempts and decline codes -------------------------


def install() -> None:
    """Patch localstripe's classes once at start: `test_clock` fields, renewed periods, attempts, decline codes."""
    from localstripe import resources  # a development dependency, as in sandbox.server

    for cls in (resources.Customer, resources.Subscription, resources.Invoice):
        if "test_clock" not in vars(cls):
            cls.test_clock = None
    if getattr(resources.SubscriptionItem._current_period, "_sandbox", False):
        return
    original_period = resources.SubscriptionItem._current_period

    def current_period(self: Any) -> dict[str, int]:
        subscription = resources.store.get("subscription:" + str(self._subscription)) if self._subscription else None
        start = getattr(subscription, "_renewed_period_start", None)
        if start is None:
            period: dict[str, int] = original_period(self)
            return period
        return {"start": start, "end": period_end(start, self.plan.interval, self.plan.interval_count)}

    current_period._sandbox = True  # type: ignore[attr-defined]
    resources.SubscriptionItem._current_period = current_period

    original_next = resources.Invoice.next_payment_attempt

    def next_payment_attempt(self: Any) -> int | None:
        if "_next_attempt" in vars(self):
            return self._next_attempt if self.status == "open" else None  # type: ignore[no-any-return]
        return original_next.fget(self)  # type: ignore[no-any-return]

    resources.Invoice.next_payment_attempt = property(next_payment_attempt)

    original_error = resources.PaymentIntent.last_payment_error

    def last_payment_error(self: Any) -> dict[str, Any] | None:
        error: dict[str, Any] | None = original_error.fget(self)
        charge = self.latest_charge
        code = getattr(charge, "_decline_code", None)
        if error is not None and code is not None:
            error = {
                **error,
                "decline_code": code,
                "doc_url": "https://docs.stripe.com/error-codes/card-declined",
                "payment_method": {"id": charge.payment_method, "object": "payment_method", "type": "card"},
                "type": "card_error",
            }
        return error

    resources.PaymentIntent.last_payment_error = property(last_payment_error)


def period_end(start: int, interval: str, count: int | None = None) -> int:
    """The end of a billing period starting at `start` (unix time) for a plan's interval, as localstripe counts it.

    Local wall-clock time, a month or year on the same day of the month (the last day when that month is shorter).
    """
    moment = datetime.fromtimestamp(start)
    steps = max(int(count or 1), 1)
    if interval in ("day", "week"):
        moment += timedelta(days=steps * (1 if interval == "day" else 7))
    else:
        months = steps * (1 if interval == "month" else 12)
        year, month = divmod(moment.month - 1 + months, 12)
        year += moment.year
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        moment = moment.replace(year=year, month=month + 1, day=day)
    return int(moment.timestamp())


@contextlib.contextmanager
def _quiet_localstripe() -> Iterator[None]:
    """localstripe's own (old-shaped, partial) events are not sent for what runs inside: we emit Stripe's."""
    from localstripe import resources  # a development dependency, as in sandbox.server

    scheduled = resources.schedule_webhook
    resources.schedule_webhook = lambda event: None
    try:
        yield
    finally:
        resources.schedule_webhook = scheduled


# --- the clock object ------------------------------------------------------------------------------------------


def new_clock(frozen_time: int, name: str | None, now: int | None = None) -> dict[str, Any]:
    """A test clock as Stripe documents it, just made (`ready`)."""
    created = int(time.time()) if now is None else now
    return {
        "id": new_id("clock"),
        "object": "test_helpers.test_clock",
        "created": created,
        "deletes_after": created + DELETES_AFTER_SECONDS,
        "frozen_time": frozen_time,
        "livemode": False,
        "name": name,
        "status": "ready",
        "status_details": {},
    }


def _find(clock_id: str) -> dict[str, Any]:
    clock = _store().get(STORE_PREFIX + clock_id)
    if not isinstance(clock, dict):
        raise _user_error(404, f"No such test_clock: '{clock_id}'", "test_clock")
    return clock


def _save(clock: dict[str, Any]) -> None:
    _store()[STORE_PREFIX + clock["id"]] = clock


def _timestamp(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    if value in (None, ""):
        raise _user_error(400, f"Missing required param: {name}.", name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _user_error(400, f"Invalid integer: {value}", name) from None


@route("POST", r"/v1/test_helpers/test_clocks")
async def create_clock(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    unknown = sorted(set(params) - {"frozen_time", "name"})
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {unknown[0]}", unknown[0])
    name = params.get("name")
    clock = new_clock(_timestamp(params, "frozen_time"), None if name in (None, "") else str(name))
    _save(clock)
    return web.json_response(clock)


@route("GET", r"/v1/test_helpers/test_clocks/(?P<id>clock_\w+)")
async def retrieve_clock(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    return web.json_response(_find(match["id"]))


@route("GET", r"/v1/test_helpers/test_clocks")
async def list_clocks(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    clocks = [value for key, value in _store().items() if key.startswith(STORE_PREFIX)]
    return web.json_response(
        {"object": "list", "data": clocks[::-1], "has_more": False, "url": "/v1/test_helpers/test_clocks"}
    )


@route("DELETE", r"/v1/test_helpers/test_clocks/(?P<id>clock_\w+)")
async def delete_clock(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    clock = _find(match["id"])
    del _store()[STORE_PREFIX + clock["id"]]
    return web.json_response({"id": clock["id"], "object": "test_helpers.test_clock", "deleted": True})


@route("POST", r"/v1/customers")
async def create_customer_on_clock(
    request: web.Request, match: Any, params: dict[str, Any]
) -> web.StreamResponse | None:
    """A customer made with `test_clock`: localstripe makes it, bound to the clock here; others: localstripe's."""
    if "test_clock" not in params:
        return None
    from localstripe import resources, server  # a development dependency, as in sandbox.server

    install()
    rest = dict(params)
    clock = _find(str(rest.pop("test_clock")))
    expand = rest.pop("expand", None)
    customer = resources.Customer._api_create(**rest)
    customer.test_clock = clock["id"]
    answer: web.StreamResponse = server.json_response(customer._export(expand=expand))
    return answer


@route("POST", r"/v1/test_helpers/test_clocks/(?P<id>clock_\w+)/advance")
async def advance_clock(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Answer the clock `advancing`; move its customers' subscriptions and invoices on in the background."""
    clock = _find(match["id"])
    target = _timestamp(params, "frozen_time")
    if clock["status"] != "ready":
        raise _user_error(400, f"The test clock is {clock['status']}; it can only be advanced when ready.")
    if target <= clock["frozen_time"]:
        raise _user_error(400, "The test clock can only be advanced to a time after its frozen_time.", "frozen_time")
    install()
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": target}}
    _save(clock)
    emit("test_helpers.test_clock.advancing", copy.deepcopy(clock))
    answer = copy.deepcopy(clock)
    asyncio.get_running_loop().call_soon(_finish_advance, clock["id"], target)
    return web.json_response(answer)


def _finish_advance(clock_id: str, target: int) -> None:
    clock = _find(clock_id)
    try:
        advance_customers(clock_id, target)
    finally:
        clock["frozen_time"] = target
        clock["status"] = "ready"
        clock["status_details"] = {}
        _save(clock)
        emit("test_helpers.test_clock.ready", copy.deepcopy(clock))


# --- what an advance does ------------------------------------------------------------------------------------


def _customers_of(clock_id: str) -> list[Any]:
    from localstripe.resources import Customer

    return [
        value
        for key, value in _store().items()
        if key.startswith("customer:")
        and isinstance(value, Customer)
        and getattr(value, "test_clock", None) == clock_id
    ]


def _subscriptions_of(customer_id: str) -> list[Any]:
    from localstripe.resources import Subscription

    return [
        value
        for key, value in _store().items()
        if key.startswith("subscription:") and isinstance(value, Subscription) and value.customer == customer_id
    ]


def _dunning_invoices_of(customer_id: str) -> list[Any]:
    from localstripe.resources import Invoice

    return [
        value
        for key, value in _store().items()
        if key.startswith("invoice:")
        and isinstance(value, Invoice)
        and value.customer == customer_id
        and "_next_attempt" in vars(value)
    ]


def advance_customers(clock_id: str, target: int) -> int:
    """Run every renewal and retry due up to `target` on the clock's customers, oldest first; how many ran."""
    steps = 0
    while steps < MAX_STEPS_PER_ADVANCE:
        due: list[tuple[int, str, Any]] = []
        for customer in _customers_of(clock_id):
            for subscription in _subscriptions_of(customer.id):
                renews = subscription.status in RENEWING_STATUSES and not getattr(
                    subscription, "pause_collection", None
                )
                if renews and subscription.current_period_end <= target:
                    due.append((subscription.current_period_end, "renew", subscription))
            for invoice in _dunning_invoices_of(customer.id):
                next_attempt = invoice.next_payment_attempt
                if next_attempt is not None and next_attempt <= target:
                    due.append((next_attempt, "retry", invoice))
        if not due:
            return steps
        at, action, obj = min(due, key=lambda entry: entry[0])
        if action == "renew":
            renew(obj, clock_id, at)
        else:
            attempt_payment(obj, at)
        steps += 1
    return steps


def renew(subscription: Any, clock_id: str, at: int) -> Any:
    """The subscription's next period starts at `at`: a `subscription_cycle` invoice for it, finalized and paid."""
    from localstripe.resources import Invoice

    before = subscription._export()
    subscription.test_clock = clock_id
    subscription._renewed_period_start = at
    with _quiet_localstripe():
        invoice = Invoice(
            customer=subscription.customer,
            subscription=subscription.id,
            items=list(subscription.items._list),
            tax_percent=subscription.tax_percent,
            default_tax_rates=[rate.id for rate in (subscription.default_tax_rates or [])],
            date=at,
        )
    invoice.test_clock = clock_id
    invoice.billing_reason = "subscription_cycle"
    invoice.attempt_count = 0
    invoice.attempted = False
    invoice._next_attempt = at
    invoice.last_finalization_error = None
    subscription.latest_invoice = invoice.id
    emit("invoice.created", invoice_object(invoice))
    after = subscription._export()
    emit(UPDATED_EVENT, after, {key: before[key] for key in after if key in before and before[key] != after[key]})
    invoice._finalize()
    invoice.status_transitions["finalized_at"] = at
    emit("invoice.finalized", invoice_object(invoice))
    if invoice.status == "paid":  # nothing due
        invoice.status_transitions["paid_at"] = at
        emit("invoice.paid", invoice_object(invoice))
        return invoice
    attempt_payment(invoice, at)
    return invoice


def _next_attempt_after(attempt_count: int, at: int) -> int | None:
    if attempt_count > len(RETRY_SCHEDULE_DAYS):
        return None
    return at + RETRY_SCHEDULE_DAYS[attempt_count - 1] * 86_400


def attempt_payment(invoice: Any, at: int, payment_method: Any = None) -> Any:
    """One payment attempt of an open invoice (its customer's default method unless one is given); events emitted.

    Returns the PaymentIntent (None when the customer has no payment method).
    """
    from localstripe.resources import Customer, PaymentIntent, Subscription

    customer = Customer._api_retrieve(invoice.customer)
    method = payment_method or customer._get_default_payment_method_or_source()
    subscription = Subscription._api_retrieve(invoice.subscription) if invoice.subscription else None
    subscription_before = subscription._export() if subscription is not None else None
    intent = None
    invoice.attempt_count = int(getattr(invoice, "attempt_count", 0) or 0) + 1
    invoice.attempted = True
    if method is not None:
        with _quiet_localstripe():
            intent = PaymentIntent(
                amount=invoice.total, currency=invoice.currency, customer=invoice.customer, payment_method=method.id
            )
            intent.invoice = invoice.id
            invoice.payment_intent = intent.id
            intent._confirm(on_failure_now=lambda: None)
            charge = intent.latest_charge
            if charge is not None and charge.status == "failed":
                charge._decline_code = DECLINE_CODE
                charge.outcome = {
                    "network_status": "declined_by_network",
                    "reason": DECLINE_CODE,
                    "risk_level": "normal",
                    "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                }
    if invoice.status == "paid":
        invoice._next_attempt = None
        invoice.status_transitions["paid_at"] = at
        assert intent is not None
        emit("payment_intent.succeeded", intent._export())
        emit("invoice.paid", invoice_object(invoice))
        emit("invoice.payment_succeeded", invoice_object(invoice))
        if subscription is not None and subscription.status != "active":
            subscription.status = "active"
    else:
        invoice._next_attempt = _next_attempt_after(invoice.attempt_count, at)
        if intent is not None and intent.status == "requires_action":
            emit("payment_intent.requires_action", intent._export())
            emit("invoice.payment_action_required", invoice_object(invoice))
        elif intent is not None:
            emit("payment_intent.payment_failed", intent._export())
        emit("invoice.payment_failed", invoice_object(invoice))
        if subscription is not None and subscription.status in ("active", "trialing"):
            subscription.status = "past_due"
    before_status = None if subscription_before is None else subscription_before["status"]
    if subscription is not None and subscription.status != before_status:
        emit(UPDATED_EVENT, subscription._export(), {"status": before_status})
    return intent


@route("POST", r"/v1/invoices/(?P<id>in_\w+)/pay")
async def pay_invoice(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Pay an open invoice now (with `payment_method`, one of its customer's, or the default): one attempt."""
    from localstripe import resources, server  # a development dependency, as in sandbox.server

    install()
    unknown = sorted(set(params) - {"payment_method", "expand", "off_session"})
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {unknown[0]}", unknown[0])
    invoice = resources.Invoice._api_retrieve(match["id"])
    if invoice.status == "paid":
        raise _user_error(400, "Invoice is already paid")
    if invoice.status not in ("draft", "open"):
        raise _user_error(400, f"This invoice is {invoice.status}; only a draft or open invoice can be paid.")
    method = None
    if params.get("payment_method"):
        method = resources.PaymentMethod._api_retrieve(str(params["payment_method"]))
        if method.customer != invoice.customer:
            raise _user_error(400, "The PaymentMethod must belong to the invoice's customer.", "payment_method")
    if invoice.status == "draft":
        invoice._finalize()
    if invoice.total <= 0:
        with _quiet_localstripe():
            invoice._on_payment_success()
        emit("invoice.paid", invoice_object(invoice))
    else:
        customer = resources.Customer._api_retrieve(invoice.customer)
        if method is None and customer._get_default_payment_method_or_source() is None:
            raise _user_error(404, "This customer has no payment method")
        if "_next_attempt" not in vars(invoice):
            invoice._next_attempt = None  # a manual attempt: no automatic retry scheduled
            invoice.attempt_count = 0
        attempt_payment(invoice, int(time.time()), method)
    answer: web.StreamResponse = server.json_response(invoice_object(invoice))
    return answer
