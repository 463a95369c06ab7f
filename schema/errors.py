"""Typed errors a client can act on, returned in every mutation payload."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry


@strawberry.enum
class UserErrorCode(Enum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    NOT_FOUND = "NOT_FOUND"
    CARD_DECLINED = "CARD_DECLINED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_KEY_IN_PROGRESS = "IDEMPOTENCY_KEY_IN_PROGRESS"
    OBJECT_BUSY = strawberry.enum_value(
        "OBJECT_BUSY",
        description="Another refund or payment of the same payment or invoice is still running; "
        "nothing was sent to Stripe: retry with the same idempotency key.",
    )
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    SERVICE_UNAVAILABLE = strawberry.enum_value(
        "SERVICE_UNAVAILABLE",
        description=(
            "The gateway's database cannot be reached. Sent as a top-level GraphQL error "
            "(`extensions: {code, retryAfter}`; over HTTP a 503 with `Retry-After`): retry later, "
            "with the same idempotency key for a mutation."
        ),
    )


@strawberry.type
class UserError:
    code: UserErrorCode
    message: str
    field: list[str] | None = None
    decline_code: str | None = strawberry.field(default=None, description="Stripe's decline code, for CARD_DECLINED.")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UserError:
        return cls(
            code=UserErrorCode(data["code"]),
            message=data["message"],
            field=data.get("field"),
            decline_code=data.get("declineCode"),
        )


def user_errors(snapshot: dict[str, Any]) -> list[UserError]:
    """The userErrors of a stored mutation response."""
    return [UserError.from_snapshot(e) for e in snapshot.get("userErrors", [])]
