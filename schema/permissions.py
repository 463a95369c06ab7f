"""Who may call which root field. Every root field names one of these classes.

Object-level rules (a customer session sees only its own customer) live in
`billing/authorization.py`; these classes decide only whether the field may run at all.
`tests/schema/test_authorization.py` fails when a root field names none of them.

What a customer session may do (docs/API.md, issue 5): read `viewer`, its own customer and
its payment methods, subscriptions, invoices and payments (`CanRead`, lists scoped);
`createSetupIntent`, `attach/detach/setDefaultPaymentMethod`, `payInvoice` and
`revokeCustomerSession(s)` for itself (`CanWriteOwn`). Every other root field is for API keys only.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from graphql import GraphQLErrorExtensions
from strawberry.permission import BasePermission

from base.error_codes import ErrorCode
from base.principals import Principal, Scope
from schema.context import Info


class _Forbidden(BasePermission):
    message = "You are not allowed to do this."
    error_extensions: GraphQLErrorExtensions | None = {"code": ErrorCode.FORBIDDEN}


class CanRead(_Forbidden):
    """API keys with `read`, and customer sessions (scoped to their customer)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind == "customer_session" or principal.has_scope(Scope.READ)


class CanReadAll(_Forbidden):
    """API keys with `read`: lists across all customers."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind == "api_key" and principal.has_scope(Scope.READ)


class CanWrite(_Forbidden):
    """API keys with `write`."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind == "api_key" and principal.has_scope(Scope.WRITE)


class CanWriteOwn(_Forbidden):
    """API keys with `write`, and customer sessions acting for their own customer."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind == "customer_session" or principal.has_scope(Scope.WRITE)


class IsAdmin(_Forbidden):
    """API keys with `admin`."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind == "api_key" and principal.has_scope(Scope.ADMIN)


class CanReadOwnSubscription(_Forbidden):
    """`CanRead`, and a customer session only for a `subscriptionId` of its own customer.

    For fields whose resolver reads the subscription without `find_typed` (`upcomingInvoice`):
    another customer's subscription is FORBIDDEN, as it is everywhere else.
    """

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool | Awaitable[bool]:
        if not CanRead().has_permission(source, info, **kwargs):
            return False
        if info.context.principal.customer_id is None:
            return True
        return self._own_subscription(info.context.principal, str(kwargs.get("subscription_id", "")))

    @staticmethod
    async def _own_subscription(principal: Principal, global_id: str) -> bool:
        from base.ids import InvalidIdError, parse_typed_id
        from billing.authorization import is_foreign_to
        from models import Subscription as SubscriptionModel

        try:
            pk = parse_typed_id(global_id, "Subscription")
        except InvalidIdError:
            return True  # the resolver answers null for a malformed id
        return not await is_foreign_to(principal, SubscriptionModel, pk)
