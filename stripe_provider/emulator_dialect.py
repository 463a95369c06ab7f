"""How the adapter's calls are spelled for Stripe, and for an emulator (localstripe): the one place they differ.

localstripe speaks an older dialect: Plans instead of Prices, `prorate` instead of
`proration_behavior`, no `created` list filter, no filtering of payment and setup intents by
customer, and fewer optional parameters (no `expand`, `payment_method_types`, `description` on
payment intents, `default_payment_method` on subscriptions). `StripeAdapter` asks its `Dialect`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["EMULATOR", "STRIPE", "Dialect", "dialect_for"]


@dataclass(frozen=True)
class Dialect:
    """The parameters of the gateway's calls, for Stripe (`emulator` False) or an emulator."""

    emulator: bool

    @property
    def price_resource(self) -> str:
        """The resource of a price: `plans` on emulators (Stripe accepts plan ids as price ids)."""
        return "plans" if self.emulator else "prices"

    @property
    def item_price_key(self) -> str:
        """The key naming the price of a subscription item."""
        return "plan" if self.emulator else "price"

    def customer_scope(self, customer: str) -> dict[str, Any]:
        """The look-up scope of a customer's payment or setup intents (localstripe cannot filter them)."""
        return {} if self.emulator else {"customer": customer}

    def created_since(self, timestamp: int) -> dict[str, Any]:
        """A list filter on `created` (localstripe knows none; Stripe lists newest first, so this bounds the pages)."""
        return {} if self.emulator else {"created": {"gte": timestamp}}

    def subscription_extras(self, payment_method: str | None) -> dict[str, Any]:
        """The optional parameters of a new subscription the dialect knows."""
        return {"default_payment_method": payment_method} if payment_method is not None and not self.emulator else {}

    def proration(self, proration_behavior: str, proration_date: int | None = None) -> dict[str, Any]:
        """How a subscription update says whether (and as of when) to prorate.

        localstripe knows only `prorate`; the sandbox (`sandbox/invoice_previews.py`) answers Stripe's own
        parameters, so they are sent to emulators when only they can say it: `always_invoice`, a `proration_date`.
        """
        if self.emulator and proration_date is None and proration_behavior != "always_invoice":
            return {"prorate": proration_behavior != "none"}
        params: dict[str, Any] = {"proration_behavior": proration_behavior}
        if proration_date is not None:
            params["proration_date"] = proration_date
        return params

    @property
    def invoice_retrieve_params(self) -> dict[str, Any] | None:
        """What links an invoice to its payment (current API versions need `payments` expanded)."""
        return None if self.emulator else {"expand": ["payments"]}

    @property
    def payment_intent_retrieve_params(self) -> dict[str, Any] | None:
        """A payment intent with its latest charge (for the amount refunded)."""
        return None if self.emulator else {"expand": ["latest_charge"]}

    def payment_intent_extras(self, description: str | None) -> dict[str, Any]:
        """Card only, so confirming needs no return_url; localstripe knows neither parameter."""
        if self.emulator:
            return {}
        extras: dict[str, Any] = {"payment_method_types": ["card"]}
        if description is not None:
            extras["description"] = description
        return extras


STRIPE: Final = Dialect(emulator=False)
EMULATOR: Final = Dialect(emulator=True)


def dialect_for(emulator: bool) -> Dialect:
    """`EMULATOR` when talking to an emulator, else `STRIPE`."""
    return EMULATOR if emulator else STRIPE
