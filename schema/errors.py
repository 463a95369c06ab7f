"""Typed errors a client can act on, returned in every mutation payload."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.types.enum import EnumValueDefinition

from base.error_codes import ErrorCode

USER_ERRORS_DESCRIPTION = "Errors the client can act on; empty when the mutation succeeded. Each has a stable `code`."


def _member(code: ErrorCode) -> EnumValueDefinition:
    return strawberry.enum_value(code, description=code.description)


# The user-error subset of `ErrorCode`, its values and descriptions taken from there;
# tests/test_error_codes.py checks the two lists agree.
@strawberry.enum(description="What went wrong in a mutation, stable across versions.")
class UserErrorCode(Enum):
    VALIDATION_FAILED = _member(ErrorCode.VALIDATION_FAILED)
    NOT_FOUND = _member(ErrorCode.NOT_FOUND)
    CARD_DECLINED = _member(ErrorCode.CARD_DECLINED)
    PAYMENT_FAILED = _member(ErrorCode.PAYMENT_FAILED)
    IDEMPOTENCY_KEY_REUSED = _member(ErrorCode.IDEMPOTENCY_KEY_REUSED)
    IDEMPOTENCY_KEY_IN_PROGRESS = _member(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS)
    OBJECT_BUSY = _member(ErrorCode.OBJECT_BUSY)
    PROVIDER_UNAVAILABLE = _member(ErrorCode.PROVIDER_UNAVAILABLE)
    PROVIDER_ERROR = _member(ErrorCode.PROVIDER_ERROR)
    SERVICE_UNAVAILABLE = _member(ErrorCode.SERVICE_UNAVAILABLE)
    SUBSCRIPTION_ENDED = _member(ErrorCode.SUBSCRIPTION_ENDED)
    DISCOUNT_EXPIRED = _member(ErrorCode.DISCOUNT_EXPIRED)
    DISCOUNT_USED_UP = _member(ErrorCode.DISCOUNT_USED_UP)
    DISCOUNT_FOR_ANOTHER_CUSTOMER = _member(ErrorCode.DISCOUNT_FOR_ANOTHER_CUSTOMER)
    # Revenue analytics (issue 16): `billingMetrics`.
    INVALID_RANGE = _member(ErrorCode.INVALID_RANGE)
    TOO_MANY_PERIODS = _member(ErrorCode.TOO_MANY_PERIODS)
    URL_NOT_ALLOWED = _member(ErrorCode.URL_NOT_ALLOWED)


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
