"""Customer sessions: `createCustomerSession` issues a token for a frontend; the revoke mutations end them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import strawberry

from base.error_codes import ErrorCode
from base.settings import Settings
from billing.authorization import forbidden_error, visible_customers
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, run_local_mutation
from billing.request_context import Context
from billing.revocations import revocations
from billing.session_tokens import SessionClaims, new_session_claims, sign_session_claims
from billing.validation import fetch
from models import Customer, CustomerSession

SESSION_ID_MAX_LENGTH = 64


class CreateCustomerSessionFields(Protocol):
    """What `create_customer_session` reads of its input (`schema.sessions.CreateCustomerSessionInput`)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def ttl_seconds(self) -> int | None: ...


async def create_customer_session(ctx: Context, call: MutationCall, input: CreateCustomerSessionFields) -> Snapshot:
    """Issue a session token for a customer (no Stripe call); a replay answers the same token.

    The ledger stores the session's claims only; the token is signed from them on the
    way out (`with_token`), so the first answer and every replay carry the byte-identical
    token. The session's row (`customer_sessions`, what revocation marks) is written in
    the same transaction as the ledger's answer.
    """
    settings = ctx.settings
    principal = ctx.principal

    async def validate() -> tuple[Customer, SessionClaims]:
        customer = await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])
        ttl = input.ttl_seconds
        if ttl is None or ttl is strawberry.UNSET:
            ttl = settings.session_default_ttl_seconds
        if not settings.session_min_ttl_seconds <= ttl <= settings.session_max_ttl_seconds:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"ttlSeconds must be between {settings.session_min_ttl_seconds} and {settings.session_max_ttl_seconds}",
                ["input", "ttlSeconds"],
            )
        return customer, new_session_claims(customer.id, ttl, minted_by=principal.id)

    async def write(checked: tuple[Customer, SessionClaims]) -> Outcome:
        customer, claims = checked
        await CustomerSession.create(
            jti=claims.jti,
            customer_id=customer.id,
            minted_by=principal.id,
            issued_at=datetime.fromtimestamp(claims.iat, UTC),
            expires_at=claims.expires_at,
        )
        # The ledger keeps the claims, never the token (see `billing.session_tokens`).
        return Outcome(
            fields={"session": claims.as_dict(), "sessionId": claims.jti, "expiresAt": claims.expires_at.isoformat()}
        )

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    return with_token(settings, data)


def with_token(settings: Settings, data: Snapshot) -> Snapshot:
    """The stored response with its `session` claims signed into `token` (the same token on every replay).

    A response stored before the ledger kept claims (it holds `token` itself) passes as it is.
    """
    stored = data.get("session")
    if not isinstance(stored, Mapping):
        return data
    answer = {key: value for key, value in data.items() if key != "session"}
    answer["token"] = sign_session_claims(settings, SessionClaims.from_dict(stored))
    return answer


class RevokeCustomerSessionFields(Protocol):
    """What `revoke_customer_session` reads of its input (`schema.sessions.RevokeCustomerSessionInput`)."""

    @property
    def session_id(self) -> str | None: ...


async def revoke_customer_session(
    ctx: Context, call: MutationCall, input: RevokeCustomerSessionFields | None = None
) -> Snapshot:
    """Revoke one session: its token is refused from now on, by every gateway process within a second.

    An API key with `write` may revoke any session; a customer session itself (no `sessionId`)
    or another session of its own customer. Revoking a revoked session answers it as it is.
    """
    principal = ctx.principal
    given = None if input is None or input.session_id is strawberry.UNSET else input.session_id

    async def validate() -> CustomerSession:
        field = ["input", "sessionId"]
        if given is None and principal.kind != "customer_session":
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "sessionId is required (only a session may revoke itself)", field
            )
        session_id = principal.id if given is None else str(given)
        row = None
        if 0 < len(session_id) <= SESSION_ID_MAX_LENGTH and "\x00" not in session_id:
            row = await CustomerSession.get_or_none(jti=session_id)
        if row is None:
            raise MutationError(ErrorCode.NOT_FOUND, "no CustomerSession with this id", field)
        if principal.customer_id is not None and row.customer_id != principal.customer_id:
            raise forbidden_error("CustomerSession")
        return row

    async def write(row: CustomerSession) -> Outcome:
        await CustomerSession.filter(id=row.id, revoked_at__isnull=True).update(
            revoked_at=datetime.now(UTC), revoked_by=principal.ledger_scope
        )
        row = await CustomerSession.get(id=row.id)
        customer = await Customer.get_or_none(id=row.customer_id)
        return Outcome(rows={"customer": customer}, fields={"session": session_snapshot(row)})

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    # This process forgets its revocation snapshot: it refuses the session at once.
    revocations.forget()
    return data


class RevokeCustomerSessionsFields(Protocol):
    """What `revoke_customer_sessions` reads of its input (`schema.sessions.RevokeCustomerSessionsInput`)."""

    @property
    def customer_id(self) -> str: ...


async def revoke_customer_sessions(ctx: Context, call: MutationCall, input: RevokeCustomerSessionsFields) -> Snapshot:
    """Revoke every live session of a customer (log out everywhere); sessions created afterwards work."""
    principal = ctx.principal

    async def validate() -> Customer:
        return await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])

    async def write(customer: Customer) -> Outcome:
        now = datetime.now(UTC)
        revoked = await CustomerSession.filter(
            customer_id=customer.id, revoked_at__isnull=True, expires_at__gt=now
        ).update(revoked_at=now, revoked_by=principal.ledger_scope)
        return Outcome(rows={"customer": customer}, fields={"revokedCount": revoked})

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    # This process forgets its revocation snapshot: it refuses the sessions at once.
    revocations.forget()
    return data


def session_snapshot(row: CustomerSession) -> dict[str, Any]:
    """A session row in a stored response (the claims' times, never a token)."""
    return {
        "id": row.jti,
        "issuedAt": row.issued_at.isoformat(),
        "expiresAt": row.expires_at.isoformat(),
        "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
    }
