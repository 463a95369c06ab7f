"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import strawberry

from gateway.auth import Principal
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


Info: TypeAlias = strawberry.Info[Context, None]
