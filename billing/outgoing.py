"""Outgoing webhooks (Standard Webhooks): signing, the SSRF guard, fan-out from the outbox, delivery.

Fan-out (`fan_out`): each enabled endpoint keeps a cursor into the outbox (`fanned_out_sequence`);
one transaction per endpoint reads the events after it, creates an `EventDelivery` for each
matching type and moves the cursor. An event committed with its change is therefore delivered
even when the gateway died right after the commit: the next sweep fans it out (acceptance 2).

Delivery (`deliver_endpoint`): the due deliveries of one endpoint, each the OLDEST pending one of
its object (so an object's events go out in order), claimed by a lease (`next_attempt_at` moved
forward in one UPDATE), POSTed with httpx (no redirects, connect/read timeouts), the URL checked
again by the SSRF guard. A 2xx succeeds; anything else retries with exponential backoff until
`OUTGOING_RETRY_WINDOW_SECONDS` (3 days) after the event, then the delivery is `failed`.
An endpoint failing continuously for `OUTGOING_DISABLE_AFTER_SECONDS` is disabled: an outbox event
`webhook_endpoint.disabled` and the metric `gateway_webhook_endpoints_disabled`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from tortoise.transactions import in_transaction

from base.ids import to_global_id
from base.metrics import WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS_DISABLED
from base.settings import Settings
from billing.outbox import OUTBOX_LOCK, SCHEMA_VERSION, envelope
from models import EventDelivery, OutboxEvent, WebhookEndpoint

log = logging.getLogger("billing.outgoing")

EXCERPT_BYTES: Final = 1024
FAN_OUT_BATCH: Final = 500
DELIVERY_BATCH: Final = 50
LEASE_SECONDS: Final = 60.0
"""A claimed delivery is not picked again for this long (an attempt lasts at most the timeouts)."""
ENDPOINT_DISABLED_EVENT: Final = "webhook_endpoint.disabled"

ENABLED: Final = "enabled"
DISABLED: Final = "disabled"
PENDING: Final = "pending"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"


# Signing (https://www.standardwebhooks.com/): v1 = base64(HMAC-SHA256(secret, "id.timestamp.body")).


def new_salt() -> str:
    """A fresh secret's salt (what the database keeps)."""
    return secrets.token_hex(16)


