"""The graphql-transport-ws handler of the gateway: sockets of customer sessions watched, database outages told apart.

A shared event result's JSON is encoded once, and the `connection_init` timeout task is let go
once done: `runtime.ws_results.SharedResultTransportWSHandler`, which this handler extends.

Sockets of customer sessions are watched (`billing.revocations.SessionWatch`): closed with 4403 when
the session is revoked or its token expires. A token that cannot be checked because the database
is down closes the socket with 1013 (Try Again Later); so does any `connection_init` while the
database is down, even when the credential was answered from the per-process cache
(`billing.verified_credentials`): every frame of a subscription reads the mirror, so a socket
acknowledged during an outage would only fail later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from tortoise import connections

from base.db import is_database_unavailable
from base.error_codes import ErrorCode
from billing.request_context import Context
from billing.revocations import WS_CLOSE_CODE, session_watch
from runtime.ws_results import SharedResultTransportWSHandler

__all__ = ["WS_TRY_AGAIN_LATER", "GatewayTransportWSHandler"]

WS_TRY_AGAIN_LATER = 1013


class GatewayTransportWSHandler(SharedResultTransportWSHandler[Context, None]):
    """The shared-result handler, closing ended customer sessions and refusing with 1013 while the database is down."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unwatch: Callable[[], None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """strawberry's; a token that cannot be checked because the database is down closes with 1013.

        1013 is WebSocket's "Try Again Later": graphql-ws clients reconnect after it (4403 would
        tell them the token is bad). The reason is the code an HTTP client gets, `SERVICE_UNAVAILABLE`.
        """
        try:
            await connections.get("default").execute_query("SELECT 1")  # before the ack: see the module's docstring
            await super().handle_connection_init(message)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await self.websocket.close(code=WS_TRY_AGAIN_LATER, reason=ErrorCode.SERVICE_UNAVAILABLE)
            return
        principal = self.context.principal
        if self.connection_acknowledged and principal.kind == "customer_session" and self._unwatch is None:
            # Closed at the token's expiry, or within a second of its revocation (billing.revocations).
            self._unwatch = session_watch.watch(principal, self._close_ended_session)

    async def _close_ended_session(self, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=WS_CLOSE_CODE, reason=reason)

    async def shutdown(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        await super().shutdown()
