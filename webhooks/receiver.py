"""The Stripe webhook receiver, `POST /webhooks/stripe` (path 3 of docs/architecture.md).

raw bytes → signature check (every configured secret, 300 s tolerance) → one
`INSERT … ON CONFLICT (stripe_event_id) DO NOTHING RETURNING id` into the inbox, the
row already marked `enqueued_at` → enqueue the actor with the row id (on the loop,
`tasks.broker.LoopEnqueuer`) → 200. When the enqueue fails the mark is taken back, so
the sweeper sends the row after its short grace period.

Answers (JSON; every error is problem details, `application/problem+json`, built by
`base.problems`: `type`, `title`, `status`, `detail`, `instance` = the request id, and `code`):

    200  {"received": true, "duplicate": bool}   stored (or already stored); also for
                                                 event types the gateway ignores
    400  problem, code "invalid_signature" | "invalid_event"   nothing stored
    413  problem, code "payload_too_large"                     nothing stored
    200  {"received": true, "duplicate": false, "status": "failed"}   an event the database
                                                 cannot hold as sent (U+0000, a lone surrogate,
                                                 or any other refusal of its data, SQLSTATE 22): stored
                                                 escaped, marked `failed` with the reason, never
                                                 applied (a retry by Stripe could never succeed)
    503  problem, code "storage_unavailable", + `Retry-After`   the database is
                                                 unreachable (or failed otherwise): Stripe retries
                                                 the delivery later

Once the row is committed the answer is 200 whatever happens to the enqueue: a row
left `pending` (Redis down, no broker yet) is re-enqueued by the sweeper. Marking the
row in the INSERT saves a second statement per event; the price is that a process
killed between the commit and the Redis call leaves a row that looks sent, which the
sweeper re-sends after `WEBHOOK_REQUEUE_AFTER_SECONDS` instead of the grace period. Nothing of
the payload (it may carry card brand/last4, emails) or of the secrets is logged: only
the event id and type.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from base.db import DATABASE_RETRY_AFTER_SECONDS, exception_causes
from base.error_codes import ErrorCode
from base.problems import problem
from models.inbox import EventStatus, WebhookEvent
from stripe_provider.signatures import WebhookSignatureError, verify_webhook
from webhooks.families import family_of
from webhooks.inbox import UNSTORABLE_PREFIX, insert_event

__all__ = [
    "MAX_WEBHOOK_BODY_BYTES",
    "SIGNATURE_TOLERANCE_SECONDS",
    "EnqueueHook",
    "StripeWebhookEndpoint",
]

MAX_WEBHOOK_BODY_BYTES: Final = 1_048_576
"""Stripe's events are a few KiB; 1 MiB leaves room for big invoices while bounding memory."""

SIGNATURE_TOLERANCE_SECONDS: Final = 300
"""Stripe's own default: older signed requests are treated as replays."""

EnqueueHook = Callable[[UUID, str], Awaitable[None]]
"""`await enqueue(row_id, event_type)`: hands an inbox row to the workers (`tasks.broker.LoopEnqueuer`)."""

log = logging.getLogger("webhooks.receiver")


def _too_large(scope: Scope, limit: int) -> Response:
    return problem(scope, 413, f"the body is limited to {limit} bytes", ErrorCode.PAYLOAD_TOO_LARGE)


