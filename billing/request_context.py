"""What one request's operations see: the caller, settings, Stripe, loaders and the request id.

Resolvers take it as their first argument; `schema/` hands strawberry's context (this object) to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from uuid import UUID

from starlette.responses import Response

from base.principals import Principal
from base.rate_limit import RateLimiter
from base.settings import Settings
from billing.loaders import Loaders
from stripe_provider.adapter import StripeAdapter


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
    usage_dispatch: Callable[[list[UUID]], Awaitable[None]] | None = None
    """Hands new usage event ids to the forwarding actor (`tasks.usage`); None: the usage sweeper does."""
    event_dispatch: Callable[[UUID, str], Awaitable[None]] | None = None
    """Sends a Stripe inbox row (id, event type) to its worker (`replayWebhookEvent`); None: the sweeper does."""
    console: bool = False
    """The operator console's request (its session cookie): its documents are not on an allow-list (decision 0066)."""

    @property
    def result_sharing_key(self) -> Hashable | None:
        """What an execution's result may depend on in this context, for `runtime.execution.ResultSharingCache`.

        Two subscribers whose contexts give equal keys (with the same document, variables and event)
        get the same result: one execution is shared between them. It names the principal (every
        permission and scoping decision reads only it), and, by identity, the settings and the Stripe
        adapter (one per app). Loaders are left out: they are caches of the same rows, per request.
        `request_id` is left out: only errors carry it, and results with errors are never shared.
        `rate_limiter` and `response` are only used around an operation, not by a field.

        A field that reads anything else of the context must have it added here (or return None here
        to turn sharing off).
        """
        return (type(self), self.principal, _Same(self.settings), _Same(self.stripe))


class _Same:
    """Equal only to a wrapper of the very same object (and keeps it alive): identity as a key part."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value
