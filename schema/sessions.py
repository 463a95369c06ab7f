"""Customer sessions: the mutations' inputs and payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.customers import Customer, customer_from_snapshot
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors


@strawberry.input(description="What `createCustomerSession` needs.")
class CreateCustomerSessionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer the token is bound to (a Customer id).")
    ttl_seconds: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How long the token lives: 60 seconds up to the gateway's cap (default 900, cap 3600).",
    )


@strawberry.type(description="The answer of `createCustomerSession`.")
class CreateCustomerSessionPayload:
    token: str | None = strawberry.field(
        description="A bearer token for `/graphql` bound to one customer; send it as `Authorization: Bearer …`."
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="The session's id (the token's `jti`), for `revokeCustomerSession`."
    )
    expires_at: datetime | None = strawberry.field(description="When the token stops working.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateCustomerSessionPayload:
        expires_at = data.get("expiresAt")
        return cls(
            token=data.get("token"),
            session_id=data.get("sessionId"),
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
            user_errors=user_errors(data),
        )


@strawberry.type(description="One customer session (a token `createCustomerSession` issued; never the token).")
class CustomerSession:
    id: strawberry.ID = strawberry.field(description="The session's id: the token's `jti`.")
    issued_at: datetime = strawberry.field(description="When the token was made.")
    expires_at: datetime = strawberry.field(description="When the token stops working.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it lives.")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CustomerSession:
        revoked_at = data.get("revokedAt")
        return cls(
            id=strawberry.ID(data["id"]),
            issued_at=datetime.fromisoformat(data["issuedAt"]),
            expires_at=datetime.fromisoformat(data["expiresAt"]),
            revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
        )


@strawberry.input(description="What `revokeCustomerSession` needs.")
class RevokeCustomerSessionInput:
    session_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The session to revoke (`createCustomerSession.sessionId`). A customer session may leave it "
        "out to revoke itself (log out); it may name only sessions of its own customer.",
    )


@strawberry.type(description="The answer of `revokeCustomerSession`.")
class RevokeCustomerSessionPayload:
    session: CustomerSession | None = strawberry.field(
        description="The revoked session; null when `userErrors` is not empty."
    )
    customer: Customer | None = strawberry.field(description="The session's customer.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RevokeCustomerSessionPayload:
        session = data.get("session")
        return cls(
            session=CustomerSession.from_snapshot(session) if session else None,
            customer=customer_from_snapshot(data.get("customer")),
            user_errors=user_errors(data),
        )


@strawberry.input(description="What `revokeCustomerSessions` needs.")
class RevokeCustomerSessionsInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer whose sessions end (a Customer id).")


@strawberry.type(description="The answer of `revokeCustomerSessions`.")
class RevokeCustomerSessionsPayload:
    customer: Customer | None = strawberry.field(description="The customer; null when `userErrors` is not empty.")
    revoked_count: int | None = strawberry.field(
        description="How many sessions this call revoked (sessions already revoked or expired are not counted)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RevokeCustomerSessionsPayload:
        return cls(
            customer=customer_from_snapshot(data.get("customer")),
            revoked_count=data.get("revokedCount"),
            user_errors=user_errors(data),
        )
