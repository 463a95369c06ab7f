"""The one adapter between the gateway and Stripe: the ONLY module that imports `stripe`.

Everything else calls `StripeAdapter` and receives plain JSON-like dicts, or a
`ProviderError` whose `code` is an `ErrorCode` (a user-error one).

Exceptions raised by this module:

    ProviderError            every failure of a Stripe call, classified by `_ERROR_TABLE`
      .code == "PROVIDER_UNAVAILABLE"   transient: the outcome is unknown or nothing
                                        was done; retry with the SAME idempotency key
    ValueError               programming errors (an unknown resource or action name)

Timeouts and retries. A call, retries included, gives up after
`settings.stripe_timeout_seconds` (an overall deadline around the SDK call). The SDK
retries network errors, timeouts, 409 and 5xx answers up to
`settings.stripe_max_retries` times; it builds the request headers once, so every
attempt carries the same `Idempotency-Key`. Each attempt gets an equal share of the
deadline so that a hung first attempt cannot use up the whole budget. A 429 is not
retried here unless Stripe says so with `Stripe-Should-Retry: true` (the SDK's rule);
it surfaces as PROVIDER_UNAVAILABLE so that the caller retries later with the same key.

Objects the gateway creates (customers, setup intents, payment intents, refunds,
subscriptions) are tagged: `metadata[bgw_attempt]` = the call's Stripe idempotency key
(derived from the ledger claim and the step). Their creation does not rely on Stripe's
idempotency alone (an emulator ignores it): the adapter retries a create itself, and
before a retry, or before the first try of a claim taken over from a dead process
(`resumed`), it lists that customer's (payment intent's, email's) objects and ADOPTS
the one carrying the tag instead of creating another. Keys starting with `bgw_` are
reserved: clients cannot set them and the mirror does not show them.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import httpx
import stripe

from base.error_codes import ErrorCode
from base.metrics import observe_stripe_call

if TYPE_CHECKING:
    from base.settings import Settings

__all__ = [
    "RESERVED_METADATA_PREFIX",
    "STRIPE_API_VERSION",
    "TAG_KEY",
    "ProviderError",
    "ProviderErrorCode",
    "StripeAdapter",
    "last_stripe_request_id",
]

STRIPE_API_VERSION: Final = "2026-10-28.endive"
"""The Stripe API version every request is sent with. The SDK's types describe exactly
its own pinned version, so this must equal `stripe.api_version` (a test checks it):
upgrading stripe-python is the moment to move it."""

PING_TIMEOUT_SECONDS: Final = 2.0
# A slow TCP handshake means Stripe (or the network) is in trouble; waiting most of
# the per-attempt budget for it only delays the retry that may succeed.
_MAX_CONNECT_TIMEOUT_SECONDS: Final = 3.0

logger = logging.getLogger("gateway.stripe")

last_stripe_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "last_stripe_request_id", default=None
)
"""Stripe's `Request-Id` of the latest call in this context (None when Stripe sent none),
for audit rows and logs. Reset at the start of every call."""

TAG_KEY: Final = "bgw_attempt"
"""The metadata key carrying the Stripe idempotency key of the call that created an object."""
RESERVED_METADATA_PREFIX: Final = "bgw_"
"""Metadata keys the gateway keeps for itself (refused in client input, dropped from the mirror)."""
_RETRY_BACKOFF_SECONDS: Final = (0.5, 1.0, 2.0)

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
_ERROR_TABLE: Final[Mapping[tuple[type[BaseException], str | None], ProviderErrorCode]] = MappingProxyType(
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
_GENERIC_MESSAGES: Final[Mapping[ProviderErrorCode, str]] = MappingProxyType(
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

_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]*")
# Stripe keys (even masked ones), webhook secrets, client secrets and anything that
# looks like a card number (13-19 digits, optionally grouped) never leave this module.
_REDACT_RES: Final = (
    re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9*]+"),
    re.compile(r"\b(?:seti|pi)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"),
    re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
)


def _redact(text: str) -> str:
    for pattern in _REDACT_RES:
        text = pattern.sub("[redacted]", text)
    return text


class _RedactingFilter(logging.Filter):
    """Keeps the SDK's own log lines free of request/response bodies and secrets.

    stripe-python logs whole request bodies (card numbers) and responses (client
    secrets) at DEBUG, and Stripe's error messages verbatim at INFO, on the "stripe"
    logger: drop the former, redact the latter, whatever level the app configures.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        redacted = _redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _guard_sdk_logger() -> None:
    sdk_logger = logging.getLogger("stripe")
    if not any(isinstance(f, _RedactingFilter) for f in sdk_logger.filters):
        sdk_logger.addFilter(_RedactingFilter())


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
    """Our code for `exc`, from `_ERROR_TABLE`; unknown exceptions are PROVIDER_ERROR."""
    qualifiers = _qualifiers(exc)
    for cls in type(exc).__mro__:
        for qualifier in qualifiers:
            code = _ERROR_TABLE.get((cls, qualifier))
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


