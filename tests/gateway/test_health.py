"""`/health/ready`'s verdict: the database is the one hard dependency (docs/degraded-mode.md).

The e2e tests stop Redis and Stripe under a real server (tests/e2e/test_redis_outages.py); here the
database is unreachable (Tortoise not initialised) and Stripe is a closed port.
"""

from __future__ import annotations

import json

from starlette.requests import Request

from base.settings import Settings
from gateway.health import make_ready
from stripe_provider.adapter import StripeAdapter
from tests.support.net import free_port


async def test_without_the_database_readiness_is_503_unavailable() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, stripe_api_key="sk_test_health", stripe_api_base=f"http://127.0.0.1:{free_port()}"
    )
    stripe = StripeAdapter(settings)
    try:
        ready = make_ready(settings, stripe)
        response = await ready(Request({"type": "http", "method": "GET", "path": "/health/ready", "headers": []}))
    finally:
        await stripe.aclose()
    body = json.loads(bytes(response.body))
    assert response.status_code == 503, body
    # Problem details (RFC 9457): `status` is the HTTP status, the verdict is `readiness`.
    assert response.headers["content-type"] == "application/problem+json", response.headers
    assert (body["status"], body["code"], body["readiness"]) == (503, "not_ready", "unavailable"), body
    assert body["instance"] == response.headers["x-request-id"], body
    assert body["checks"]["database"]["ok"] is False, body
    assert body["degraded"] == ["database", "stripe"], body


async def test_rabbitmq_is_a_soft_check_named_broker() -> None:
    """With BROKER_URL, readiness probes RabbitMQ with the AMQP header: a closed port is `broker` degraded."""
    from runtime.dramatiq_rabbitmq import amqp_ping
    from tests.support.rabbitmq import RABBITMQ_HOST, RABBITMQ_PORT, require_rabbitmq

    require_rabbitmq()
    await amqp_ping(f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/")  # the machine's answers
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        stripe_api_key="sk_test_health",
        stripe_api_base=f"http://127.0.0.1:{free_port()}",
        broker_url=f"amqp://guest:guest@127.0.0.1:{free_port()}/",
    )
    stripe = StripeAdapter(settings)
    try:
        ready = make_ready(settings, stripe)
        response = await ready(Request({"type": "http", "method": "GET", "path": "/health/ready", "headers": []}))
    finally:
        await stripe.aclose()
    body = json.loads(bytes(response.body))
    assert body["checks"]["broker"]["ok"] is False, body
    assert body["degraded"] == ["broker", "database", "stripe"], body
