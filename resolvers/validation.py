"""Input checks shared by mutations; each failure names the offending field."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.errors import MutationError
from schema.relay import InvalidIdError, parse_typed_id

M = TypeVar("M", bound=Model)

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def clean_email(value: str, field: list[str]) -> str:
    """A normalised email address, or VALIDATION_FAILED on `field`."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise MutationError("VALIDATION_FAILED", f"invalid email address: {exc}", field) from None


def clean_metadata(value: Any, field: list[str]) -> dict[str, str]:
    """Stripe-compatible metadata (string keys and values within Stripe's limits)."""
    if not isinstance(value, dict):
        raise MutationError("VALIDATION_FAILED", "metadata must be an object of string values", field)
    if len(value) > METADATA_MAX_KEYS:
        raise MutationError("VALIDATION_FAILED", f"metadata holds at most {METADATA_MAX_KEYS} keys", field)
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str) or not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise MutationError(
                "VALIDATION_FAILED",
                f"metadata keys are 1-{METADATA_MAX_KEY_LENGTH} characters and values are strings",
                [*field, str(key)],
            )
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise MutationError(
                "VALIDATION_FAILED",
                f"metadata values are at most {METADATA_MAX_VALUE_LENGTH} characters",
                [*field, key],
            )
        cleaned[key] = item
    return cleaned


def clean_name(value: str | None, field: list[str]) -> str | None:
    if value is not None and len(value) > 256:
        raise MutationError("VALIDATION_FAILED", "name is at most 256 characters", field)
    return value


def typed_id(value: str, type_name: str, field: list[str]) -> UUID:
    """The primary key behind a global id of `type_name`, or NOT_FOUND on `field`."""
    try:
        return parse_typed_id(value, type_name)
    except InvalidIdError:
        raise MutationError("NOT_FOUND", f"no {type_name} with this id", field) from None


async def fetch(qs: QuerySet[M], value: str, type_name: str, field: list[str]) -> M:
    """The row a global id names within the visible queryset, or NOT_FOUND."""
    row = await qs.get_or_none(id=typed_id(value, type_name, field))
    if row is None:
        raise MutationError("NOT_FOUND", f"no {type_name} with this id", field)
    return row