def secret_for(salt: str, settings: Settings) -> str:
    """The signing secret of a salt: `whsec_` + base64(HMAC-SHA256(GATEWAY_SECRET, salt)); never stored."""
    key = hmac.new(settings.signing_secret().encode(), f"outgoing-webhook:{salt}".encode(), hashlib.sha256)
    return "whsec_" + base64.b64encode(key.digest()).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<signature>` of the Standard Webhooks spec."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime, settings: Settings) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    found = [secret_for(endpoint.secret_salt, settings)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_salt and expires is not None and expires > now:
        found.append(secret_for(endpoint.previous_secret_salt, settings))
    return found


def headers_for(
    endpoint: WebhookEndpoint, msg_id: str, body: bytes, now: datetime, settings: Settings
) -> dict[str, str]:
    timestamp = int(now.timestamp())
    signatures = " ".join(sign(secret, msg_id, timestamp, body) for secret in signing_secrets(endpoint, now, settings))
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "user-agent": "billing-gateway-webhooks/1",
    }


# The SSRF guard.


class UrlNotAllowed(ValueError):
    """The URL may not receive webhooks (the message says why)."""


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def check_url_shape(url: str, settings: Settings) -> None:
    """The URL's form: http(s), a host, no credentials; https only in production. Raises `UrlNotAllowed`."""
    if len(url) > 2048:
        raise UrlNotAllowed("the URL is longer than 2048 characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise UrlNotAllowed("not a valid URL") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlNotAllowed("the URL must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise UrlNotAllowed("the URL may not carry credentials")
    if settings.is_production and parts.scheme != "https":
        raise UrlNotAllowed("the URL must use https in production")


async def check_url(url: str, settings: Settings) -> str | None:
    """`check_url_shape`, then every address the host resolves to must be public (unless allowed).

    Answers the checked address the request must connect to (`pinned`: no second resolution, so a
    host cannot answer a public address to the check and a private one to the connection), or None
    when private addresses are allowed (nothing to pin).
    """
    check_url_shape(url, settings)
    if settings.allow_private_webhook_urls:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError as exc:
        raise UrlNotAllowed(f"the host {host!r} does not resolve") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise UrlNotAllowed("the host resolves to a private, loopback or link-local address")
    return sorted(addresses)[0]


def pinned(url: str, address: str | None) -> tuple[str, dict[str, str], str | None]:
    """The URL rewritten to connect to `address`, the `host` header it needs, and the TLS server name.

    httpx then verifies the certificate against the original host name (`sni_hostname`)."""
    if address is None:
        return url, {}, None
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    original = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc).geturl(), {"host": original}, host if parts.scheme == "https" else None


# Fan-out.


def matches(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.event_types or event_type in endpoint.event_types


async def current_sequence() -> int:
    """The newest outbox sequence (a new endpoint starts after it: it gets events from its creation on)."""
    latest = await OutboxEvent.all().order_by("-sequence").first()
    return 0 if latest is None else latest.sequence


async def fan_out(now: datetime | None = None) -> int:
    """Create the deliveries of every enabled endpoint for the outbox events after its cursor; how many."""
    created = 0
    newest = await current_sequence()
    # Only endpoints behind the newest event: an idle sweep is two cheap reads, no transaction.
    behind = WebhookEndpoint.filter(status=ENABLED, deleted_at__isnull=True, fanned_out_sequence__lt=newest)
    for endpoint_id in await behind.values_list("id", flat=True):
        created += await _fan_out_endpoint(endpoint_id, now or datetime.now(UTC))  # type: ignore[arg-type]
    return created


async def _fan_out_endpoint(endpoint_id: UUID, now: datetime) -> int:
    created = 0
    async with in_transaction() as connection:
        endpoint = (
            await WebhookEndpoint.filter(id=endpoint_id, status=ENABLED, deleted_at__isnull=True)
            .select_for_update()
            .using_db(connection)
            .first()
        )
        if endpoint is None:
            return 0
        events = (
            await OutboxEvent.filter(sequence__gt=endpoint.fanned_out_sequence)
            .using_db(connection)
            .order_by("sequence")
            .limit(FAN_OUT_BATCH)
        )
        if not events:
            return 0
        rows = [
            EventDelivery(
                endpoint_id=endpoint.id,
                event_id=event.id,
                event_sequence=event.sequence,
                event_type=event.type,
                object_id=event.object_id,
                status=PENDING,
                next_attempt_at=now,
            )
            for event in events
            if matches(endpoint, event.type)
        ]
        if rows:
            await EventDelivery.bulk_create(rows, using_db=connection)
            created = len(rows)
        endpoint.fanned_out_sequence = events[-1].sequence
        await endpoint.save(update_fields=["fanned_out_sequence", "updated_at"], using_db=connection)
    return created


# Delivery.

PENDING_WINDOW: Final = 1000
"""How many of an endpoint's oldest pending deliveries one round looks at to find each object's first."""


async def due_deliveries(endpoint_id: UUID, now: datetime, limit: int = DELIVERY_BATCH) -> list[UUID]:
    """The endpoint's due deliveries that are their object's OLDEST pending one (in order per object).

    Reads the endpoint's oldest pending rows (by event sequence, then creation) and keeps each object's
    first: an object whose first pending row lies beyond the window is simply left for a later round,
    so order holds whatever the window (and the query is plain ORM: PostgreSQL and SQLite alike).
    """
    rows = (
        await EventDelivery.filter(endpoint_id=endpoint_id, status=PENDING)
        .order_by("event_sequence", "created_at")
        .limit(PENDING_WINDOW)
        .values("id", "object_id", "next_attempt_at")
    )
    seen: set[str] = set()
    due: list[UUID] = []
    for row in rows:
        if row["object_id"] in seen:
            continue
        seen.add(row["object_id"])
        if row["next_attempt_at"] <= now:
            due.append(UUID(str(row["id"])))
            if len(due) >= limit:
                break
    return due


async def due_endpoints(now: datetime | None = None) -> list[UUID]:
    """Enabled endpoints with a pending delivery due now."""
    ids = (
        await EventDelivery.filter(
            status=PENDING,
            next_attempt_at__lte=now or datetime.now(UTC),
            endpoint__status=ENABLED,
            endpoint__deleted_at__isnull=True,
        )
        .distinct()
        .values_list("endpoint_id", flat=True)
    )
    return [UUID(str(pk)) for pk in ids]


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential: first, 2 first, 4 first, ... capped."""
    return float(
        min(settings.outgoing_backoff_first_seconds * 2 ** max(attempts - 1, 0), settings.outgoing_backoff_max_seconds)
    )


async def _claim(delivery_id: UUID, now: datetime) -> bool:
    claimed = await EventDelivery.filter(id=delivery_id, status=PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    return bool(claimed)


class Post(Protocol):
    """POST `body` to `url`; answers (status, body excerpt, network error). `sni`: the TLS server name."""

    def __call__(
        self, url: str, body: bytes, headers: dict[str, str], sni: str | None = None
    ) -> Awaitable[tuple[int | None, str | None, str | None]]: ...


def make_poster(settings: Settings) -> Post:
    """A POST with httpx: no redirects, connect/read timeouts, at most `EXCERPT_BYTES` of the body read."""

    async def post(
        url: str, body: bytes, headers: dict[str, str], sni: str | None = None
    ) -> tuple[int | None, str | None, str | None]:
        timeout = httpx.Timeout(
            settings.outgoing_read_timeout_seconds, connect=settings.outgoing_connect_timeout_seconds
        )
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client,
                client.stream(
                    "POST", url, content=body, headers=headers, extensions={"sni_hostname": sni} if sni else None
                ) as response,
            ):
                excerpt = b""
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
                return response.status_code, excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"), None
        except httpx.HTTPError as exc:
            return None, None, f"{type(exc).__name__}: {exc}"[:300]

    return post


async def deliver_endpoint(endpoint_id: UUID, settings: Settings, post: Post | None = None) -> int:
    """Send the due deliveries of one endpoint, object by object in order; how many were attempted."""
    post = post or make_poster(settings)
    attempted = 0
    for _ in range(20):  # at most 20 rounds of DELIVERY_BATCH per call; the sweeper sends again
        endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, status=ENABLED, deleted_at__isnull=True)
        if endpoint is None:
            return attempted
        now = datetime.now(UTC)
        due = await due_deliveries(endpoint_id, now)
        if not due:
            return attempted
        progressed = False
        for delivery_id in due:
            if not await _claim(delivery_id, now):
                continue
            attempted += 1
            ok = await _attempt(endpoint, delivery_id, settings, post)
            progressed = progressed or ok
            if endpoint.status != ENABLED:
                return attempted
        if not progressed:
            return attempted
    return attempted


async def _attempt(endpoint: WebhookEndpoint, delivery_id: UUID, settings: Settings, post: Post) -> bool:
    delivery = await EventDelivery.get(id=delivery_id)
    event = await OutboxEvent.get_or_none(id=delivery.event_id)
    now = datetime.now(UTC)
    if event is None:  # the outbox's retention dropped it: nothing left to send
        await EventDelivery.filter(id=delivery_id).update(status=FAILED, last_error="the event is no longer kept")
        return False
    body = json.dumps(envelope(event), separators=(",", ":")).encode()
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    address: str | None = None
    try:
        address = await check_url(endpoint.url, settings)
    except UrlNotAllowed as exc:
        error = f"URL refused: {exc}"
    if error is None:
        url, host_header, sni = pinned(endpoint.url, address)
        headers = {**headers_for(endpoint, str(event.id), body, now, settings), **host_header}
        status_code, excerpt, error = await post(url, body, headers, sni)
    succeeded = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": status_code,
        "response_excerpt": None if excerpt is None else excerpt[:EXCERPT_BYTES],
        "last_error": None if succeeded else (error or f"HTTP {status_code}")[:300],
    }
    if succeeded:
        fields["status"] = SUCCEEDED
    elif now - delivery.created_at >= timedelta(seconds=settings.outgoing_retry_window_seconds):
        fields["status"] = FAILED
    else:
        fields["next_attempt_at"] = now + timedelta(seconds=backoff_seconds(attempts, settings))
    await EventDelivery.filter(id=delivery_id).update(**fields)
    WEBHOOK_DELIVERIES.labels(outcome="succeeded" if succeeded else "failed").inc()
    if succeeded:
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            await WebhookEndpoint.filter(id=endpoint.id).update(failing_since=None)
        return True
    log.info("webhook delivery %s to endpoint %s failed: %s", delivery_id, endpoint.id, fields["last_error"])
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        await WebhookEndpoint.filter(id=endpoint.id, failing_since__isnull=True).update(failing_since=now)
    elif now - endpoint.failing_since >= timedelta(seconds=settings.outgoing_disable_after_seconds):
        await disable_endpoint(endpoint, now)
    return False


def endpoint_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as events and the API show it (never its secret)."""
    return {
        "id": to_global_id("WebhookEndpoint", endpoint.id),
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": list(endpoint.event_types or []),
        "status": endpoint.status.upper(),
        "disabledReason": endpoint.disabled_reason,
        "failingSince": None if endpoint.failing_since is None else endpoint.failing_since.isoformat(),
        "createdAt": endpoint.created_at.isoformat(),
    }


async def disable_endpoint(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Disable an endpoint that kept failing: its event `webhook_endpoint.disabled` commits with it."""
    async with in_transaction() as connection:
        updated = (
            await WebhookEndpoint.filter(id=endpoint.id, status=ENABLED)
            .using_db(connection)
            .update(status=DISABLED, disabled_reason="failing")
        )
        if not updated:
            return
        endpoint.status, endpoint.disabled_reason = DISABLED, "failing"
        if connection.capabilities.dialect == "postgres":
            await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [OUTBOX_LOCK])
        data = endpoint_data(endpoint)
        await OutboxEvent.create(
            type=ENDPOINT_DISABLED_EVENT,
            occurred_at=now,
            object_kind="webhook_endpoint",
            object_id=data["id"],
            customer_id=None,
            data=data,
            schema_version=SCHEMA_VERSION,
            using_db=connection,
        )
    WEBHOOK_ENDPOINTS_DISABLED.inc()
    log.warning("webhook endpoint %s disabled: failing since %s", endpoint.id, endpoint.failing_since)


SendDeliveries = Callable[[list[UUID]], Awaitable[None]]


async def sweep_outgoing_once(send: SendDeliveries) -> None:
    """Fan out what the outbox has new, then hand every endpoint with due deliveries to the actor."""
    await fan_out()
    due = await due_endpoints()
    if due:
        await send(due)


async def sweep_outgoing_forever(settings: Settings, send: SendDeliveries) -> None:
    """`sweep_outgoing_once` every `OUTGOING_SWEEP_INTERVAL_SECONDS` (the worker runs it beside the other sweepers)."""
    while True:
        try:
            await sweep_outgoing_once(send)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outgoing webhook sweep failed; retrying next interval")
        await asyncio.sleep(settings.outgoing_sweep_interval_seconds)
