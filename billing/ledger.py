"""The idempotency ledger every mutation goes through.

Rules (docs/API.md): a key is scoped to its caller and remembered for at least
`idempotency_ttl_hours`; the same key with the same operation and input replays
the first response whole; with another operation or input it is rejected
(`IDEMPOTENCY_KEY_REUSED`); while the first call still runs, a second one is
rejected (`IDEMPOTENCY_KEY_IN_PROGRESS`) and never reaches Stripe.

The claim is a row under a UNIQUE (principal, key) constraint, so it holds across
processes. A claim whose holder died (its lock older than
`idempotency_lock_timeout_seconds`) is taken over; the retry calls Stripe with the
same derived idempotency keys, so Stripe answers with what it already did instead
of doing it twice; where Stripe's idempotency is not there (an emulator), the retry
adopts the object its predecessor created, found by its metadata tag
(`Attempt.resumed`, `stripe_provider.adapter`). Calls that never started executing
(bad input, an unknown id) or whose outcome is unknown (Stripe unreachable) release
the claim, so the client may retry with the same key; every other outcome, errors
included, is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from base.error_codes import ErrorCode
from base.settings import Settings
from models import IdempotencyRecord, LedgerStatus

MAX_KEY_LENGTH = 255
LEDGER_PURGE_INTERVAL_SECONDS = 600.0
"""How often a worker's sweeper (or `serve`'s own loop in embedded mode) purges expired records."""


class LedgerRejection(Exception):
    """The key cannot be used for this call; `code` is the user-error code to report."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def request_fingerprint(operation: str, payload: Any) -> str:
    """A stable hash of an operation and its input (key order does not matter)."""
    canonical = json.dumps(
        {"operation": operation, "input": payload}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def derive_stripe_key(principal_scope: str, client_key: str, operation: str, step: str) -> str:
    """The idempotency key sent to Stripe for one step of one client call.

    Deterministic, so a retry after a crash sends Stripe the very same key.
    """
    digest = hashlib.sha256(f"{principal_scope}\n{client_key}\n{operation}\n{step}".encode()).hexdigest()
    return f"bgw-{digest[:48]}"


@dataclass
class Attempt:
    """The right to execute one claimed call."""

    record_id: UUID
    principal_scope: str
    key: str
    operation: str
    completed: bool = False
    resumed: bool = False
    """True when this claim was taken over from a holder that may have reached Stripe before it died:
    objects it creates are looked for (by their `bgw_attempt` tag) before being created again."""

    def stripe_key(self, step: str) -> str:
        """The Stripe idempotency key for one named step of this call."""
        return derive_stripe_key(self.principal_scope, self.key, self.operation, step)

    async def complete(self, response: dict[str, Any]) -> None:
        """Store the response; call it inside the transaction that writes the mirror."""
        await IdempotencyRecord.filter(id=self.record_id).update(
            status=LedgerStatus.COMPLETED, response=response, completed_at=datetime.now(UTC), locked_at=None
        )
        self.completed = True


@dataclass(frozen=True)
class Claim:
    """Either a stored response to replay, or an attempt to execute."""

    replay: dict[str, Any] | None = None
    attempt: Attempt | None = None


async def claim(settings: Settings, *, principal_scope: str, key: str, operation: str, fingerprint: str) -> Claim:
    """Claim `key` for this call, or find its stored response; raises LedgerRejection."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise LedgerRejection(ErrorCode.VALIDATION_FAILED, f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters")
    if "\x00" in key:
        # PostgreSQL text cannot hold NUL: the insert below would fail as a crash, not a refusal.
        raise LedgerRejection(ErrorCode.VALIDATION_FAILED, "idempotencyKey must not contain NUL characters")
    ttl = timedelta(hours=settings.idempotency_ttl_hours)
    lock_timeout = timedelta(seconds=settings.idempotency_lock_timeout_seconds)
    for _ in range(3):
        now = datetime.now(UTC)
        try:
            record = await IdempotencyRecord.create(
                principal=principal_scope,
                key=key,
                operation=operation,
                request_hash=fingerprint,
                status=LedgerStatus.IN_PROGRESS,
                created_at=now,
                locked_at=now,
            )
            return Claim(attempt=Attempt(record.id, principal_scope, key, operation))
        except IntegrityError:
            pass
        existing = await IdempotencyRecord.get_or_none(principal=principal_scope, key=key)
        if existing is None:
            continue  # released or purged between our insert and read: claim again
        if existing.created_at < now - ttl and existing.status == LedgerStatus.COMPLETED:
            await IdempotencyRecord.filter(id=existing.id, status=LedgerStatus.COMPLETED).delete()
            continue
        if existing.operation != operation or existing.request_hash != fingerprint:
            raise LedgerRejection(
                ErrorCode.IDEMPOTENCY_KEY_REUSED, "this idempotencyKey was already used with another operation or input"
            )
        if existing.status == LedgerStatus.COMPLETED:
            return Claim(replay=existing.response or {})
        if existing.locked_at is None or existing.locked_at < now - lock_timeout:
            # The holder died mid-call: take over only if nobody else did first.
            taken = await IdempotencyRecord.filter(
                id=existing.id, status=LedgerStatus.IN_PROGRESS, locked_at=existing.locked_at
            ).update(locked_at=now)
            if taken:
                return Claim(attempt=Attempt(existing.id, principal_scope, key, operation, resumed=True))
        raise LedgerRejection(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, "a call with this idempotencyKey is still running")
    raise LedgerRejection(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, "a call with this idempotencyKey is still running")


async def release(attempt: Attempt) -> None:
    """Forget an uncompleted claim so the client may retry with the same key."""
    await IdempotencyRecord.filter(id=attempt.record_id, status=LedgerStatus.IN_PROGRESS).delete()


async def run_idempotent(
    settings: Settings,
    *,
    principal_scope: str,
    key: str,
    operation: str,
    payload: Any,
    execute: Callable[[Attempt], Awaitable[dict[str, Any]]],
) -> tuple[dict[str, Any], bool]:
    """Run `execute` at most once per key and return (response, replayed).

    `execute` must call `attempt.complete(response)` inside its mirror transaction to
    store the response; if it returns without doing so, or raises, the claim is released.
    """
    result = await claim(
        settings,
        principal_scope=principal_scope,
        key=key,
        operation=operation,
        fingerprint=request_fingerprint(operation, payload),
    )
    if result.replay is not None:
        return result.replay, True
    assert result.attempt is not None
    attempt = result.attempt
    try:
        response = await execute(attempt)
    except BaseException:
        # Shielded: a cancelled request must still give its key back.
        await asyncio.shield(release(attempt))
        raise
    if not attempt.completed:
        await release(attempt)
    return response, False


async def purge_expired(settings: Settings, now: datetime | None = None) -> int:
    """Delete ledger rows older than the retention window; returns how many."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(hours=settings.idempotency_ttl_hours)
    stale_lock = now - timedelta(seconds=settings.idempotency_lock_timeout_seconds)
    completed = await IdempotencyRecord.filter(created_at__lt=cutoff, status=LedgerStatus.COMPLETED).delete()
    abandoned = await IdempotencyRecord.filter(
        created_at__lt=cutoff, status=LedgerStatus.IN_PROGRESS, locked_at__lt=stale_lock
    ).delete()
    return completed + abandoned