class StripeWebhookEndpoint:
    """The receiver. Route `endpoint.handle` (a request → response method) at `POST /webhooks/stripe`.

    `secrets` are every accepted signing secret (`settings.webhook_secrets`); `enqueue`
    is the broker hook (a `tasks.broker.LoopEnqueuer`), or None to leave new rows
    `pending` for the sweeper. No API key is asked for: the signature is the authentication.
    """

    def __init__(
        self,
        secrets: list[str],
        enqueue: EnqueueHook | None,
        *,
        tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
        max_body_bytes: int = MAX_WEBHOOK_BODY_BYTES,
    ) -> None:
        self.secrets = list(secrets)
        self.enqueue = enqueue
        self.tolerance = tolerance
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: Request) -> Response:
        """Verify, store, enqueue, answer (see the module docstring for the answers)."""
        scope = request.scope
        body = await self._read_capped(request)
        if body is None:
            return _too_large(scope, self.max_body_bytes)
        try:
            event = verify_webhook(body, request.headers.get("stripe-signature"), self.secrets, self.tolerance)
        except WebhookSignatureError as exc:
            log.warning("webhook rejected: %s", exc)
            return problem(scope, 400, str(exc), ErrorCode.INVALID_SIGNATURE)
        unfit = _column_problem(event)
        if unfit is not None:
            log.warning("webhook rejected: %s", unfit)
            return problem(scope, 400, unfit, ErrorCode.INVALID_EVENT)

        event_id: str = event["id"]
        event_type: str = event["type"]
        with structlog.contextvars.bound_contextvars(event_id=event_id, event_type=event_type):
            return await self._store(scope, event, body, event_id, event_type)

    async def _store(
        self, scope: Scope, event: dict[str, Any], body: bytes, event_id: str, event_type: str
    ) -> Response:
        """Insert the verified event into the inbox (once), enqueue it, answer."""
        handled = family_of(event_type) is not None
        will_enqueue = handled and self.enqueue is not None
        unstorable = _unstorable(event, body)
        try:
            if unstorable is not None:
                return await self._store_failed(event, body, unstorable)
            row_id = await insert_event(
                event, EventStatus.PENDING if handled else EventStatus.IGNORED, raw=body, enqueued=will_enqueue
            )
        except Exception as exc:
            if not _refused_data(exc):
                # Not committed: a 5xx makes Stripe deliver the event again later.
                log.warning("webhook %s (%s) not stored (%r)", event_id, event_type, exc)
                return _storage_unavailable(scope)
            # The database refused this event's data: it would refuse every redelivery too.
            log.warning("webhook %s (%s) refused by the database: %s", event_id, event_type, exc)
            try:
                return await self._store_failed(event, body, f"the database refused it ({type(exc).__name__}: {exc})")
            except Exception:
                log.exception("webhook %s (%s) could not be stored", event_id, event_type)
                return _storage_unavailable(scope)

        if row_id is None:
            log.info("webhook %s (%s) is a duplicate delivery", event_id, event_type)
            return JSONResponse({"received": True, "duplicate": True})
        if not handled:
            log.info("webhook %s stored as ignored: type %s is not applied", event_id, event_type)
        elif self.enqueue is None:
            log.info("webhook %s (%s) stored as pending: no broker hook is configured", event_id, event_type)
        else:
            await self._enqueue(self.enqueue, row_id, event_id, event_type)
        return JSONResponse({"received": True, "duplicate": False})

    async def _store_failed(self, event: dict[str, Any], body: bytes, problem: str) -> JSONResponse:
        """Keep an event the database cannot hold as sent: escaped, `failed`, with the reason; answer 2xx.

        The escaped copy keeps every field readable (NUL becomes the text `\\u0000`). When the
        database refuses even that, the row holds the raw body in base64 (`raw_body_base64`).
        A redelivery is a duplicate of the stored (escaped) id, as for any event.
        """
        reason = f"{UNSTORABLE_PREFIX}{problem}; stored escaped, not applied"[:2000]
        escaped: dict[str, Any] = _escaped(event)
        try:
            row_id = await insert_event(escaped, EventStatus.FAILED, last_error=reason)
        except Exception as exc:
            if not _refused_data(exc):
                raise
            envelope = {
                "id": escaped["id"][:255],
                "type": escaped["type"][:128],
                "created": event["created"],
                "raw_body_base64": base64.b64encode(body).decode("ascii"),
            }
            row_id = await insert_event(envelope, EventStatus.FAILED, last_error=reason)
        log.warning("webhook %s stored as failed: %s", escaped["id"], reason)
        return JSONResponse({"received": True, "duplicate": row_id is None, "status": "failed"})

    async def _read_capped(self, request: Request) -> bytes | None:
        """The raw body, or None as soon as it exceeds the cap (never buffered past it)."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _enqueue(self, enqueue: EnqueueHook, row_id: UUID, event_id: str, event_type: str) -> None:
        """Hand the row to the workers; on any failure unmark it, leaving it `pending` for the sweeper."""
        try:
            await enqueue(row_id, event_type)
        except Exception as exc:
            # Expected while the broker is down (one line per event, not a traceback each).
            log.warning(
                "webhook %s (%s) stored but not enqueued (%s: %s); the sweeper will retry",
                event_id,
                event_type,
                type(exc).__name__,
                exc,
            )
            try:
                await WebhookEvent.filter(id=row_id, status=EventStatus.PENDING).update(enqueued_at=None)
            except Exception:
                # The row still looks sent: the sweeper's long re-send rule picks it up.
                log.exception("webhook %s (%s) not enqueued and still marked as sent", event_id, event_type)


def _storage_unavailable(scope: Scope) -> Response:
    seconds = DATABASE_RETRY_AFTER_SECONDS
    return problem(
        scope,
        503,
        "the event could not be stored; retry later",
        ErrorCode.STORAGE_UNAVAILABLE,
        headers={"Retry-After": str(seconds)},
        retryAfter=seconds,
    )


def _refused_data(exc: BaseException) -> bool:
    """True when the database refused the event's data (SQLSTATE class 22, or text it cannot encode).

    Only that is deterministic. Anything else (an outage, a timeout, a read-only failover)
    may pass: it is answered 503 so that Stripe delivers again.
    """
    return any(isinstance(cause, asyncpg.DataError | UnicodeError) for cause in exception_causes(exc))


def _unstorable(event: dict[str, Any], body: bytes) -> str | None:
    """Why PostgreSQL cannot hold this event as sent (U+0000 or a lone surrogate, and where), or None.

    Neither `text` nor `jsonb` holds U+0000, nor a surrogate without its pair. Both can
    only come in as JSON escapes (`\\u0000`, `\\ud8xx`), so an event whose body has
    neither escape (every real one) is not walked.
    """
    lowered = body.lower()
    if b"\\u0000" not in lowered and b"\\ud" not in lowered:
        return None
    stack: list[tuple[Any, str]] = [(event, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                problem = _bad_text(key)
                if problem is not None:
                    return f"{problem} in a key of {path or 'the event'}"
                stack.append((child, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(value))
        elif isinstance(value, str):
            problem = _bad_text(value)
            if problem is not None:
                return f"{problem} at {path or 'the event'}"
    return None


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "U+0000 (NUL), which PostgreSQL text cannot hold,"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone UTF-16 surrogate, which is not valid Unicode,"
    return None


def _escaped(value: Any) -> Any:
    """`value` with every NUL written as the text `\\u0000` and every lone surrogate as `\\udxxx`."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_escaped(key): _escaped(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_escaped(child) for child in value]
    return value


def _column_problem(event: dict[str, Any]) -> str | None:
    """Why a verified event does not fit the inbox columns, or None when it fits.

    Stripe's ids and types are far shorter; refusing here (400, nothing stored) beats
    a database error halfway through (a 5xx that Stripe would retry forever).
    """
    limits = (("id", 255), ("type", 128), ("api_version", 64))
    for key, limit in limits:
        value = event.get(key)
        if isinstance(value, str) and len(value) > limit:
            return f"the event's `{key}` is longer than {limit} characters"
    if not 0 <= event["created"] <= MAX_CREATED:
        return f"the event's `created` is not a time between 1970 and 9999 (Unix seconds up to {MAX_CREATED})"
    return None


MAX_CREATED: Final = 253_402_300_799
"""9999-12-31T23:59:59Z: later (or negative) `created` values do not convert to a datetime."""
