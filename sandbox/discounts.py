"""Coupons, promotion codes and discounts on subscriptions and invoices, as Stripe's current API has them.

localstripe stores coupons (`POST /v1/coupons` with `percent_off` or `amount_off`) but never applies
them, refuses `name`, `redeem_by` and `max_redemptions`, emits no event, and has no promotion codes.

- `POST /v1/coupons` (answered here): `id` (generated `<random>` when absent, as Stripe does),
  `name`, `percent_off` | `amount_off` + `currency`, `duration` (`once`, `repeating` +
  `duration_in_months`, `forever`), `redeem_by`, `max_redemptions`, `metadata`; kept as
  localstripe's own `Coupon` and `coupon.created` is emitted; `GET /v1/coupons/{id}` answers it in
  Stripe's shape (the list stays localstripe's); `DELETE /v1/coupons/{id}` stops new redemptions, keeps
  the discounts that apply it, and emits `coupon.deleted`.
- `POST /v1/promotion_codes` (`promotion[type]=coupon`, `promotion[coupon]`, `code` (generated when
  absent), `customer`, `expires_at`, `max_redemptions`, `active`, `restrictions[first_time_transaction|
  minimum_amount|minimum_amount_currency]`, `metadata`), `GET /v1/promotion_codes/{id}`,
  `GET /v1/promotion_codes` (`code`, `coupon`, `customer`, `active`, `limit`, `starting_after`),
  `POST /v1/promotion_codes/{id}` (`active`, `metadata`: `promotion_code.updated`). Emits
  `promotion_code.created`. Test mode: `POST /_sandbox/promotion_codes/{id}/expire` moves its
  `expires_at` to now (time passing; Stripe sends no event when a code expires). A code is
  unique among active codes (400 otherwise, as Stripe).
- `POST /v1/subscriptions/{id}` with `discounts[n][coupon|promotion_code|discount]` replaces the
  subscription's discounts, `discounts=` (empty) clears them. A promotion code (or coupon) that is
  inactive or expired is refused with 400 `code: coupon_expired` (Stripe's code); one used up
  (`max_redemptions`) or restricted to another customer with 400 and no `code` (Stripe has none),
  its message saying why and `param` naming the entry. Each new discount is a
  `Discount` (`di_…`, `source: {type: coupon, coupon}`, `promotion_code`, `start`, `end` for
  `repeating`), redeems the coupon and the code (`times_redeemed` + 1), and emits
  `customer.discount.created`; each removed one `customer.discount.deleted`; then
  `customer.subscription.updated` with `previous_attributes.discounts`. Other parameters of the
  same request go on to localstripe.
- Every subscription answer carries `discounts` (ids; `expand[]=discounts` gives the objects).
  Every invoice made for a subscription from then on (the next invoice, `create_preview`,
  `POST /v1/invoices`) takes the subscription's discounts: `discounts` (ids),
  `total_discount_amounts` (`[{amount, discount}]`), and `total`/`amount_due` reduced (percent_off
  rounded half up per discount, amount_off in the invoice's currency only, never below 0), so the
  PaymentIntent is for the reduced amount.

Not emulated: customer-level discounts (the current API takes no `coupon` on customers), `duration`
ending a discount (a `once` discount keeps applying), `restrictions` enforced at redemption,
`applies_to` products, discounts on items or invoice items, `DELETE /v1/subscriptions/{id}/discount`.
Promotion codes and discounts are plain dicts in localstripe's store (`promotion_code:<id>`,
`discount:<id>`), saved and restored with it.
"""

from __future__ import annotations

import copy
import secrets
import string
import time
from typing import Any, Final

from aiohttp import web

from sandbox.events import emit, new_id
from sandbox.routes import route

PROMOTION_PREFIX: Final = "promotion_code:"
DISCOUNT_PREFIX: Final = "discount:"
DURATIONS: Final = ("forever", "once", "repeating")
ENDED_STATUSES: Final = frozenset({"canceled", "incomplete_expired"})
EXPIRED_CODE: Final = "coupon_expired"
"""Stripe's error code for a coupon (or promotion code) that can no longer be redeemed because of its date."""
MONTH_SECONDS: Final = 30 * 86_400


def _user_error(status: int, message: str, param: str | None = None, code: str | None = None) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    contents: dict[str, Any] = {}
    if param is not None:
        contents["param"] = param
    if code is not None:
        contents["code"] = code
    return UserError(status, message, contents)  # type: ignore[no-any-return]


