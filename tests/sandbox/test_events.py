"""The sandbox's own events: Stripe's event shape, Stripe's signature, delivered to every endpoint."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from aiohttp import web
from localstripe import webhooks

from sandbox import events
from stripe_provider.adapter import STRIPE_API_VERSION
from stripe_provider.signatures import verify_webhook
from tests.support.localstripe import BASIC_AUTH, LocalStripe
from tests.support.net import free_port

SECRET = "whsec_sandbox_test"


def test_an_emitted_event_has_stripes_shape_and_a_signature_stripe_accepts() -> None:
    obj = {"id": "sub_1", "object": "subscription", "status": "active"}
    event = events.build_event("customer.subscription.updated", obj, {"status": "past_due"})
    assert event["id"].startswith("evt_")
    assert event["object"] == "event"
    assert event["api_version"] == STRIPE_API_VERSION
    assert event["data"] == {"object": obj, "previous_attributes": {"status": "past_due"}}
    assert event["livemode"] is False
    payload = json.dumps(event).encode()
    header = events.signature_header(payload, SECRET, event["created"])
    assert verify_webhook(payload, header, [SECRET]) == event
    with pytest.raises(Exception, match="signature"):
        verify_webhook(payload, header, ["whsec_another"])


async def test_emit_delivers_a_signed_event_to_every_registered_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[tuple[str, bytes, str]] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((request.path, await request.read(), request.headers["Stripe-Signature"]))
        if len(received) == 2:
            arrived.set()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/{name}", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setattr(webhooks, "_webhooks", {})
    webhooks.register_webhook("wh_a", f"http://127.0.0.1:{port}/a", SECRET, None)
    webhooks.register_webhook("wh_b", f"http://127.0.0.1:{port}/b", "whsec_b", ["customer.subscription.updated"])
    webhooks.register_webhook("wh_c", f"http://127.0.0.1:{port}/c", "whsec_c", ["charge.dispute.created"])
    try:
        event = events.emit("customer.subscription.updated", {"id": "sub_1", "object": "subscription"})
        await asyncio.wait_for(arrived.wait(), timeout=10)
    finally:
        await runner.cleanup()
    by_path = {path: (body, header) for path, body, header in received}
    assert sorted(by_path) == ["/a", "/b"], "an endpoint listening to other types gets nothing"
    assert verify_webhook(*by_path["/a"], [SECRET])["id"] == event["id"]
    assert verify_webhook(*by_path["/b"], ["whsec_b"])["id"] == event["id"]


def test_the_sandbox_answers_for_its_own_events_and_localstripe_for_the_rest(localstripe: LocalStripe) -> None:
    unknown = httpx.get(f"{localstripe.url}/v1/events/evt_unknown", auth=BASIC_AUTH, timeout=10)
    assert unknown.status_code == 404  # not emitted by the sandbox: localstripe's own answer
    assert httpx.get(f"{localstripe.url}/v1/events/evt_unknown", timeout=10).status_code == 401
