"""Customer session tokens: short-lived JWTs bound to one customer, for frontend clients.

A token is HS256-signed with `GATEWAY_SECRET` and carries `sub` (the customer's uuid),
`jti` (random, the session's id: its idempotency keys are scoped to it), `iat`, `exp`,
`typ="customer_session"`, `iss="billing-gateway"` and `minted_by` (the id of the API key that
created it). A token is refused when its lifetime (`exp - iat`) exceeds SESSION_MAX_TTL_SECONDS,
when `iat` lies in the future beyond `IAT_LEEWAY_SECONDS`, or when it carries no `minted_by`
(tokens issued before sessions could be revoked). Each session is also a `customer_sessions` row;
revocations live there and in `api_keys.revoked_at` (`billing.revocations`).

HS256 is deterministic: signing the same claims with the same secret gives the same
token, byte for byte. So the idempotency ledger keeps only a session's `SessionClaims`
(no token: nothing in the database could be replayed as a credential), and a replayed
`createCustomerSession` signs them again to answer the very token it answered first.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from base.principals import AuthenticationError, Principal
from base.settings import Settings

ALGORITHM = "HS256"
ISSUER = "billing-gateway"
TOKEN_TYPE = "customer_session"  # noqa: S105 - the `typ` claim, not a secret
IAT_LEEWAY_SECONDS = 5
"""How far in the future `iat` may be (clocks of gateway processes differ a little)."""


@dataclass(frozen=True)
class SessionClaims:
    """What varies between session tokens; `typ` and `iss` are constants added when signing."""

    sub: str
    """The customer's uuid."""
    jti: str
    iat: int
    exp: int
    minted_by: str | None = None
    """The id of the API key that created the session (None only in ledger records older than it)."""

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, UTC)

    def as_dict(self) -> dict[str, Any]:
        """The stored form (JSON-ready)."""
        stored: dict[str, Any] = {"sub": self.sub, "jti": self.jti, "iat": self.iat, "exp": self.exp}
        if self.minted_by is not None:
            stored["minted_by"] = self.minted_by
        return stored

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionClaims:
        """Read the stored form back; ValueError when it is not one."""
        sub, jti, iat, exp = (data.get(name) for name in ("sub", "jti", "iat", "exp"))
        if not (isinstance(sub, str) and isinstance(jti, str) and type(iat) is int and type(exp) is int):
            raise ValueError("not stored session claims")
        minted_by = data.get("minted_by")
        if minted_by is not None and not isinstance(minted_by, str):
            raise ValueError("not stored session claims")
        return cls(sub=sub, jti=jti, iat=iat, exp=exp, minted_by=minted_by)


def new_session_claims(customer_id: UUID, ttl_seconds: int, minted_by: str | None = None) -> SessionClaims:
    """Fresh claims for a session of `customer_id` lasting `ttl_seconds` (a new random `jti`)."""
    now = datetime.now(UTC).replace(microsecond=0)
    return SessionClaims(
        sub=str(customer_id),
        jti=secrets.token_urlsafe(16),
        iat=int(now.timestamp()),
        exp=int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        minted_by=minted_by,
    )


def sign_session_claims(settings: Settings, claims: SessionClaims) -> str:
    """The token for `claims`: the same claims and secret always give the same token."""
    payload = {**claims.as_dict(), "typ": TOKEN_TYPE, "iss": ISSUER}
    return jwt.encode(payload, settings.signing_secret(), algorithm=ALGORITHM)


def issue_session_token(
    settings: Settings, customer_id: UUID, ttl_seconds: int, minted_by: str | None = None
) -> tuple[str, datetime]:
    """A signed session token for `customer_id`, valid `ttl_seconds`; returns it with its expiry."""
    claims = new_session_claims(customer_id, ttl_seconds, minted_by)
    return sign_session_claims(settings, claims), claims.expires_at


def verify_session_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid session token; AuthenticationError when expired, tampered or not a session."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # `iat` is checked below, with a leeway of its own (PyJWT's would stretch `exp` too).
            options={"require": ["sub", "jti", "iat", "exp", "typ", "iss"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("expired session token") from None
    except jwt.InvalidSignatureError:
        raise AuthenticationError("invalid session token") from None
    except jwt.DecodeError:
        raise AuthenticationError("malformed token: neither an API key nor a session token") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("invalid session token") from None
    if claims.get("typ") != TOKEN_TYPE or not isinstance(claims.get("jti"), str):
        raise AuthenticationError("invalid session token")
    iat, exp = claims["iat"], claims["exp"]
    if not (isinstance(iat, int | float) and isinstance(exp, int | float)):
        raise AuthenticationError("invalid session token")
    if exp - iat > settings.session_max_ttl_seconds:
        raise AuthenticationError("session token lives longer than SESSION_MAX_TTL_SECONDS allows")
    if iat > time.time() + IAT_LEEWAY_SECONDS:
        raise AuthenticationError("session token issued in the future")
    minted_by = claims.get("minted_by")
    if not isinstance(minted_by, str):
        # Issued before sessions could be revoked: nothing could revoke it, so it is not honoured.
        raise AuthenticationError("session token from before revocation support: create a new session")
    try:
        customer_id = UUID(str(claims["sub"]))
    except ValueError:
        raise AuthenticationError("invalid session token") from None
    return Principal(
        kind="customer_session",
        id=claims["jti"],
        customer_id=customer_id,
        scopes=frozenset(),
        expires_at=int(exp),
        minted_by=minted_by,
    )
