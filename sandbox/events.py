"""Stripe events the sandbox emits itself, signed and delivered as Stripe does.

localstripe emits few events, in an old API version, and none for what it does not know
(subscription updates, refunds by charge, disputes, …). `emit` builds an event in the shape
Stripe documents for the API version the adapter pins, keeps it for `GET /v1/events/{id}`,
and POSTs it to every webhook endpoint registered with the sandbox (`POST
/_config/webhooks/{id}`, localstripe's own registry), signed `t=<time>,v1=<HMAC-SHA256 of
"<time>.<body>">` with that endpoint's secret: what `stripe.WebhookSignature` checks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import OrderedDict
from typing import Any, Final

import aiohttp
from aiohttp import web

from sandbox.routes import route
from stripe_provider.adapter import STRIPE_API_VERSION

log = logging.getLogger("sandbox.events")

EVENTS_KEPT: Final = 10_000
"""Emitted events kept for `GET /v1/events/{id}` (the oldest go first)."""

_events: OrderedDict[str, dict[str, Any]] = OrderedDict()
_deliveries: set[asyncio.Task[None]] = set()


def new_id(prefix: str) -> str:
    """A Stripe-looking id (`evt_…`, `dp_…`)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def build_event(
    event_type: str, obj: dict[str, Any], previous_attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An event object as Stripe sends it: `data.object` is the object after the change."""
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": int(time.time()),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header of `payload` for one endpoint secret."""
    signed = b"%d.%s" % (timestamp, payload)
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def emit(event_type: str, obj: dict[str, Any], previous_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keep and deliver one event (in the background, on the running loop); return it."""
    event = build_event(event_type, obj, previous_attributes)
    _events[event["id"]] = event
    while len(_events) > EVENTS_KEPT:
        _events.popitem(last=False)
    task = asyncio.get_running_loop().create_task(_deliver(event))
    _deliveries.add(task)
    task.add_done_callback(_deliveries.discard)
    return event


async def _deliver(event: dict[str, Any]) -> None:
    from localstripe import webhooks  # a development dependency, as in sandbox.server

    payload = json.dumps(event, sort_keys=True).encode()
    async with aiohttp.ClientSession() as session:
        for endpoint in list(webhooks._webhooks.values()):
            if endpoint.events is not None and event["type"] not in endpoint.events:
                continue
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(payload, endpoint.secret, event["created"]),
            }
            try:
                async with session.post(endpoint.url, data=payload, headers=headers) as answer:
                    log.info("webhook %s %s delivered: %d", event["type"], event["id"], answer.status)
            except aiohttp.ClientError as exc:
                log.info("webhook %s %s failed: %s", event["type"], event["id"], exc)


@route("GET", r"/v1/events/(?P<id>evt_\w+)")
async def retrieve_event(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """An event the sandbox emitted; localstripe answers for its own."""
    event = _events.get(match["id"])
    return None if event is None else web.json_response(event)
