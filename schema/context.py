"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from starlette.responses import Response

from gateway.auth import Principal
from gateway.rate_limit import RateLimiter
from gateway.settings import Settings
from gateway.stripe_client import StripeAdapter
from resolvers.loaders import Loaders


@dataclass
class Context:
    principal: Principal
    settings: Settings
    stripe: StripeAdapter
    loaders: Loaders
    request_id: str
    rate_limiter: RateLimiter | None = None
    """None where nothing is rate-limited (in-process tests, the CLI)."""
    response: Response | None = None
    """The HTTP response being prepared (status, headers); None on a WebSocket."""


Info: TypeAlias = strawberry.Info[Context, None]
