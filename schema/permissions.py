"""Who may call which root field: strawberry's permission classes, each asking `billing.authorization`.

Every decision lives in `billing/authorization.py`; these classes adapt it to strawberry (the
arguments they read, the FORBIDDEN error they answer). Every root field names one of them;
`tests/schema/test_authorization.py` fails when a root field names none.

What a customer session may do (docs/API.md, issue 5): read `viewer`, its own customer and
its payment methods, subscriptions, invoices, payments and disputes (`CanRead`, lists scoped);
`createSetupIntent`, `attach/detach/setDefaultPaymentMethod`, `payInvoice`,
`pause/resumeSubscription` and `revokeCustomerSession(s)` for itself (`CanWriteOwn`; another
customer's object is FORBIDDEN through `billing.authorization`'s visible rows); follow the status changes of its own
customer's objects (`CanWatch*`). Every other root field is for API keys only; among them
`finalizeInvoice` and `voidInvoice` (`CanWrite`): a customer does not finalize or void what they owe.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from graphql import GraphQLErrorExtensions
from strawberry.permission import BasePermission
from tortoise.models import Model

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from base.principals import Principal
from billing.authorization import (
    filter_id,
    is_admin,
    is_foreign_to,
    may_read,
    may_read_all,
    may_watch,
    may_write,
    may_write_own,
)
from models import Dispute as DisputeModel
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import Subscription as SubscriptionModel
from schema.context import Info


class _Forbidden(BasePermission):
    message = "You are not allowed to do this."
    error_extensions: GraphQLErrorExtensions | None = {"code": ErrorCode.FORBIDDEN}


class CanRead(_Forbidden):
    """API keys with `read`, and customer sessions (scoped to their customer)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_read(info.context.principal)


class CanReadAll(_Forbidden):
    """API keys with `read`: lists across all customers."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_read_all(info.context.principal)


class CanWrite(_Forbidden):
    """API keys with `write`."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_write(info.context.principal)


class CanWriteOwn(_Forbidden):
    """API keys with `write`, and customer sessions acting for their own customer."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_write_own(info.context.principal)


class IsAdmin(_Forbidden):
    """API keys with `admin`."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return is_admin(info.context.principal)


class CanReadOwnSubscription(_Forbidden):
    """`CanRead`, and a customer session only for a `subscriptionId` of its own customer.

    For fields whose resolver reads the subscription without `find_typed` (`upcomingInvoice`):
    another customer's subscription is FORBIDDEN, as it is everywhere else.
    """

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool | Awaitable[bool]:
        principal = info.context.principal
        if not may_read(principal):
            return False
        if principal.customer_id is None:
            return True
        return self._own_subscription(principal, str(kwargs.get("subscription_id", "")))

    @staticmethod
    async def _own_subscription(principal: Principal, global_id: str) -> bool:
        try:
            pk = parse_typed_id(global_id, "Subscription")
        except InvalidIdError:
            return True  # the resolver answers null for a malformed id
        return not await is_foreign_to(principal, SubscriptionModel, pk)


class _CanWatch(_Forbidden):
    """Who may subscribe to a status stream (`billing.authorization.may_watch`).

    A session naming another customer's id, or the id of an object that is not its own
    customer's (or unknown), is refused with FORBIDDEN. A malformed id is VALIDATION_FAILED.
    """

    type_name: ClassVar[str]
    argument: ClassVar[str]
    """The object id argument, as Python names it (`payment_id`)."""
    model: ClassVar[type[Model]]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if not may_read(principal):  # before the ids are read: a refused scope is FORBIDDEN, whatever the ids
            return False
        customer_id = kwargs.get("customer_id")
        object_id = kwargs.get(self.argument)
        customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
        camel = "".join(part.capitalize() if i else part for i, part in enumerate(self.argument.split("_")))
        object_pk = None if object_id is None else filter_id(object_id, self.type_name, camel)
        return await may_watch(principal, self.model, customer_pk, object_pk)


class CanWatchPayments(_CanWatch):
    type_name = "Payment"
    argument = "payment_id"
    model = PaymentModel


class CanWatchInvoices(_CanWatch):
    type_name = "Invoice"
    argument = "invoice_id"
    model = InvoiceModel


class CanWatchSubscriptions(_CanWatch):
    type_name = "Subscription"
    argument = "subscription_id"
    model = SubscriptionModel


class CanWatchDisputes(_CanWatch):
    type_name = "Dispute"
    argument = "dispute_id"
    model = DisputeModel
