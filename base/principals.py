"""Who is calling: the principal of one request and its scopes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from uuid import UUID


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


# A broader scope includes the narrower ones: a write key reads what it wrote.
IMPLIED_SCOPES: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.WRITE: frozenset({Scope.READ, Scope.WRITE}),
    Scope.ADMIN: frozenset({Scope.READ, Scope.WRITE, Scope.ADMIN}),
}


class AuthenticationError(Exception):
    """The bearer token is missing, malformed, unknown, revoked or expired."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    kind: Literal["api_key", "customer_session", "cli"]
    """`cli`: an operator running `billing-gateway` on the server (`gateway.operator_commands`); never a request's."""
    id: str
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    customer_id: UUID | None = None
    """Set for customer sessions: the only customer this principal may see or act for."""
    expires_at: int | None = None
    """Customer sessions: when the token expires (a Unix time)."""
    minted_by: str | None = None
    """Customer sessions: the id of the API key that created it (revoking the key revokes the session)."""

    @property
    def ledger_scope(self) -> str:
        """The namespace of this caller's idempotency keys."""
        return f"{self.kind}:{self.id}"

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes


def parse_scopes(raw: str | Iterable[str]) -> frozenset[Scope]:
    """Parse `read,write` into scopes; raises ValueError naming an unknown scope."""
    names = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes: set[Scope] = set()
    for name in (n.strip() for n in names):
        if not name:
            continue
        try:
            scopes.add(Scope(name))
        except ValueError:
            raise ValueError(f"unknown scope {name!r} (expected read, write or admin)") from None
    if not scopes:
        raise ValueError("at least one scope is required (read, write, admin)")
    return frozenset(scopes)


def effective_scopes(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """The scopes granted, with the ones they imply."""
    granted: set[Scope] = set()
    for scope in scopes:
        granted |= IMPLIED_SCOPES[scope]
    return frozenset(granted)
