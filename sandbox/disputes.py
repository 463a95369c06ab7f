"""Disputes (chargebacks), which localstripe lacks: a test-mode trigger, Stripe's dispute endpoints, their events.

- `POST /_sandbox/disputes` (`payment_intent`, optional `reason`, `amount`): the card holder's bank
  disputes the PaymentIntent's latest charge. The dispute is made in the shape Stripe documents
  (`needs_response`, evidence due in 7 days, `charge` and `payment_intent` set), the charge is
  marked `disputed`, and `charge.dispute.created` is emitted.
- `GET /v1/disputes/{id}`, `GET /v1/disputes` (`limit`, `starting_after`, `charge`, `payment_intent`).
- `POST /v1/disputes/{id}` (`evidence[...]`, `metadata[...]`, `submit`): evidence is merged
  while the dispute needs a response; `submit=true` sends it to the bank (`under_review`,
  `warning_under_review` for an inquiry, `evidence_details.submission_count` + 1).
  Emits `charge.dispute.updated` with `previous_attributes`.
- `POST /_sandbox/disputes/{id}/close` (`status`: `won` or `lost`): the bank decides; emits
  `charge.dispute.closed`.

Disputes are kept in localstripe's store as plain dicts under `dispute:<id>` (no localstripe class
reads that prefix), so they are saved and loaded with it (`sandbox/persistence.py`): a restarted
sandbox with a state directory has them again. docs/sandbox.md lists what is emulated and how far.
"""

from __future__ import annotations

import copy
import time
from typing import Any, Final

from aiohttp import web

from sandbox.events import emit, new_id
from sandbox.routes import route

STORE_PREFIX: Final = "dispute:"
"""The key prefix of disputes in localstripe's store."""

REASONS: Final = frozenset(
    {
        "bank_cannot_process",
        "check_returned",
        "credit_not_processed",
        "customer_initiated",
        "debit_not_authorized",
        "duplicate",
        "fraudulent",
        "general",
        "incorrect_account_details",
        "insufficient_funds",
        "noncompliant",
        "product_not_received",
        "product_unacceptable",
        "subscription_canceled",
        "unrecognized",
    }
)
"""Stripe's dispute reasons."""

EVIDENCE_FIELDS: Final = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
"""The fields of Stripe's `evidence` object (each null until given)."""

EVIDENCE_DAYS: Final = 7
"""Days the merchant has to answer a new dispute (Stripe's deadline varies by network; 7 to 21 days)."""

OPEN_FOR_EVIDENCE: Final = {"needs_response": "under_review", "warning_needs_response": "warning_under_review"}
"""Statuses that take evidence, and the status a submission moves each to."""


def _user_error(status: int, message: str, param: str | None = None) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    contents: dict[str, Any] = {"param": param} if param is not None else {}
    return UserError(status, message, contents)  # type: ignore[no-any-return]


def _latest_charge(payment_intent: str) -> tuple[Any, Any]:
    """localstripe's PaymentIntent and its latest charge; 404 / 400 as Stripe answers."""
    from localstripe.resources import PaymentIntent

    intent = PaymentIntent._api_retrieve(payment_intent)
    charge = getattr(intent, "latest_charge", None)
    if charge is None or getattr(charge, "status", None) != "succeeded":
        raise _user_error(400, f"PaymentIntent {payment_intent} has no succeeded charge to dispute", "payment_intent")
    return intent, charge


def new_dispute(
    *, charge: str, payment_intent: str | None, amount: int, currency: str, reason: str, now: int | None = None
) -> dict[str, Any]:
    """A dispute as Stripe documents it, just opened by the card holder's bank (`needs_response`)."""
    created = int(time.time()) if now is None else now
    return {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge,
        "created": created,
        "currency": currency,
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": created + EVIDENCE_DAYS * 86_400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "payment_method_details": {
            "card": {"brand": "visa", "case_type": "chargeback", "network_reason_code": "10.4"},
            "type": "card",
        },
        "reason": reason,
        "status": "needs_response",
    }


def _store() -> dict[str, Any]:
    from localstripe.resources import store

    return store  # type: ignore[no-any-return]


def _save(dispute: dict[str, Any]) -> None:
    """Keep the dispute in the store (a write: the store is saved with it)."""
    _store()[STORE_PREFIX + dispute["id"]] = dispute


def _all() -> list[dict[str, Any]]:
    """Every dispute, in creation order."""
    return [value for key, value in _store().items() if key.startswith(STORE_PREFIX)]


def _find(dispute_id: str) -> dict[str, Any]:
    dispute = _store().get(STORE_PREFIX + dispute_id)
    if not isinstance(dispute, dict):
        raise _user_error(404, f"No such dispute: '{dispute_id}'", "dispute")
    return dispute


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    return value is True or str(value).lower() == "true"


