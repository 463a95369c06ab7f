"""This process's cache of verified credentials: API keys (one SELECT and a SHA-256 saved per request) and
customer session tokens (a JWT verification saved).

API keys: an entry is used only while `trusted`, that is while this process's live hub holds its
Redis subscription to the credentials channel (`live.hub`), where `billing-gateway api-keys revoke`
announces every revocation (`live.credential_events`): the hub then drops the key's entries in every
process, so a revoked key is refused everywhere as soon as the message arrives. An entry is also
used at most `API_KEY_TTL_SECONDS` after it was verified: the backstop for a message lost between
Redis dropping the subscription and the hub noticing (entries are all dropped when it does, and the
cache is bypassed until it subscribes again; embedded mode, without Redis, never uses it). A
verification that began before a drop is not stored (`generation`), so it cannot bring back a
revoked key. Decision 0063.

Session tokens: verifying one depends only on the token, the signing secret and the clock, so an
entry lives until the token expires; whether the session is revoked is still asked of
`billing.revocations` on every request.

Both maps hold at most `MAX_ENTRIES` (cleared when full: only verified credentials get in, so a
flood of bad tokens cannot fill them). Keys are the raw credentials, held in this process's memory
as every request's headers are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Final

from base.principals import Principal

__all__ = ["API_KEY_TTL_SECONDS", "MAX_ENTRIES", "VerifiedCredentials", "verified_credentials"]

API_KEY_TTL_SECONDS: Final = 5.0
"""How long a verified API key is used without asking the database again (the backstop)."""
MAX_ENTRIES: Final = 10_000


@dataclass(frozen=True)
class _ApiKeyEntry:
    principal: Principal
    verified_at: float
    """`time.monotonic()` when its verification began."""


@dataclass
class VerifiedCredentials:
    """See the module's docstring."""

    api_key_ttl_seconds: float = API_KEY_TTL_SECONDS
    trusted: bool = False
    """True while revocations reach this process (its hub's credentials subscription is in place)."""
    generation: int = 0
    """Bumped by every drop: a verification begun under an older one is not stored."""
    _api_keys: dict[str, _ApiKeyEntry] = field(default_factory=dict)
    _sessions: dict[tuple[str, str], Principal] = field(default_factory=dict)

    def api_key(self, raw_key: str) -> Principal | None:
        """The principal of a verified, unrevoked key, or None (verify it: `remember_api_key`)."""
        if not self.trusted:
            return None
        entry = self._api_keys.get(raw_key)
        if entry is None:
            return None
        if time.monotonic() - entry.verified_at > self.api_key_ttl_seconds:
            del self._api_keys[raw_key]
            return None
        return entry.principal

    def remember_api_key(self, raw_key: str, principal: Principal, generation: int, verified_at: float) -> None:
        """Keep a key verified from `verified_at` on, unless a drop happened since `generation` was read."""
        if not self.trusted or generation != self.generation:
            return
        if len(self._api_keys) >= MAX_ENTRIES:
            self._api_keys.clear()
        self._api_keys[raw_key] = _ApiKeyEntry(principal, verified_at)

    def session(self, secret: str, token: str) -> Principal | None:
        """The principal of a session token verified with `secret` and not yet expired, or None."""
        principal = self._sessions.get((secret, token))
        if principal is None:
            return None
        if principal.expires_at is None or principal.expires_at <= time.time():
            del self._sessions[(secret, token)]
            return None
        return principal

    def remember_session(self, secret: str, token: str, principal: Principal) -> None:
        if len(self._sessions) >= MAX_ENTRIES:
            self._sessions.clear()
        self._sessions[(secret, token)] = principal

    def forget_api_key(self, key_id: str) -> None:
        """Drop the entries of one API key (revoked): its key, and nothing else."""
        self.generation += 1
        for raw_key, entry in list(self._api_keys.items()):
            if entry.principal.id == key_id:
                del self._api_keys[raw_key]

    def trust(self) -> None:
        """Revocations reach this process again: start afresh (any missed while they did not)."""
        self.forget_all()
        self.trusted = True

    def distrust(self) -> None:
        """Revocations may not reach this process: drop every key and verify each request until `trust`."""
        self.trusted = False
        self.forget_all()

    def forget_all(self) -> None:
        self.generation += 1
        self._api_keys.clear()


verified_credentials = VerifiedCredentials()
"""The process's cache (`billing.authentication` reads it, `live.hub` keeps it honest)."""
