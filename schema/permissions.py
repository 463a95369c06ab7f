"""Who may call which root field. Every root field names one of these classes.

Object-level rules (a customer session sees only its own customer) live in
`resolvers/scoping.py`; these classes decide only whether the field may run at all.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLErrorExtensions
from strawberry.permission import BasePermission

from gateway.auth import Scope
from schema.context import Info


class _Forbidden(BasePermission):
    message = "You are not allowed to do this."
    error_extensions: GraphQLErrorExtensions | None = {"code": "FORBIDDEN"}


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