@route("POST", r"/_sandbox/disputes")
async def trigger_dispute(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Test mode: the bank disputes a PaymentIntent's latest charge (`charge.dispute.created`)."""
    intent_id = params.get("payment_intent")
    if not isinstance(intent_id, str) or not intent_id:
        raise _user_error(400, "Missing required param: payment_intent.", "payment_intent")
    intent, charge = _latest_charge(intent_id)
    reason = str(params.get("reason") or "fraudulent")
    if reason not in REASONS:
        raise _user_error(400, f"Invalid reason: must be one of {', '.join(sorted(REASONS))}", "reason")
    charged = int(getattr(charge, "amount", intent.amount))
    try:
        amount = int(params["amount"]) if params.get("amount") not in (None, "") else charged
    except (TypeError, ValueError):
        raise _user_error(400, "Invalid integer: amount", "amount") from None
    if not 0 < amount <= charged:
        raise _user_error(400, f"amount must be between 1 and the charge's {charged}", "amount")
    dispute = new_dispute(
        charge=charge.id, payment_intent=intent.id, amount=amount, currency=intent.currency, reason=reason
    )
    _save(dispute)
    charge.disputed = True
    emit("charge.dispute.created", copy.deepcopy(dispute))
    return web.json_response(dispute)


@route("GET", r"/v1/disputes/(?P<id>\w+)")
async def retrieve_dispute(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    return web.json_response(_find(match["id"]))


@route("GET", r"/v1/disputes")
async def list_disputes(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Newest first, as Stripe lists; `charge` and `payment_intent` filter, `limit` 1 to 100 (default 10)."""
    try:
        limit = int(params.get("limit") or 10)
    except (TypeError, ValueError):
        raise _user_error(400, "Invalid integer: limit", "limit") from None
    if not 1 <= limit <= 100:
        raise _user_error(400, "limit must be between 1 and 100", "limit")
    found = [
        dispute
        for dispute in reversed(_all())
        if all(params.get(key) in (None, dispute[key]) for key in ("charge", "payment_intent"))
    ]
    after = params.get("starting_after")
    if after:
        ids = [dispute["id"] for dispute in found]
        if after not in ids:
            raise _user_error(400, f"No such dispute: '{after}'", "starting_after")
        found = found[ids.index(after) + 1 :]
    page = found[:limit]
    return web.json_response({"object": "list", "data": page, "has_more": len(found) > limit, "url": "/v1/disputes"})


@route("POST", r"/v1/disputes/(?P<id>\w+)")
async def update_dispute(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Evidence and metadata; `submit=true` sends the evidence to the bank (`charge.dispute.updated`)."""
    dispute = _find(match["id"])
    unknown = set(params) - {"evidence", "metadata", "submit"}
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {sorted(unknown)[0]}", sorted(unknown)[0])
    evidence = params.get("evidence") or {}
    if not isinstance(evidence, dict) or set(evidence) - set(EVIDENCE_FIELDS):
        raise _user_error(400, "Invalid evidence: unknown or malformed fields", "evidence")
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _user_error(400, "Invalid metadata: must be a hash", "metadata")
    submit = _flag(params, "submit")
    if (evidence or submit) and dispute["status"] not in OPEN_FOR_EVIDENCE:
        raise _user_error(400, f"This dispute is {dispute['status']}: evidence can no longer be submitted.", "evidence")
    before = copy.deepcopy(dispute)
    dispute["evidence"].update({name: str(value) for name, value in evidence.items()})
    dispute["metadata"].update({str(key): str(value) for key, value in metadata.items()})
    details = dispute["evidence_details"]
    details["has_evidence"] = details["has_evidence"] or bool(evidence)
    if submit:
        dispute["status"] = OPEN_FOR_EVIDENCE[dispute["status"]]
        details["submission_count"] += 1
    previous = {key: before[key] for key in dispute if dispute[key] != before[key]}
    _save(dispute)
    if previous:
        emit("charge.dispute.updated", copy.deepcopy(dispute), previous)
    return web.json_response(dispute)


@route("POST", r"/_sandbox/disputes/(?P<id>\w+)/close")
async def close_dispute(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Test mode: the bank decides (`status` won or lost); `charge.dispute.closed`."""
    dispute = _find(match["id"])
    status = params.get("status")
    if status not in ("won", "lost"):
        raise _user_error(400, "status must be won or lost", "status")
    if dispute["status"] in ("won", "lost", "warning_closed", "prevented"):
        raise _user_error(400, f"This dispute is already {dispute['status']}.", "status")
    previous = {"status": dispute["status"]}
    dispute["status"] = status
    _save(dispute)
    emit("charge.dispute.closed", copy.deepcopy(dispute), previous)
    return web.json_response(dispute)
