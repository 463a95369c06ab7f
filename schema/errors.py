"""Typed errors a client can act on, returned in every mutation payload."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

USER_ERRORS_DESCRIPTION = "Errors the client can act on; empty when the mutation succeeded. Each has a stable `code`."


@strawberry.enum(description="What went wrong in a mutation, stable across versions.")
class UserErrorCode(Enum):
    VALIDATION_FAILED = strawberry.enum_value(
        "VALIDATION_FAILED",
        description="The input is invalid (the message says why, `field` says where); nothing was done.",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="An id in the input names no object this caller may see."
    )
    CARD_DECLINED = strawberry.enum_value(
        "CARD_DECLINED", description="The card was declined; `declineCode` carries Stripe's reason."
    )
    PAYMENT_FAILED = strawberry.enum_value(
        "PAYMENT_FAILED", description="Stripe could not complete the payment for another reason than a decline."
    )
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "IDEMPOTENCY_KEY_REUSED",
        description="This key was used before with another operation or input; nothing was done.",
    )
    IDEMPOTENCY_KEY_IN_PROGRESS = strawberry.enum_value(
        "IDEMPOTENCY_KEY_IN_PROGRESS",
        description="The first call with this key is still running; retry with the same key.",
    )
    OBJECT_BUSY = strawberry.enum_value(
        "OBJECT_BUSY",
        description="Another refund or payment of the same payment or invoice is still running; "
        "nothing was sent to Stripe: retry with the same idempotency key.",
    )
    PROVIDER_UNAVAILABLE = strawberry.enum_value(
        "PROVIDER_UNAVAILABLE",
        description="Stripe did not answer in time or is down; the outcome is unknown: retry with the same key.",
    )
    PROVIDER_ERROR = strawberry.enum_value(
        "PROVIDER_ERROR", description="Stripe refused the call for a reason the client cannot fix; see the message."
    )
    SERVICE_UNAVAILABLE = strawberry.enum_value(
        "SERVICE_UNAVAILABLE",
        description=(
            "The gateway's database cannot be reached. Sent as a top-level GraphQL error "
            "(`extensions: {code, retryAfter}`; over HTTP a 503 with `Retry-After`): retry later, "
            "with the same idempotency key for a mutation."
        ),
    )


@strawberry.type(description="An error the client can act on, returned in a mutation's `userErrors`.")
class UserError:
    code: UserErrorCode = strawberry.field(description="What went wrong: a stable code to branch on.")
    message: str = strawberry.field(description="A human-readable explanation (English).")
    field: list[str] | None = strawberry.field(
        default=None,
        description="The path to the input field at fault, one name per item (`input`, then `email`); "
        "null when no single field is.",
    )
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