def _store() -> dict[str, Any]:
    from localstripe.resources import store

    return store  # type: ignore[no-any-return]


def _int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _user_error(400, f"Invalid integer: {value}", name, "parameter_invalid_integer") from None


def _flag(value: Any, default: bool) -> bool:
    if value in (None, ""):
        return default
    return value is True or str(value).lower() == "true"


# --- coupons ----------------------------------------------------------------------------------------


def coupon_object(coupon: Any) -> dict[str, Any]:
    """A localstripe coupon in Stripe's current shape."""
    return {
        "id": coupon.id,
        "object": "coupon",
        "amount_off": coupon.amount_off,
        "applies_to": None,
        "created": getattr(coupon, "created", int(time.time())),
        "currency": coupon.currency,
        "currency_options": None,
        "duration": coupon.duration,
        "duration_in_months": coupon.duration_in_months,
        "livemode": False,
        "max_redemptions": coupon.max_redemptions,
        "metadata": dict(coupon.metadata or {}),
        "name": getattr(coupon, "name", None),
        "percent_off": coupon.percent_off,
        "redeem_by": coupon.redeem_by,
        "times_redeemed": coupon.times_redeemed,
        "valid": _coupon_valid(coupon),
    }


def _coupon_valid(coupon: Any, now: float | None = None) -> bool:
    moment = time.time() if now is None else now
    if coupon.redeem_by is not None and coupon.redeem_by <= moment:
        return False
    return coupon.max_redemptions is None or coupon.times_redeemed < coupon.max_redemptions


def _coupon(coupon_id: str, param: str) -> Any:
    from localstripe.resources import Coupon

    found = _store().get("coupon:" + coupon_id)
    if not isinstance(found, Coupon):
        raise _user_error(400, f"No such coupon: '{coupon_id}'", param, "resource_missing")
    return found


