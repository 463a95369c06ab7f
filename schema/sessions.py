"""Customer sessions: the mutation's input and payload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.errors import UserError, user_errors


@strawberry.input
class CreateCustomerSessionInput:
    customer_id: strawberry.ID
    ttl_seconds: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How long the token lives: 60 seconds up to the gateway's cap (default 900, cap 3600).",
    )


@strawberry.type
class CreateCustomerSessionPayload:
    token: str | None = strawberry.field(
        description="A bearer token for `/graphql` bound to one customer; send it as `Authorization: Bearer …`."
    )
    expires_at: datetime | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateCustomerSessionPayload:
        expires_at = data.get("expiresAt")
        return cls(
            token=data.get("token"),
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
            user_errors=user_errors(data),
        )
