"""The GraphQL schema: the roots (`query_root`, `mutation_root`, `live_root`) over the per-domain types."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from base.settings import Settings
from runtime.execution import CachingExecutor, SuggestionFreeExecutor
from schema.customers import Customer
from schema.disputes import Dispute
from schema.extensions import GatewaySchema, gateway_extensions
from schema.invoices import Invoice
from schema.live_root import LiveUpdates
from schema.mutation_root import Mutation
from schema.payment_methods import PaymentMethod
from schema.payments import Payment, Refund
from schema.prices import Price
from schema.query_root import Query
from schema.scalars import SCALAR_MAP
from schema.subscriptions import Subscription

__all__ = ["build_schema"]


def build_schema(
    settings: Settings | None = None, extra_extensions: Sequence[Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The gateway's schema with its caches, query limits and error masking (introspection off in production)."""
    settings = settings or Settings(_env_file=None)  # type: ignore[call-arg]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=LiveUpdates,
        types=[Customer, PaymentMethod, Subscription, Invoice, Payment, Refund, Price, Dispute],
        extensions=[*gateway_extensions(settings), *extra_extensions],
        config=StrawberryConfig(
            auto_camel_case=True,
            disable_field_suggestions=settings.is_production,
            scalar_map=SCALAR_MAP,
        ),
        # In production no error names what the client did not type (see CachedValidation too).
        execution_context_class=SuggestionFreeExecutor if settings.is_production else CachingExecutor,
    )
