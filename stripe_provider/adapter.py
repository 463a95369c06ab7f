"""The one adapter between the gateway and Stripe: `stripe_provider` is the ONLY package that imports `stripe`.

Its error table is `stripe_provider.provider_errors`, its emulator dialect `stripe_provider.emulator_dialect`.

Everything else calls `StripeAdapter` and receives plain JSON-like dicts, or a
`ProviderError` whose `code` is an `ErrorCode` (a user-error one).

Exceptions raised by this module:

    ProviderError            every failure of a Stripe call, classified by `ERROR_TABLE`
                             (stripe_provider/provider_errors.py)
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
import contextlib
import contextvars
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import httpx
import stripe

from base.error_codes import ErrorCode
from base.metrics import observe_stripe_call
from stripe_provider.emulator_dialect import Dialect, dialect_for
from stripe_provider.provider_errors import ProviderError, redact, to_provider_error

if TYPE_CHECKING:
    from base.settings import Settings

__all__ = [
    "RESERVED_METADATA_PREFIX",
    "STRIPE_API_VERSION",
    "TAG_KEY",
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
DUPLICATE_METER_EVENT: Final = "duplicate_meter_event"
"""Stripe's error code for a meter event whose `identifier` it already holds."""
_RETRY_BACKOFF_SECONDS: Final = (0.5, 1.0, 2.0)