def _to_provider_error(exc: BaseException) -> ProviderError:
    """Translate a Stripe SDK exception (or our deadline's TimeoutError) into a ProviderError."""
    code = _classify(exc)
    if not isinstance(exc, stripe.StripeError):
        return ProviderError(code, _GENERIC_MESSAGES[code])
    body = _error_body(exc)
    stripe_code = exc.code or _str_or_none(body.get("code"))
    param = _str_or_none(body.get("param"))
    decline_code: str | None = None
    if code in (ErrorCode.CARD_DECLINED, ErrorCode.PAYMENT_FAILED):
        # localstripe (and Stripe, for codes like `expired_card`) may send no
        # decline_code; the card error's code is the same vocabulary, so clients
        # always get a reason for a decline.
        decline_code = _str_or_none(body.get("decline_code")) or stripe_code
    message = _GENERIC_MESSAGES[code]
    if code in _CODES_WITH_STRIPE_MESSAGE and exc.user_message:
        message = _redact(str(exc.user_message))
    return ProviderError(
        code,
        message,
        decline_code=decline_code,
        stripe_code=stripe_code,
        param=param,
        request_id=exc.request_id,
        http_status=exc.http_status,
    )


def _plain(obj: Any) -> dict[str, Any]:
    """The Stripe object as Stripe sent it: plain dicts and lists, no StripeObject."""
    response = getattr(obj, "last_response", None)
    if response is not None and isinstance(response.body, str):
        data = json.loads(response.body)
        if isinstance(data, dict):
            return data
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict(recursive=True, for_json=True)
    raise TypeError(f"unexpected Stripe response type {type(obj).__name__}")