@route("POST", r"/v1/coupons")
async def create_coupon(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """A coupon as Stripe creates it (name, redeem_by, max_redemptions too); `coupon.created`."""
    from localstripe.resources import Coupon

    rest = dict(params)
    name = rest.pop("name", None)
    redeem_by = _int(rest, "redeem_by")
    max_redemptions = _int(rest, "max_redemptions")
    rest.pop("redeem_by", None)
    rest.pop("max_redemptions", None)
    rest.pop("expand", None)
    rest.setdefault("id", "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8)))
    if rest.get("duration") not in DURATIONS:
        raise _user_error(400, f"Invalid duration: must be one of {', '.join(DURATIONS)}", "duration")
    if ("coupon:" + str(rest["id"])) in _store():
        raise _user_error(400, "Coupon already exists.", "id", "resource_already_exists")
    if name is not None and (not isinstance(name, str) or len(name) > 40):
        raise _user_error(400, "Invalid name: at most 40 characters", "name")
    if redeem_by is not None and redeem_by <= time.time():
        raise _user_error(400, "Invalid redeem_by: must be in the future", "redeem_by")
    if max_redemptions is not None and max_redemptions < 1:
        raise _user_error(400, "Invalid max_redemptions: must be at least 1", "max_redemptions")
    coupon = Coupon(**rest)  # localstripe's checks (one of percent_off / amount_off, currency, months)
    coupon.name = name
    coupon.redeem_by = redeem_by
    coupon.max_redemptions = max_redemptions
    coupon.created = int(time.time())
    answer = coupon_object(coupon)
    emit("coupon.created", copy.deepcopy(answer))
    return web.json_response(answer)


DELETED_COUPON_PREFIX: Final = "coupon_deleted:"
"""Deleted coupons, kept for the discounts that still apply them (Stripe keeps those running)."""


@route("DELETE", r"/v1/coupons/(?P<id>[^/]+)")
async def delete_coupon(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Stripe's delete: no new redemption, existing discounts keep applying; `coupon.deleted`."""
    from localstripe.resources import Coupon

    store = _store()
    coupon = store.get("coupon:" + match["id"])
    if not isinstance(coupon, Coupon):
        raise _user_error(404, f"No such coupon: '{match['id']}'", "id", "resource_missing")
    del store["coupon:" + coupon.id]
    store[DELETED_COUPON_PREFIX + coupon.id] = coupon
    emit("coupon.deleted", {**coupon_object(coupon), "valid": False})
    return web.json_response({"id": coupon.id, "object": "coupon", "deleted": True})


@route("GET", r"/v1/coupons/(?P<id>[^/]+)")
async def retrieve_coupon(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    from localstripe.resources import Coupon

    found = _store().get("coupon:" + match["id"])
    if not isinstance(found, Coupon):
        raise _user_error(404, f"No such coupon: '{match['id']}'", "id", "resource_missing")
    return web.json_response(coupon_object(found))


# --- promotion codes --------------------------------------------------------------------------------


def _promotion(promotion_id: str) -> dict[str, Any] | None:
    found = _store().get(PROMOTION_PREFIX + promotion_id)
    return found if isinstance(found, dict) else None


def _promotions() -> list[dict[str, Any]]:
    return [value for key, value in _store().items() if key.startswith(PROMOTION_PREFIX)]


def _save_promotion(promotion: dict[str, Any]) -> None:
    _store()[PROMOTION_PREFIX + promotion["id"]] = promotion


def promotion_answer(promotion: dict[str, Any]) -> dict[str, Any]:
    """The promotion code as answered: `promotion.coupon` an id (`expand` aside)."""
    return copy.deepcopy(promotion)


@route("POST", r"/v1/promotion_codes")
async def create_promotion_code(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """A promotion code for a coupon (`promotion[type]=coupon`, `promotion[coupon]`); `promotion_code.created`."""
    known = {"active", "code", "customer", "expand", "expires_at", "max_redemptions", "metadata", "promotion"}
    unknown = sorted(set(params) - known - {"restrictions"})
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {unknown[0]}", unknown[0], "parameter_unknown")
    promotion = params.get("promotion")
    if not isinstance(promotion, dict) or promotion.get("type") != "coupon" or not promotion.get("coupon"):
        raise _user_error(400, "Missing required param: promotion[coupon].", "promotion", "parameter_missing")
    coupon = _coupon(str(promotion["coupon"]), "promotion[coupon]")
    code = params.get("code") or "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
    code = str(code)
    if not all(ch.isalnum() or ch in "-_" for ch in code) or len(code) > 500:
        raise _user_error(400, "Invalid code: letters, digits, - and _ only", "code")
    active = _flag(params.get("active"), True)
    if active and any(p["active"] and p["code"].lower() == code.lower() for p in _promotions()):
        raise _user_error(400, f"An active promotion code with `code: {code}` already exists.", "code")
    customer = params.get("customer") or None
    if customer is not None:
        from localstripe.resources import Customer

        Customer._api_retrieve(customer)  # localstripe's 404
    expires_at = _int(params, "expires_at")
    if expires_at is not None and expires_at <= time.time():
        raise _user_error(400, "Invalid expires_at: must be in the future", "expires_at")
    max_redemptions = _int(params, "max_redemptions")
    if max_redemptions is not None and max_redemptions < 1:
        raise _user_error(400, "Invalid max_redemptions: must be at least 1", "max_redemptions")
    restrictions = params.get("restrictions") or {}
    if not isinstance(restrictions, dict):
        raise _user_error(400, "Invalid restrictions: must be a hash", "restrictions")
    metadata = params.get("metadata") or {}
    minimum = restrictions.get("minimum_amount")
    obj: dict[str, Any] = {
        "id": new_id("promo"),
        "object": "promotion_code",
        "active": active,
        "code": code,
        "created": int(time.time()),
        "customer": customer,
        "customer_account": None,
        "expires_at": expires_at,
        "livemode": False,
        "max_redemptions": max_redemptions,
        "metadata": {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
        "promotion": {"type": "coupon", "coupon": coupon.id},
        "restrictions": {
            "currency_options": {},
            "first_time_transaction": _flag(restrictions.get("first_time_transaction"), False),
            "minimum_amount": None if minimum in (None, "") else int(minimum),
            "minimum_amount_currency": restrictions.get("minimum_amount_currency") or None,
        },
        "times_redeemed": 0,
    }
    _save_promotion(obj)
    emit("promotion_code.created", promotion_answer(obj))
    return web.json_response(promotion_answer(obj))


@route("GET", r"/v1/promotion_codes/(?P<id>promo_\w+)")
async def retrieve_promotion_code(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    found = _promotion(match["id"])
    if found is None:
        raise _user_error(404, f"No such promotion code: '{match['id']}'", "id", "resource_missing")
    return web.json_response(promotion_answer(found))


@route("POST", r"/v1/promotion_codes/(?P<id>promo_\w+)")
async def update_promotion_code(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """`active` and `metadata` (what Stripe lets change); `promotion_code.updated` with `previous_attributes`."""
    found = _promotion(match["id"])
    if found is None:
        raise _user_error(404, f"No such promotion code: '{match['id']}'", "id", "resource_missing")
    unknown = sorted(set(params) - {"active", "metadata", "expand"})
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {unknown[0]}", unknown[0], "parameter_unknown")
    before = copy.deepcopy(found)
    if "active" in params:
        found["active"] = _flag(params["active"], found["active"])
    metadata = params.get("metadata")
    if isinstance(metadata, dict):
        found["metadata"].update({str(k): str(v) for k, v in metadata.items()})
    previous = {key: before[key] for key in found if found[key] != before[key]}
    _save_promotion(found)
    if previous:
        emit("promotion_code.updated", promotion_answer(found), previous)
    return web.json_response(promotion_answer(found))


@route("POST", r"/_sandbox/promotion_codes/(?P<id>promo_\w+)/expire")
async def expire_promotion_code(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Test mode: the clock passes the code's `expires_at` (set to now; Stripe sends no event when a code expires)."""
    found = _promotion(match["id"])
    if found is None:
        raise _user_error(404, f"No such promotion code: '{match['id']}'", "id", "resource_missing")
    found["expires_at"] = int(time.time())
    _save_promotion(found)
    return web.json_response(promotion_answer(found))


@route("GET", r"/v1/promotion_codes")
async def list_promotion_codes(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Newest first; `code` (case-insensitive), `coupon`, `customer`, `active` filter; `limit` 1 to 100."""
    limit = _int(params, "limit") or 10
    if not 1 <= limit <= 100:
        raise _user_error(400, "limit must be between 1 and 100", "limit")
    found = list(reversed(_promotions()))
    if params.get("code"):
        found = [p for p in found if p["code"].lower() == str(params["code"]).lower()]
    if params.get("coupon"):
        found = [p for p in found if p["promotion"]["coupon"] == params["coupon"]]
    if params.get("customer"):
        found = [p for p in found if p["customer"] == params["customer"]]
    if params.get("active") not in (None, ""):
        wanted = _flag(params["active"], True)
        found = [p for p in found if p["active"] == wanted]
    after = params.get("starting_after")
    if after:
        ids = [p["id"] for p in found]
        if after not in ids:
            raise _user_error(400, f"No such promotion code: '{after}'", "starting_after")
        found = found[ids.index(after) + 1 :]
    page = [promotion_answer(p) for p in found[:limit]]
    return web.json_response(
        {"object": "list", "data": page, "has_more": len(found) > limit, "url": "/v1/promotion_codes"}
    )


# --- discounts --------------------------------------------------------------------------------------


def _discount(discount_id: str) -> dict[str, Any] | None:
    found = _store().get(DISCOUNT_PREFIX + discount_id)
    return found if isinstance(found, dict) else None


def redeemable_promotion(promotion: dict[str, Any], customer: str, param: str, now: float | None = None) -> Any:
    """The promotion code's coupon, or the 400 Stripe answers: inactive/expired, used up, another customer's."""
    moment = time.time() if now is None else now
    code = promotion["code"]
    if not promotion["active"]:
        raise _user_error(400, f"The promotion code `{code}` is inactive.", param, EXPIRED_CODE)
    if promotion["expires_at"] is not None and promotion["expires_at"] <= moment:
        raise _user_error(400, f"The promotion code `{code}` has expired.", param, EXPIRED_CODE)
    if promotion["max_redemptions"] is not None and promotion["times_redeemed"] >= promotion["max_redemptions"]:
        raise _user_error(400, f"The promotion code `{code}` has reached its maximum number of redemptions.", param)
    if promotion["customer"] is not None and promotion["customer"] != customer:
        raise _user_error(400, f"The promotion code `{code}` cannot be redeemed by this customer.", param)
    return redeemable_coupon(_coupon(promotion["promotion"]["coupon"], param), param, moment)


def redeemable_coupon(coupon: Any, param: str, now: float | None = None) -> Any:
    moment = time.time() if now is None else now
    if coupon.redeem_by is not None and coupon.redeem_by <= moment:
        raise _user_error(400, f"Coupon expired: {coupon.id}", param, EXPIRED_CODE)
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        raise _user_error(400, f"Coupon {coupon.id} has reached its maximum number of redemptions.", param)
    return coupon


def new_discount(
    *, coupon: Any, promotion_code: str | None, customer: str, subscription: str, now: int | None = None
) -> dict[str, Any]:
    """A `Discount` in Stripe's current shape (`source.coupon`)."""
    start = int(time.time()) if now is None else now
    end = None
    if coupon.duration == "repeating" and coupon.duration_in_months:
        end = start + int(coupon.duration_in_months) * MONTH_SECONDS
    elif coupon.duration == "once":
        end = start
    return {
        "id": new_id("di"),
        "object": "discount",
        "checkout_session": None,
        "customer": customer,
        "customer_account": None,
        "end": end,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": promotion_code,
        "source": {"type": "coupon", "coupon": coupon.id},
        "start": start,
        "subscription": subscription,
        "subscription_item": None,
    }


def _discount_ids(obj: Any) -> list[str]:
    return list(getattr(obj, "_discount_ids", None) or [])


def discount_amounts(discount_ids: list[str], subtotal: int, currency: str | None) -> list[dict[str, Any]]:
    """Stripe's `total_discount_amounts` of an invoice of `subtotal`: each discount on what the ones before left."""
    from localstripe.resources import Coupon

    remaining = max(0, subtotal)
    amounts: list[dict[str, Any]] = []
    for discount_id in discount_ids:
        discount = _discount(discount_id)
        coupon_id = None if discount is None else discount["source"]["coupon"]
        coupon = None if coupon_id is None else _store().get("coupon:" + coupon_id)
        if coupon is None and coupon_id is not None:
            coupon = _store().get(DELETED_COUPON_PREFIX + coupon_id)
        if not isinstance(coupon, Coupon):
            continue
        if coupon.percent_off is not None:
            amount = int(remaining * float(coupon.percent_off) / 100 + 0.5)
        elif coupon.amount_off is not None and (currency or "").lower() == (coupon.currency or "").lower():
            amount = int(coupon.amount_off)
        else:
            amount = 0
        amount = min(amount, remaining)
        remaining -= amount
        amounts.append({"amount": amount, "discount": discount_id})
    return amounts


def install() -> None:
    """Give localstripe's subscriptions `discounts` and its invoices their discounts: call once at start."""
    from localstripe import resources  # a development dependency, as in sandbox.server

    subscription_cls: Any = resources.Subscription
    invoice_cls: Any = resources.Invoice
    if "discounts" in vars(subscription_cls):
        return
    subscription_cls.discounts = property(_discount_ids)
    original_init = invoice_cls.__init__

    def init_with_discounts(self: Any, *args: Any, **kwargs: Any) -> None:
        # Before localstripe's own __init__, which exports the invoice into its `invoice.created` event.
        subscription_id = kwargs.get("subscription")
        found = _store().get(f"subscription:{subscription_id}") if subscription_id else None
        self._discount_ids = _discount_ids(found) if found is not None else []
        original_init(self, *args, **kwargs)

    original_total = invoice_cls.total

    def total_discount_amounts(self: Any) -> list[dict[str, Any]]:
        return discount_amounts(_discount_ids(self), self.subtotal, getattr(self, "currency", None))

    def total(self: Any) -> int:
        off: int = sum(int(entry["amount"]) for entry in total_discount_amounts(self))
        before: int = int(original_total.fget(self))
        return max(0, before - off)

    invoice_cls.__init__ = init_with_discounts
    invoice_cls.discounts = property(_discount_ids)
    invoice_cls.total_discount_amounts = property(total_discount_amounts)
    invoice_cls.total = property(total)


def _requested(value: Any) -> list[dict[str, Any]]:
    """The `discounts` entries asked for ([] for `discounts=`); 400 for a malformed one."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise _user_error(400, "Invalid array: discounts", "discounts")
    for index, entry in enumerate(value):
        given = [key for key in ("coupon", "promotion_code", "discount") if entry.get(key)]
        if len(given) != 1 or set(entry) - {"coupon", "promotion_code", "discount"}:
            raise _user_error(
                400,
                "Each discount takes exactly one of coupon, promotion_code or discount.",
                f"discounts[{index}]",
                "parameters_exclusive",
            )
    return list(value)


def _expanded(answer: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    if "discounts" in expand:
        answer["discounts"] = [copy.deepcopy(_discount(d)) for d in answer.get("discounts") or [] if _discount(d)]
    return answer


@route("POST", r"/v1/subscriptions/(?P<id>sub_\w+)")
async def update_subscription(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """An update naming `discounts`: the discounts replaced here, the rest handed to localstripe."""
    if "discounts" not in params:
        return None
    from localstripe import resources, server  # a development dependency, as in sandbox.server

    install()
    subscription = resources.Subscription._api_retrieve(match["id"])  # localstripe's own 404
    rest = dict(params)
    entries = _requested(rest.pop("discounts"))
    expand = rest.pop("expand", None) or []
    if subscription.status in ENDED_STATUSES:
        raise _user_error(400, f"You cannot update a subscription that is {subscription.status}.", "discounts")
    customer = subscription.customer
    before = _discount_ids(subscription)
    kept: list[str] = []
    made: list[tuple[dict[str, Any], Any, dict[str, Any] | None]] = []
    for index, entry in enumerate(entries):
        if entry.get("discount"):
            if entry["discount"] not in before:
                raise _user_error(400, f"No such discount: '{entry['discount']}'", f"discounts[{index}][discount]")
            kept.append(entry["discount"])
            continue
        if entry.get("promotion_code"):
            param = f"discounts[{index}][promotion_code]"
            promotion = _promotion(str(entry["promotion_code"]))
            if promotion is None:
                raise _user_error(
                    400, f"No such promotion code: '{entry['promotion_code']}'", param, "resource_missing"
                )
            coupon = redeemable_promotion(promotion, customer, param)
            made.append(
                (
                    new_discount(
                        coupon=coupon, promotion_code=promotion["id"], customer=customer, subscription=subscription.id
                    ),
                    coupon,
                    promotion,
                )
            )
        else:
            param = f"discounts[{index}][coupon]"
            coupon = redeemable_coupon(_coupon(str(entry["coupon"]), param), param)
            made.append(
                (
                    new_discount(coupon=coupon, promotion_code=None, customer=customer, subscription=subscription.id),
                    coupon,
                    None,
                )
            )
    coupons = [discount["source"]["coupon"] for discount, _, _ in made] + [
        d["source"]["coupon"] for d in (_discount(k) for k in kept) if d
    ]
    if len(set(coupons)) != len(coupons):
        raise _user_error(400, "The same coupon cannot be applied twice.", "discounts")
    # All refusals are above: from here on the request is carried out.
    if rest:
        resources.Subscription._api_update(match["id"], **rest)
    removed = [d for d in before if d not in kept]
    for discount, coupon, promotion in made:
        _store()[DISCOUNT_PREFIX + discount["id"]] = discount
        coupon.times_redeemed += 1
        if promotion is not None:
            promotion["times_redeemed"] += 1
            _save_promotion(promotion)
    subscription._discount_ids = kept + [discount["id"] for discount, _, _ in made]
    for discount_id in removed:
        gone = _discount(discount_id)
        if gone is not None:
            emit("customer.discount.deleted", copy.deepcopy(gone))
    for discount, _, _ in made:
        emit("customer.discount.created", copy.deepcopy(discount))
    if subscription._discount_ids != before:
        emit("customer.subscription.updated", subscription._export(), {"discounts": before})
    answer: web.StreamResponse = server.json_response(_expanded(subscription._export(), list(expand)))
    return answer


@route("GET", r"/v1/subscriptions/(?P<id>sub_\w+)")
async def retrieve_subscription(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """`expand[]=discounts` answered here (localstripe cannot expand `di_` ids); otherwise localstripe's."""
    expand = params.get("expand") or []
    if "discounts" not in expand:
        return None
    from localstripe import resources, server

    subscription = resources.Subscription._api_retrieve(match["id"])
    rest = [path for path in expand if path != "discounts"]
    answer: web.StreamResponse = server.json_response(_expanded(subscription._export(expand=rest), ["discounts"]))
    return answer


@route("GET", r"/_sandbox/discounts/(?P<id>di_\w+)")
async def retrieve_discount(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Test mode: one discount (Stripe has no such endpoint: discounts are read through their parent)."""
    found = _discount(match["id"])
    if found is None:
        raise _user_error(404, f"No such discount: '{match['id']}'", "id", "resource_missing")
    return web.json_response(found)
