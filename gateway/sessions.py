"""Customer session tokens: short-lived JWTs bound to one customer, for frontend clients.

A token is HS256-signed with `GATEWAY_SECRET` and carries `sub` (the customer's uuid),
`jti` (random, the session's id: its idempotency keys are scoped to it), `iat`, `exp`,
`typ="customer_session"` and `iss="billing-gateway"`. Nothing is stored: a token is valid
until it expires.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from gateway.auth import AuthenticationError, Principal
from gateway.settings import Settings

ALGORITHM = "HS256"
ISSUER = "billing-gateway"
TOKEN_TYPE = "customer_session"  # noqa: S105 - the `typ` claim, not a secret


def issue_session_token(settings: Settings, customer_id: UUID, ttl_seconds: int) -> tuple[str, datetime]:
    """A signed session token for `customer_id`, valid `ttl_seconds`; returns it with its expiry."""
    now = datetime.now(UTC).replace(microsecond=0)
    expires_at = now + timedelta(seconds=ttl_seconds)
    claims = {
        "sub": str(customer_id),
        "jti": secrets.token_urlsafe(16),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "typ": TOKEN_TYPE,
        "iss": ISSUER,
    }
    return jwt.encode(claims, settings.signing_secret(), algorithm=ALGORITHM), expires_at


def verify_session_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid session token; AuthenticationError when expired, tampered or not a session."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "jti", "iat", "exp", "typ", "iss"]},
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
    try:
        customer_id = UUID(str(claims["sub"]))
    except ValueError:
        raise AuthenticationError("invalid session token") from None
    return Principal(kind="customer_session", id=claims["jti"], customer_id=customer_id, scopes=frozenset())
