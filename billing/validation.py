"""Input checks shared by mutations; each failure names the offending field."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

import pycountry
from email_validator import EmailNotValidError, validate_email
from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from base.redaction import card_number_spans
from billing.authorization import raise_if_foreign
from billing.mutation_errors import MutationError
from stripe_provider.adapter import RESERVED_METADATA_PREFIX

M = TypeVar("M", bound=Model)

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def clean_text(value: str, what: str, field: list[str]) -> str:
    """Free text the mirror keeps and Stripe receives, or VALIDATION_FAILED on `field`.

    PostgreSQL text and jsonb cannot hold NUL (U+0000); and a card number must never pass
    through the gateway (PCI SAQ A), not even in a name, a description or metadata.
    """
    if "\x00" in value:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"{what} must not contain NUL characters", field)
    if card_number_spans(value):
        raise MutationError(
            ErrorCode.VALIDATION_FAILED, f"{what} must not contain a card number (collect cards with Stripe.js)", field
        )
    return value


def clean_email(value: str, field: list[str]) -> str:
    """A normalised email address, or VALIDATION_FAILED on `field`."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"invalid email address: {exc}", field) from None


def clean_metadata(value: Any, field: list[str]) -> dict[str, str]:
    """Stripe-compatible metadata (string keys and values within Stripe's limits)."""
    if not isinstance(value, dict):
        raise MutationError(ErrorCode.VALIDATION_FAILED, "metadata must be an object of string values", field)
    if len(value) > METADATA_MAX_KEYS:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"metadata holds at most {METADATA_MAX_KEYS} keys", field)
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str) or not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"metadata keys are 1-{METADATA_MAX_KEY_LENGTH} characters and values are strings",
                [*field, str(key)],
            )
        if key.startswith(RESERVED_METADATA_PREFIX):
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"metadata keys starting with {RESERVED_METADATA_PREFIX} are reserved",
                [*field, key],
            )
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"metadata values are at most {METADATA_MAX_VALUE_LENGTH} characters",
                [*field, key],
            )
        cleaned[clean_text(key, "metadata keys", field)] = clean_text(item, "metadata values", field)
    return cleaned


def clean_name(value: str | None, field: list[str]) -> str | None:
    if value is not None and len(value) > 256:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "name is at most 256 characters", field)
    return None if value is None else clean_text(value, "name", field)


def typed_id(value: str, type_name: str, field: list[str]) -> UUID:
    """The primary key behind a global id of `type_name`, or NOT_FOUND on `field`."""
    try:
        return parse_typed_id(value, type_name)
    except InvalidIdError:
        raise MutationError(ErrorCode.NOT_FOUND, f"no {type_name} with this id", field) from None


async def fetch(qs: QuerySet[M], value: str, type_name: str, field: list[str]) -> M:
    """The row a global id names within the visible queryset, or NOT_FOUND.

    `qs` is one of `billing.authorization`'s visible querysets. A row that exists but is not
    in it (another customer's, for a customer session) raises a FORBIDDEN GraphQL error:
    the mutation does nothing and answers no data.
    """
    pk = typed_id(value, type_name, field)
    row = await qs.get_or_none(id=pk)
    if row is None:
        await raise_if_foreign(qs.model, pk, type_name)
        raise MutationError(ErrorCode.NOT_FOUND, f"no {type_name} with this id", field)
    return row


# The most a MinorUnits value carries exactly. Stripe's own ceiling depends on the currency (8 digits
# for most, up to 12): Stripe judges it and its refusal comes back typed. See docs/money-and-graphql.md.
MAX_AMOUNT = 2**53 - 1
# ISO 4217 codes that name no money: funds, metals, testing, "no currency".
NON_MONEY_CURRENCIES = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)


def clean_amount(value: int | None, field: list[str], *, maximum: int = MAX_AMOUNT) -> int:
    """A positive amount in minor units, at most `maximum`."""
    if value is None or value < 1:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED, "amount must be a positive integer in minor units (cents)", field
        )
    if value > maximum:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"amount must be at most {maximum:,} minor units", field)
    return value


def clean_currency(value: str, field: list[str]) -> str:
    """An ISO 4217 currency code, lower-cased as Stripe writes it."""
    code = value.strip().upper()
    if len(code) != 3 or code in NON_MONEY_CURRENCIES or pycountry.currencies.get(alpha_3=code) is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"{value!r} is not an ISO 4217 currency code", field)
    return code.lower()


def clean_quantity(value: int | None, field: list[str], *, default: int = 1) -> int:
    """A subscription quantity: 1 to 10,000."""
    if value is None:
        return default
    if not 1 <= value <= 10_000:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "quantity must be between 1 and 10000", field)
    return value


def clean_stripe_id(value: str, field: list[str], *, what: str) -> str:
    """A Stripe object id as a client typed it: trimmed, non-empty, bounded."""
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 255 or any(c.isspace() for c in cleaned):
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"{what} must be a Stripe id", field)
    return cleaned
