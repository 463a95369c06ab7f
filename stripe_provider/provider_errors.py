"""The one table from Stripe's failures to our codes, and the `ProviderError` a failed Stripe call raises.

`to_provider_error` classifies an SDK exception (or a deadline's `TimeoutError`) by `ERROR_TABLE`
into a `ProviderError` whose `code` is one of our user-error `ErrorCode`s (`ProviderErrorCode`),
with a message safe to show a client (`redact`: no secrets, no card numbers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import stripe

from base.error_codes import ErrorCode

__all__ = ["ERROR_TABLE", "GENERIC_MESSAGES", "ProviderError", "ProviderErrorCode", "redact", "to_provider_error"]

ProviderErrorCode = Literal[
    ErrorCode.CARD_DECLINED,
    ErrorCode.PAYMENT_FAILED,
    ErrorCode.NOT_FOUND,
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.PROVIDER_UNAVAILABLE,
    ErrorCode.PROVIDER_ERROR,
]

# The one table from Stripe failures to our codes. Keys are (exception class,
# qualifier); the qualifier is Stripe's error `code`, "http_<status>",
# "http_<N>xx" or None (any). Lookup walks the exception's MRO from the most
# specific class; within one class the most specific qualifier wins
# (see `_classify`).
ERROR_TABLE: Final[Mapping[tuple[type[BaseException], str | None], ProviderErrorCode]] = MappingProxyType(
    {
        # Card errors: the customer's bank or card said no (`expired_card`,
        # `incorrect_cvc`, `card_declined`, ... all land here) ...
        (stripe.CardError, None): ErrorCode.CARD_DECLINED,
        # ... except a processing failure, which is not the card's fault.
        (stripe.CardError, "processing_error"): ErrorCode.PAYMENT_FAILED,
        (stripe.InvalidRequestError, "resource_missing"): ErrorCode.NOT_FOUND,
        # localstripe answers unknown ids with a bare 404 and no `code`.
        (stripe.InvalidRequestError, "http_404"): ErrorCode.NOT_FOUND,
        (stripe.InvalidRequestError, None): ErrorCode.VALIDATION_FAILED,
        # Outcome unknown or nothing done: safe to retry with the same key.
        (stripe.APIConnectionError, None): ErrorCode.PROVIDER_UNAVAILABLE,
        (TimeoutError, None): ErrorCode.PROVIDER_UNAVAILABLE,
        (stripe.RateLimitError, None): ErrorCode.PROVIDER_UNAVAILABLE,
        (stripe.APIError, "http_5xx"): ErrorCode.PROVIDER_UNAVAILABLE,
        # 409: a request with the same idempotency key is still running at Stripe.
        (stripe.APIError, "http_409"): ErrorCode.PROVIDER_UNAVAILABLE,
        (stripe.APIError, None): ErrorCode.PROVIDER_ERROR,
        # Our key, our permissions or our idempotency-key derivation is wrong:
        # nothing a client can fix, so it is masked as a provider error.
        (stripe.AuthenticationError, None): ErrorCode.PROVIDER_ERROR,
        (stripe.PermissionError, None): ErrorCode.PROVIDER_ERROR,
        (stripe.IdempotencyError, None): ErrorCode.PROVIDER_ERROR,
        (stripe.StripeError, None): ErrorCode.PROVIDER_ERROR,
    }
)

# Messages for codes where Stripe's own text would be useless or unsafe for a client.
GENERIC_MESSAGES: Final[Mapping[ProviderErrorCode, str]] = MappingProxyType(
    {
        ErrorCode.CARD_DECLINED: "The card was declined.",
        ErrorCode.PAYMENT_FAILED: "The payment could not be processed; try again.",
        ErrorCode.NOT_FOUND: "The object does not exist at the payment provider.",
        ErrorCode.VALIDATION_FAILED: "The payment provider rejected the request as invalid.",
        ErrorCode.PROVIDER_UNAVAILABLE: "The payment provider is unavailable; retry with the same idempotency key.",
        ErrorCode.PROVIDER_ERROR: "The payment provider could not process the request.",
    }
)
# Stripe writes these messages for end users; the others are ours.
_CODES_WITH_STRIPE_MESSAGE: Final = frozenset(
    {ErrorCode.CARD_DECLINED, ErrorCode.PAYMENT_FAILED, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED}
)

# Stripe keys (even masked ones), webhook secrets, client secrets and anything that
# looks like a card number (13-19 digits, optionally grouped) never leave this package.
_REDACT_RES: Final = (
    re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9*]+"),
    re.compile(r"\b(?:seti|pi)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"),
    re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
)


def redact(text: str) -> str:
    """`text` with Stripe keys, webhook and client secrets and card-number-like digits replaced."""
    for pattern in _REDACT_RES:
        text = pattern.sub("[redacted]", text)
    return text


class ProviderError(Exception):
    """A Stripe call failed; `code` is one of our user-error `ErrorCode`s.

    `message` is safe to show to a client: no secrets, no card numbers.
    """

    code: ProviderErrorCode
    message: str
    decline_code: str | None
    stripe_code: str | None
    param: str | None
    request_id: str | None
    http_status: int | None

    def __init__(
        self,
        code: ProviderErrorCode,
        message: str,
        *,
        decline_code: str | None = None,
        stripe_code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.decline_code = decline_code
        self.stripe_code = stripe_code
        self.param = param
        self.request_id = request_id
        self.http_status = http_status

    @property
    def transient(self) -> bool:
        """True when the outcome is unknown or nothing was done: retry with the SAME idempotency key."""
        return self.code == ErrorCode.PROVIDER_UNAVAILABLE

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"ProviderError(code={str(self.code)!r}, message={self.message!r}, stripe_code={self.stripe_code!r}, "
            f"decline_code={self.decline_code!r}, http_status={self.http_status!r}, request_id={self.request_id!r})"
        )


def _qualifiers(exc: BaseException) -> list[str | None]:
    """Table qualifiers for `exc`, most specific first."""
    found: list[str | None] = []
    if isinstance(exc, stripe.StripeError):
        if exc.code:
            found.append(exc.code)
        if exc.http_status is not None:
            found += [f"http_{exc.http_status}", f"http_{exc.http_status // 100}xx"]
    found.append(None)
    return found


def _classify(exc: BaseException) -> ProviderErrorCode:
    """Our code for `exc`, from `ERROR_TABLE`; unknown exceptions are PROVIDER_ERROR."""
    qualifiers = _qualifiers(exc)
    for cls in type(exc).__mro__:
        for qualifier in qualifiers:
            code = ERROR_TABLE.get((cls, qualifier))
            if code is not None:
                return code
    return ErrorCode.PROVIDER_ERROR


def _error_body(exc: stripe.StripeError) -> Mapping[str, Any]:
    """The `error` object of Stripe's JSON answer, or {} (network errors, HTML bodies)."""
    body = exc.json_body
    error = body.get("error") if isinstance(body, Mapping) else None
    return error if isinstance(error, Mapping) else {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def to_provider_error(exc: BaseException) -> ProviderError:
    """Translate a Stripe SDK exception (or our deadline's TimeoutError) into a ProviderError."""
    code = _classify(exc)
    if not isinstance(exc, stripe.StripeError):
        return ProviderError(code, GENERIC_MESSAGES[code])
    body = _error_body(exc)
    stripe_code = exc.code or _str_or_none(body.get("code"))
    param = _str_or_none(body.get("param"))
    decline_code: str | None = None
    if code in (ErrorCode.CARD_DECLINED, ErrorCode.PAYMENT_FAILED):
        # localstripe (and Stripe, for codes like `expired_card`) may send no
        # decline_code; the card error's code is the same vocabulary, so clients
        # always get a reason for a decline.
        decline_code = _str_or_none(body.get("decline_code")) or stripe_code
    message = GENERIC_MESSAGES[code]
    if code in _CODES_WITH_STRIPE_MESSAGE and exc.user_message:
        message = redact(str(exc.user_message))
    return ProviderError(
        code,
        message,
        decline_code=decline_code,
        stripe_code=stripe_code,
        param=param,
        request_id=exc.request_id,
        http_status=exc.http_status,
    )
