"""Errors a mutation reports to its client as typed `userErrors`."""

from __future__ import annotations

from typing import Any

from base.error_codes import ErrorCode


class MutationError(Exception):
    """A failure found before anything was done; the idempotency key is given back."""

    def __init__(self, code: ErrorCode, message: str, field: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_user_error(self) -> dict[str, Any]:
        return user_error(self.code, self.message, self.field)


def user_error(
    code: ErrorCode, message: str, field: list[str] | None = None, decline_code: str | None = None
) -> dict[str, Any]:
    """One userErrors entry in its stored (JSON) form."""
    entry: dict[str, Any] = {"code": code, "message": message, "field": field}
    if decline_code is not None:
        entry["declineCode"] = decline_code
    return entry
