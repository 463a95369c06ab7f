"""The GraphQL object of a mirror row, by the row's model: `node_of(row)`.

Each `Node` type registers how it is made from a row (`node_type`), so that a type that answers
another (a customer's invoices, an invoice's customer) makes it without importing its module:
the types refer to each other, and their modules would otherwise import each other. The
overloads give each model's GraphQL type to mypy; at run time the schema package has imported
(and so registered) every type before any field resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, overload

from tortoise.models import Model

from models import Customer as CustomerModel
from models import Dispute as DisputeModel
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import PaymentMethod as PaymentMethodModel
from models import Price as PriceModel
from models import Refund as RefundModel
from models import Subscription as SubscriptionModel
from schema.relay import Node

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.disputes import Dispute
    from schema.invoices import Invoice
    from schema.payment_methods import PaymentMethod
    from schema.payments import Payment, Refund
    from schema.prices import Price
    from schema.subscriptions import Subscription

N = TypeVar("N", bound=Node)

_FROM_MODEL: dict[type[Model], Callable[..., Node]] = {}
"""Model class -> the `from_model` of its GraphQL type."""


def node_type(model: type[Model]) -> Callable[[type[N]], type[N]]:
    """Class decorator: the decorated `Node` type is what `node_of` makes of a `model` row (with its `from_model`)."""

    def register(cls: type[N]) -> type[N]:
        from_model: Callable[..., Node] = getattr(cls, "from_model")  # noqa: B009  (every Node type has one)
        _FROM_MODEL[model] = from_model
        return cls

    return register


@overload
def node_of(row: CustomerModel) -> Customer: ...
@overload
def node_of(row: PaymentMethodModel, owner: CustomerModel | None = None) -> PaymentMethod: ...
@overload
def node_of(row: SubscriptionModel) -> Subscription: ...
@overload
def node_of(row: InvoiceModel) -> Invoice: ...
@overload
def node_of(row: PaymentModel) -> Payment: ...
@overload
def node_of(row: RefundModel) -> Refund: ...
@overload
def node_of(row: PriceModel) -> Price: ...
@overload
def node_of(row: DisputeModel) -> Dispute: ...
@overload
def node_of(row: Model) -> Node: ...
def node_of(row: Model, owner: CustomerModel | None = None) -> Node:
    """The GraphQL object of a mirror row; `owner`: a payment method's customer row, when already loaded."""
    from_model = _FROM_MODEL[type(row)]
    return from_model(row) if owner is None else from_model(row, owner)
