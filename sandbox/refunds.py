"""Refunds with Stripe's `reason`, and the events a refund causes at Stripe.

localstripe 1.15 refuses `reason` on `POST /v1/refunds` (400 "Unexpected reason"), keeps none
on the refund, and emits no event for a refund. Here `POST /v1/refunds` takes `reason`
(`duplicate`, `fraudulent` or `requested_by_customer`; anything else is a 400
`invalid_request_error` naming the parameter, as Stripe answers), lets localstripe make the
refund, keeps the reason on it (`reason`: null when none was given, as Stripe shows it), and
emits `charge.refunded` (the charge in its current shape: no embedded `refunds` list, with
`previous_attributes` of `amount_refunded` and `refunded`) and `refund.created`.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from sandbox.events import emit
from sandbox.routes import route

REFUND_REASONS: Final = ("duplicate", "fraudulent", "requested_by_customer")
"""The reasons Stripe accepts when a refund is created."""


def charge_object(charge: Any) -> dict[str, Any]:
    """A localstripe charge in Stripe's current shape (the `refunds` list left out since 2022-11-15)."""
    obj: dict[str, Any] = charge._export()
    obj.pop("refunds", None)
    return obj


def refund_object(refund: Any, expand: list[str] | None = None) -> dict[str, Any]:
    """A localstripe refund with its `reason` (null when none was given)."""
    obj: dict[str, Any] = refund._export(expand=expand)
    obj.setdefault("reason", None)
    return obj


@route("POST", r"/v1/refunds")
async def create_refund(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """Make the refund as localstripe does, with `reason` kept; emit `charge.refunded` and `refund.created`."""
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server
    from localstripe.resources import Charge, Refund

    data = dict(params)
    expand = data.pop("expand", None)
    reason = data.pop("reason", None)
    if reason is not None and reason not in REFUND_REASONS:
        raise UserError(
            400,
            f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}",
            {"code": "parameter_invalid_string", "param": "reason"},
        )
    refund = Refund._api_create(**data)
    refund.reason = reason
    charge = Charge._api_retrieve(refund.charge)
    before = charge.amount_refunded - refund.amount
    emit(
        "charge.refunded",
        charge_object(charge),
        {"amount_refunded": before, "refunded": charge.amount <= before},
    )
    emit("refund.created", refund_object(refund))
    return web.json_response(refund_object(refund, expand))