_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]*")


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
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _guard_sdk_logger() -> None:
    sdk_logger = logging.getLogger("stripe")
    if not any(isinstance(f, _RedactingFilter) for f in sdk_logger.filters):
        sdk_logger.addFilter(_RedactingFilter())


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

        self._deadline_seconds = float(settings.stripe_timeout_seconds)
        self._max_retries = max(0, int(settings.stripe_max_retries))
        self._emulator = settings.is_stripe_emulator
        self._dialect: Dialect = dialect_for(self._emulator)
        # Tagged objects are looked for no further back than a key is remembered (plus an hour).
        self._lookback_seconds = (settings.idempotency_ttl_hours + 1) * 3600
        per_attempt = self._deadline_seconds / (self._max_retries + 1)
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
            f"{resource}.{action}", method, args, params, options, self._deadline_seconds, idempotency_key
        )

    @contextlib.asynccontextmanager
    async def _deadline(self, operation: str, deadline: float, idempotency_key: str | None) -> AsyncIterator[float]:
        """Run the block under `deadline` (yields its start); a Stripe error or the deadline becomes a `ProviderError`.

        The error is recorded (metrics, `last_stripe_request_id`) and logged once, here. A
        `ProviderError` raised inside (by a nested call, already recorded) passes through.
        """
        started = time.monotonic()
        try:
            async with asyncio.timeout(deadline):
                yield started
        except (stripe.StripeError, TimeoutError) as exc:
            error = to_provider_error(exc)
            last_stripe_request_id.set(error.request_id)
            elapsed = time.monotonic() - started
            observe_stripe_call(operation, elapsed, error.code)
            self._log_failure(operation, idempotency_key, error, exc, elapsed)
            raise error from exc

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
        async with self._deadline(operation, deadline, idempotency_key) as started:
            obj = await method(*args, params=params, options=options)
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
        look_first = resumed
        # The whole loop under one deadline; giving up is recorded and logged as any failed call.
        async with self._deadline(operation, self._deadline_seconds, idempotency_key):
            for retry in range(self._max_retries + 1):
                if look_first:
                    found = await self._find_tagged(resource, idempotency_key, scope)
                    if found is not None:
                        return self._adopt(operation, found, idempotency_key, expected)
                try:
                    return await self._invoke(
                        operation, method, (), tagged, options, self._deadline_seconds, idempotency_key
                    )
                except ProviderError as error:
                    if not error.transient or error.http_status == 429 or retry == self._max_retries:
                        raise
                look_first = True
                await asyncio.sleep(_RETRY_BACKOFF_SECONDS[min(retry, len(_RETRY_BACKOFF_SECONDS) - 1)])
        raise AssertionError("unreachable: the loop returns or raises")

    async def _find_tagged(self, resource: str, tag: str, scope: dict[str, Any]) -> dict[str, Any] | None:
        """The `resource` whose `metadata[bgw_attempt]` is `tag`, within `scope` and the look-back window."""
        params: dict[str, Any] = {
            "limit": 100,
            **scope,
            **self._dialect.created_since(int(time.time()) - self._lookback_seconds),
        }
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
            "setup_intents",
            params,
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope=self._dialect.customer_scope(customer),
        )

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

    # Money-moving calls. Emulators (localstripe) speak an older dialect: the differences
    # live in `stripe_provider.emulator_dialect` and nowhere else.

    async def retrieve_price(self, price_id: str) -> dict[str, Any]:
        """A Stripe price (a plan on emulators; Stripe accepts plan ids as price ids)."""
        return await self.call(self._dialect.price_resource, "retrieve", price_id)

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
        params: dict[str, Any] = {
            "customer": customer,
            "items": [{self._dialect.item_price_key: price, "quantity": quantity}],
            "payment_behavior": "allow_incomplete",
            **self._dialect.subscription_extras(payment_method),
        }
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
        proration_date: int | None = None,
    ) -> dict[str, Any]:
        """Change the price and/or quantity of a subscription's item, prorated as of `proration_date` (default: now)."""
        params: dict[str, Any] = {
            "items": [self._item_change(item, price, quantity)],
            **self._dialect.proration(proration_behavior, proration_date),
        }
        return await self.call("subscriptions", "update", subscription, params=params, idempotency_key=idempotency_key)

    def _item_change(self, item: str, price: str | None, quantity: int | None) -> dict[str, Any]:
        change: dict[str, Any] = {"id": item}
        if price is not None:
            change[self._dialect.item_price_key] = price
        if quantity is not None:
            change["quantity"] = quantity
        return change

    async def preview_subscription_change(
        self,
        *,
        customer: str,
        subscription: str,
        item: str,
        price: str | None,
        quantity: int | None,
        proration_behavior: str,
        proration_date: int | None,
    ) -> dict[str, Any]:
        """The invoice a change of the subscription's item would produce (`invoices.create_preview`), not stored.

        The same `proration_date` passed to `update_subscription_item` makes the same prorations.
        """
        details: dict[str, Any] = {
            "items": [self._item_change(item, price, quantity)],
            "proration_behavior": proration_behavior,
        }
        if proration_date is not None:
            details["proration_date"] = proration_date
        params = {"customer": customer, "subscription": subscription, "subscription_details": details}
        return await self.call("invoices", "create_preview", params=params)

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

    async def pause_subscription(
        self, subscription: str, *, behavior: str, resumes_at: int | None, idempotency_key: str
    ) -> dict[str, Any]:
        """Pause collection (`pause_collection[behavior]`, and `[resumes_at]` when given); the status stays."""
        pause: dict[str, Any] = {"behavior": behavior}
        if resumes_at is not None:
            pause["resumes_at"] = resumes_at
        return await self.call(
            "subscriptions",
            "update",
            subscription,
            params={"pause_collection": pause},
            idempotency_key=idempotency_key,
        )

    async def resume_subscription(self, subscription: str, *, idempotency_key: str) -> dict[str, Any]:
        """Resume collection: `pause_collection=""`, Stripe's documented way to unset it."""
        return await self.call(
            "subscriptions",
            "update",
            subscription,
            params={"pause_collection": ""},
            idempotency_key=idempotency_key,
        )

    async def retrieve_invoice(self, invoice: str) -> dict[str, Any]:
        """An invoice with what links it to its payment (current API versions need `payments` expanded)."""
        return await self.call("invoices", "retrieve", invoice, params=self._dialect.invoice_retrieve_params)

    async def pay_invoice(self, invoice: str, *, payment_method: str | None, idempotency_key: str) -> dict[str, Any]:
        """Attempt to pay an open invoice now."""
        params = {"payment_method": payment_method} if payment_method is not None else None
        return await self.call("invoices", "pay", invoice, params=params, idempotency_key=idempotency_key)

    async def finalize_invoice(self, invoice: str, *, idempotency_key: str) -> dict[str, Any]:
        """Finalize a draft invoice (draft -> open; paid at once when nothing is due)."""
        return await self.call("invoices", "finalize_invoice", invoice, idempotency_key=idempotency_key)

    async def void_invoice(self, invoice: str, *, idempotency_key: str) -> dict[str, Any]:
        """Void an open invoice (open -> void): nothing is owed on it any more."""
        return await self.call("invoices", "void_invoice", invoice, idempotency_key=idempotency_key)

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
            **self._dialect.payment_intent_extras(description),
        }
        return await self.create_tagged(
            "payment_intents",
            params,
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope=self._dialect.customer_scope(customer),
            expected={"customer": customer, "amount": amount, "currency": currency},
        )

    async def retrieve_payment_intent(self, payment_intent: str) -> dict[str, Any]:
        """A PaymentIntent with its latest charge (for the amount refunded)."""
        params = self._dialect.payment_intent_retrieve_params
        return await self.call("payment_intents", "retrieve", payment_intent, params=params)

    async def list_billing_meters(self, *, starting_after: str | None = None) -> dict[str, Any]:
        """One page (100) of the account's Billing Meters, newest first."""
        params: dict[str, Any] = {"limit": 100}
        if starting_after is not None:
            params["starting_after"] = starting_after
        return await self.call("billing.meters", "list", params=params)

    async def create_meter_event(
        self, *, event_name: str, payload: dict[str, str], identifier: str, timestamp: int
    ) -> dict[str, Any] | None:
        """Send one meter event; None when Stripe already has an event with this `identifier` (a repeat).

        Stripe dedupes meter events by `identifier` (within at least 24 hours) and refuses a repeat
        with HTTP 400 (`duplicate_meter_event`, "An event already exists with identifier …"): for a
        sender that retries, that answer means the event was recorded. The identifier is the
        request's idempotency key too, so a retried request replays Stripe's first answer.
        """
        params: dict[str, Any] = {
            "event_name": event_name,
            "payload": payload,
            "identifier": identifier,
            "timestamp": timestamp,
        }
        method = self._resolve("billing.meter_events", "create")
        options: stripe.RequestOptions = {"idempotency_key": f"meter-event-{identifier}"}
        try:
            return await self._invoke(
                "billing.meter_events.create",
                method,
                (),
                params,
                options,
                self._deadline_seconds,
                options["idempotency_key"],
                success_level=logging.DEBUG,
            )
        except ProviderError as error:
            cause = error.__cause__
            said = str(getattr(cause, "user_message", None) or "")
            if error.stripe_code == DUPLICATE_METER_EVENT or "already exists with identifier" in said:
                return None
            raise

    async def retrieve_dispute(self, dispute: str) -> dict[str, Any]:
        """A dispute (chargeback) of a charge."""
        return await self.call("disputes", "retrieve", dispute)

    async def update_dispute(
        self, dispute: str, *, evidence: dict[str, str], submit: bool, idempotency_key: str
    ) -> dict[str, Any]:
        """Add evidence to a dispute (`evidence[...]`), and submit it to the bank when `submit`."""
        params: dict[str, Any] = {"evidence": evidence, "submit": submit}
        return await self.call("disputes", "update", dispute, params=params, idempotency_key=idempotency_key)

    async def create_refund(
        self,
        *,
        payment_intent: str,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
        resumed: bool = False,
    ) -> dict[str, Any]:
        """Refund part or all of a PaymentIntent's charge (tagged), with Stripe's `reason` when given."""
        params: dict[str, Any] = {"payment_intent": payment_intent, "amount": amount}
        if reason is not None:
            params["reason"] = reason
        return await self.create_tagged(
            "refunds",
            params,
            idempotency_key=idempotency_key,
            resumed=resumed,
            scope={"payment_intent": payment_intent},
            expected={"amount": amount, **({"reason": reason} if reason is not None else {})},
        )

    async def set_subscription_discounts(
        self, subscription: str, discounts: list[dict[str, str]], *, idempotency_key: str
    ) -> dict[str, Any]:
        """Replace a subscription's discounts (`discounts[n][coupon|promotion_code|discount]`); [] clears them.

        The answer has the discounts expanded (Discount objects, not bare `di_…` ids).
        """
        return await self.call(
            "subscriptions",
            "update",
            subscription,
            params={"discounts": discounts or "", "expand": ["discounts"]},
            idempotency_key=idempotency_key,
        )

    async def find_promotion_code(self, code: str) -> dict[str, Any] | None:
        """The newest promotion code with this customer-facing `code` (active first), or None."""
        for active in (True, False):
            found = await self.call("promotion_codes", "list", params={"code": code, "active": active, "limit": 1})
            data = found.get("data") or []
            if data:
                return dict(data[0])
        return None

    async def retrieve_subscription_with_discounts(self, subscription: str) -> dict[str, Any]:
        """A subscription with its discounts expanded (Discount objects): what a change of its discounts starts from."""
        return await self.call("subscriptions", "retrieve", subscription, params={"expand": ["discounts"]})