class StripeAdapter:
    """Async access to Stripe with explicit deadlines, bounded retries and mapped errors.

    Create one per process (in the app's lifespan), use it from one event loop, and
    `aclose()` it at shutdown: it owns a pooled `httpx.AsyncClient`.
    """

    def __init__(self, settings: Settings) -> None:
        """Build the Stripe client from `settings`; no network traffic happens here."""
        if stripe.api_version != STRIPE_API_VERSION:
            logger.warning(
                "stripe-python is pinned to API version %s but the gateway sends %s; "
                "move STRIPE_API_VERSION with the SDK",
                stripe.api_version,
                STRIPE_API_VERSION,
            )
        _guard_sdk_logger()

        self._deadline = float(settings.stripe_timeout_seconds)
        self._max_retries = max(0, int(settings.stripe_max_retries))
        self._emulator = settings.is_stripe_emulator
        # Tagged objects are looked for no further back than a key is remembered (plus an hour).
        self._lookback_seconds = (settings.idempotency_ttl_hours + 1) * 3600
        per_attempt = self._deadline / (self._max_retries + 1)
        self._http_client = stripe.HTTPXClient(
            timeout=httpx.Timeout(per_attempt, connect=min(per_attempt, _MAX_CONNECT_TIMEOUT_SECONDS))
        )
        base = settings.stripe_api_base
        self._client = stripe.StripeClient(
            settings.effective_stripe_api_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": base.rstrip("/")} if base else None,
            http_client=self._http_client,
            max_network_retries=self._max_retries,
        )
        self._methods: dict[tuple[str, str], Callable[..., Awaitable[Any]]] = {}

    @property
    def is_emulator(self) -> bool:
        """True when talking to an emulator (localstripe): Plans instead of Prices, no idempotency."""
        return self._emulator

    def _resolve(self, resource: str, action: str) -> Callable[..., Awaitable[Any]]:
        """The SDK's `<action>_async` method of `client.v1.<resource>` (dotted for nested services)."""
        cached = self._methods.get((resource, action))
        if cached is not None:
            return cached
        parts = resource.split(".")
        if not all(_NAME_RE.fullmatch(part) for part in [*parts, action]):
            raise ValueError(f"invalid Stripe resource or action: {resource}.{action}")
        target: Any = self._client.v1
        try:
            for part in parts:
                target = getattr(target, part)
            method = getattr(target, f"{action}_async")
        except AttributeError:
            raise ValueError(f"unknown Stripe resource or action: {resource}.{action}") from None
        if not callable(method):
            raise ValueError(f"not a Stripe API method: {resource}.{action}")
        typed = cast("Callable[..., Awaitable[Any]]", method)
        self._methods[(resource, action)] = typed
        return typed

    async def call(
        self,
        resource: str,
        action: str,
        *args: str,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Call `client.v1.<resource>.<action>_async(*args, params=..., options=...)`.

        Examples: `call("customers", "create", params={...}, idempotency_key=k)`,
        `call("payment_methods", "attach", "pm_1", params={"customer": "cus_1"}, idempotency_key=k)`,
        `call("customers", "retrieve", "cus_1")`. Nested services use dots
        ("test_helpers.test_clocks"). Returns the Stripe object as a plain dict (a list
        object for "list"). Raises ProviderError on any Stripe failure, ValueError on an
        unknown resource or action.
        """
        method = self._resolve(resource, action)
        options: stripe.RequestOptions = {}
        if idempotency_key is not None:
            options["idempotency_key"] = idempotency_key
        return await self._invoke(
            f"{resource}.{action}", method, args, params, options, self._deadline, idempotency_key
        )

    async def _invoke(
        self,
        operation: str,
        method: Callable[..., Awaitable[Any]],
        args: tuple[str, ...],
        params: dict[str, Any] | None,
        options: stripe.RequestOptions,
        deadline: float,
        idempotency_key: str | None,
        success_level: int = logging.INFO,
    ) -> dict[str, Any]:
        """Run one SDK call under `deadline`, log it, record its request id, map its errors."""
        last_stripe_request_id.set(None)
        started = time.monotonic()
        try:
            async with asyncio.timeout(deadline):
                obj = await method(*args, params=params, options=options)
        except (stripe.StripeError, TimeoutError) as exc:
            error = _to_provider_error(exc)
            last_stripe_request_id.set(error.request_id)
            elapsed = time.monotonic() - started
            observe_stripe_call(operation, elapsed, error.code)
            self._log_failure(operation, idempotency_key, error, exc, elapsed)
            raise error from exc
        observe_stripe_call(operation, time.monotonic() - started, None)
        response = getattr(obj, "last_response", None)
        request_id = response.request_id if response is not None else None
        if idempotency_key is None and response is not None:
            # The SDK made one up for this POST; Stripe echoes it, and logs want it.
            idempotency_key = response.idempotency_key
        last_stripe_request_id.set(request_id)
        logger.log(
            success_level,
            "stripe %s ok request_id=%s idempotency_key=%s duration_ms=%.0f",
            operation,
            request_id,
            idempotency_key,
            (time.monotonic() - started) * 1000,
            extra={
                "stripe_operation": operation,
                "stripe_request_id": request_id,
                "stripe_idempotency_key": idempotency_key,
            },
        )
        return _plain(obj)

    def _log_failure(
        self,
        operation: str,
        idempotency_key: str | None,
        error: ProviderError,
        exc: BaseException,
        elapsed: float,
    ) -> None:
        # Declines and bad input are business as usual; an unavailable provider is
        # worth a look; a provider error means our key, permissions or code are wrong.
        level = {ErrorCode.PROVIDER_UNAVAILABLE: logging.WARNING, ErrorCode.PROVIDER_ERROR: logging.ERROR}.get(
            error.code, logging.INFO
        )
        logger.log(
            level,
            "stripe %s failed code=%s stripe_error=%s stripe_code=%s decline_code=%s http_status=%s "
            "request_id=%s idempotency_key=%s duration_ms=%.0f",
            operation,
            error.code,
            type(exc).__name__,
            error.stripe_code,
            error.decline_code,
            error.http_status,
            error.request_id,
            idempotency_key,
            elapsed * 1000,
            extra={
                "stripe_operation": operation,
                "stripe_request_id": error.request_id,
                "stripe_idempotency_key": idempotency_key,
                "error_code": error.code,
            },
        )

    async def create_tagged(
        self,
        resource: str,
        params: dict[str, Any],
        *,
        idempotency_key: str,
        resumed: bool,
        scope: dict[str, Any],
        expected: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create one `resource` tagged with its idempotency key, adopting it if an earlier try made it.

        `scope` narrows the look-up list (e.g. `{"customer": "cus_1"}`): filters this
        Stripe endpoint supports (the emulator's subset is the caller's business).
        `expected` are top-level fields an adopted object must have (else the key was
        used for another request: PROVIDER_ERROR, as Stripe's idempotency_error). The
        SDK does not retry here; this loop does, under the same overall deadline, and
        looks for the tagged object before every retry: a timed-out first try may
        have been carried out all the same.
        """
        tagged = {**params, "metadata": {**(params.get("metadata") or {}), TAG_KEY: idempotency_key}}
        method = self._resolve(resource, "create")
        options: stripe.RequestOptions = {"idempotency_key": idempotency_key, "max_network_retries": 0}
        operation = f"{resource}.create"
        started = time.monotonic()
        look_first = resumed
        try:
            async with asyncio.timeout(self._deadline):
                for retry in range(self._max_retries + 1):
                    if look_first:
                        found = await self._find_tagged(resource, idempotency_key, scope)
                        if found is not None:
                            return self._adopt(operation, found, idempotency_key, expected)
                    try:
                        return await self._invoke(
                            operation, method, (), tagged, options, self._deadline, idempotency_key
                        )
                    except ProviderError as error:
                        if not error.transient or error.http_status == 429 or retry == self._max_retries:
                            raise
                    look_first = True
                    await asyncio.sleep(_RETRY_BACKOFF_SECONDS[min(retry, len(_RETRY_BACKOFF_SECONDS) - 1)])
        except TimeoutError:
            elapsed = time.monotonic() - started
            gave_up = ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, _GENERIC_MESSAGES[ErrorCode.PROVIDER_UNAVAILABLE])
            observe_stripe_call(operation, elapsed, gave_up.code)
            logger.warning(
                "stripe %s gave up after %.0f ms idempotency_key=%s",
                operation,
                elapsed * 1000,
                idempotency_key,
                extra={"stripe_operation": operation, "stripe_idempotency_key": idempotency_key},
            )
            raise gave_up from None
        raise AssertionError("unreachable: the loop returns or raises")

    async def _find_tagged(self, resource: str, tag: str, scope: dict[str, Any]) -> dict[str, Any] | None:
        """The `resource` whose `metadata[bgw_attempt]` is `tag`, within `scope` and the look-back window."""
        params: dict[str, Any] = {"limit": 100, **scope}
        if not self._emulator:
            # localstripe knows no `created` filter; Stripe lists newest first, so this bounds the pages.
            params["created"] = {"gte": int(time.time()) - self._lookback_seconds}
        async for obj in self.list_all(resource, params):
            if (obj.get("metadata") or {}).get(TAG_KEY) == tag:
                return obj
        return None

    def _adopt(
        self, operation: str, found: dict[str, Any], idempotency_key: str, expected: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        differs = sorted(k for k, v in (expected or {}).items() if found.get(k) != v)
        if differs:
            logger.error(
                "stripe %s: %s tagged with idempotency_key=%s differs in %s; not adopted",
                operation,
                found.get("id"),
                idempotency_key,
                ", ".join(differs),
            )
            raise ProviderError(
                ErrorCode.PROVIDER_ERROR,
                "this idempotency key was already used at the payment provider for another request",
            )
        logger.warning(
            "stripe %s: adopted %s created by an earlier try of idempotency_key=%s (not created again)",
            operation,
            found.get("id"),
            idempotency_key,
            extra={"stripe_operation": operation, "stripe_idempotency_key": idempotency_key},
        )
        return found

    async def list_all(self, resource: str, params: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield every object of `resource`'s list as plain dicts, following `has_more` pages.

        Each page is one `call` with its own deadline. `params` may carry `limit`
        (page size) and any list filter; `starting_after` is managed here.
        """
        page_params = dict(params or {})
        while True:
            page = await self.call(resource, "list", params=page_params)
            data: list[dict[str, Any]] = page.get("data") or []
            for item in data:
                yield item
            if not page.get("has_more") or not data:
                return
            page_params["starting_after"] = data[-1]["id"]

    async def ping(self) -> None:
        """Raise ProviderError(PROVIDER_UNAVAILABLE) unless Stripe answers within 2 s.

        A cheap authenticated read, not retried; a bad key or missing permission raises
        ProviderError(PROVIDER_ERROR) instead: reachable, but unusable.
        """
        method = self._resolve("customers", "list")
        options: stripe.RequestOptions = {"max_network_retries": 0}
        # Readiness probes run every few seconds: success is not worth an INFO line.
        await self._invoke("ping", method, (), {"limit": 1}, options, PING_TIMEOUT_SECONDS, None, logging.DEBUG)

    async def aclose(self) -> None:
        """Close the pooled HTTP connections."""
        # stripe-python leaves close_async unannotated.
        await self._http_client.close_async()  # type: ignore[no-untyped-call]

    # Typed conveniences for the GraphQL mutations: thin wrappers over `call`.

    async def create_customer(
        self, *, email: str, name: str | None, metadata: dict[str, str], idempotency_key: str, resumed: bool = False
    ) -> dict[str, Any]:
        """Create a customer (tagged; see `create_tagged`)."""
        params: dict[str, Any] = {"email": email, "metadata": metadata}
        if name is not None:
            params["name"] = name
        return await self.create_tagged(
            "customers", params, idempotency_key=idempotency_key, resumed=resumed, scope={"email": email}
        )

    async def update_customer(self, stripe_id: str, *, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Update a customer with Stripe's own parameters (email, name, metadata, ...)."""
        return await self.call("customers", "update", stripe_id, params=params, idempotency_key=idempotency_key)

    async def create_setup_intent(
        self, *, customer: str, idempotency_key: str, resumed: bool = False
    ) -> dict[str, Any]:
        """Create a SetupIntent to save a card for later off-session charges (tagged)."""
        params: dict[str, Any] = {"customer": customer, "payment_method_types": ["card"], "usage": "off_session"}
        return await self.create_tagged(
            "setup_intents", params, idempotency_key=idempotency_key, resumed=resumed, scope=self._by_customer(customer)
        )

    def _by_customer(self, customer: str) -> dict[str, Any]:
        """The look-up scope of a customer's objects (localstripe cannot filter its payment/setup intents)."""
        return {} if self._emulator else {"customer": customer}

    async def attach_payment_method(
        self, payment_method: str, *, customer: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Attach a payment method to a customer; returns the payment method."""
        return await self.call(
            "payment_methods",
            "attach",
            payment_method,
            params={"customer": customer},
            idempotency_key=idempotency_key,
        )

    async def detach_payment_method(self, payment_method: str, *, idempotency_key: str) -> dict[str, Any]:
        """Detach a payment method from its customer; returns the payment method."""
        return await self.call("payment_methods", "detach", payment_method, idempotency_key=idempotency_key)

    async def set_default_payment_method(
        self, customer: str, payment_method: str, *, idempotency_key: str
    ) -> dict[str, Any]:
        """Make `payment_method` the customer's default for invoices and subscriptions; returns the customer."""
        return await self.call(
            "customers",
            "update",
            customer,
            params={"invoice_settings": {"default_payment_method": payment_method}},
            idempotency_key=idempotency_key,
        )

    # Money-moving calls. Emulators (localstripe) speak an older dialect: Plans
    # instead of Prices, `prorate` instead of `proration_behavior`, and fewer
    # optional parameters; the differences live here and nowhere else.

    async def retrieve_price(self, price_id: str) -> dict[str, Any]:
        """A Stripe price (a plan on emulators; Stripe accepts plan ids as price ids)."""
        return await self.call("plans" if self._emulator else "prices", "retrieve", price_id)

    async def create_subscription(
        self,
        *,
        customer: str,
        price: str,
        quantity: int,
        payment_method: str | None,
        trial_days: int | None,
        idempotency_key: str,
        resumed: bool = False,
    ) -> dict[str, Any]:
        """Create a subscription that charges at once; an unpaid first invoice leaves it `incomplete` (tagged)."""
        item_key = "plan" if self._emulator else "price"
        params: dict[str, Any] = {
            "customer": customer,
            "items": [{item_key: price, "quantity": quantity}],
            "payment_behavior": "allow_incomplete",
        }
        if payment_method is not None and not self._emulator:
            params["default_payment_method"] = payment_method
        if trial_days is not None:
            params["trial_period_days"] = trial_days
        return await self.create_tagged(
            "subscriptions",
            params,
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope={"customer": customer, "status": "all"},
            expected={"customer": customer},
        )

    async def update_subscription_item(
        self,
        subscription: str,
        *,
        item: str,
        price: str | None,
        quantity: int | None,
        proration_behavior: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Change the price and/or quantity of a subscription's item."""
        change: dict[str, Any] = {"id": item}
        if price is not None:
            change["plan" if self._emulator else "price"] = price
        if quantity is not None:
            change["quantity"] = quantity
        params: dict[str, Any] = {"items": [change]}
        if self._emulator:
            params["prorate"] = proration_behavior != "none"
        else:
            params["proration_behavior"] = proration_behavior
        return await self.call("subscriptions", "update", subscription, params=params, idempotency_key=idempotency_key)

    async def cancel_subscription(
        self, subscription: str, *, at_period_end: bool, idempotency_key: str
    ) -> dict[str, Any]:
        """Cancel now, or flag the subscription to end with its current period."""
        if at_period_end:
            return await self.call(
                "subscriptions",
                "update",
                subscription,
                params={"cancel_at_period_end": True},
                idempotency_key=idempotency_key,
            )
        return await self.call("subscriptions", "cancel", subscription, idempotency_key=idempotency_key)

    async def retrieve_invoice(self, invoice: str) -> dict[str, Any]:
        """An invoice with what links it to its payment (current API versions need `payments` expanded)."""
        params = None if self._emulator else {"expand": ["payments"]}
        return await self.call("invoices", "retrieve", invoice, params=params)

    async def pay_invoice(self, invoice: str, *, payment_method: str | None, idempotency_key: str) -> dict[str, Any]:
        """Attempt to pay an open invoice now."""
        params = {"payment_method": payment_method} if payment_method is not None else None
        return await self.call("invoices", "pay", invoice, params=params, idempotency_key=idempotency_key)

    async def preview_invoice(self, *, customer: str, subscription: str) -> dict[str, Any]:
        """The next invoice of a subscription, not stored (the old `upcoming` endpoint is gone)."""
        return await self.call(
            "invoices", "create_preview", params={"customer": customer, "subscription": subscription}
        )

    async def create_payment_intent(
        self,
        *,
        customer: str,
        amount: int,
        currency: str,
        payment_method: str,
        description: str | None,
        idempotency_key: str,
        resumed: bool = False,
    ) -> dict[str, Any]:
        """Create and confirm a card PaymentIntent; 3-D Secure leaves it `requires_action` (tagged)."""
        params: dict[str, Any] = {
            "customer": customer,
            "amount": amount,
            "currency": currency,
            "payment_method": payment_method,
            "confirm": True,
        }
        if not self._emulator:
            # Card only, so confirming needs no return_url; localstripe knows neither parameter.
            params["payment_method_types"] = ["card"]
            if description is not None:
                params["description"] = description
        return await self.create_tagged(
            "payment_intents",
            params,
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope=self._by_customer(customer),
            expected={"customer": customer, "amount": amount, "currency": currency},
        )

    async def retrieve_payment_intent(self, payment_intent: str) -> dict[str, Any]:
        """A PaymentIntent with its latest charge (for the amount refunded)."""
        params = None if self._emulator else {"expand": ["latest_charge"]}
        return await self.call("payment_intents", "retrieve", payment_intent, params=params)

    async def create_refund(
        self, *, payment_intent: str, amount: int, idempotency_key: str, resumed: bool = False
    ) -> dict[str, Any]:
        """Refund part or all of a PaymentIntent's charge (tagged)."""
        return await self.create_tagged(
            "refunds",
            {"payment_intent": payment_intent, "amount": amount},
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope={"payment_intent": payment_intent},
            expected={"amount": amount},
        )
