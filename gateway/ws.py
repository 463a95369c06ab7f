"""The graphql-transport-ws handler of the gateway: a shared event result's JSON is encoded once.

Every subscriber given the same shared result (`runtime.execution.ResultSharingCache`) would send
`{"id": …, "type": "next", "payload": {"data": …}}` with the same `data` object. The payload's JSON
is cached with the shared result, and each socket only encodes its own operation id around it.
The frame is byte for byte what strawberry sends (`json.dumps(message, separators=(",", ":"))`
of the same dict, keys in the same order), as text.

Only `next` messages whose payload is exactly `{"data": <a shared result's data>}` take this path;
anything with errors or extensions, anything of another result, and every other message goes
through strawberry's `send_json`. The path is off when the view's `encode_json` is not strawberry's.

Sockets of customer sessions are watched (`billing.revocations.SessionWatch`): closed with 4403 when
the session is revoked or its token expires.

The handler also lets go of its `connection_init` timeout task once that task is done (cancelled by
`connection_init`, or timed out): strawberry keeps it for the connection's life, and a cancelled
task holds its `CancelledError` with the traceback and frames of the sleep it cancelled (~1 KiB
per socket). Nothing reads it once done (`shutdown` only cancels and awaits it while it runs).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.base import BaseView
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, Message

from base.db import is_database_unavailable
from base.error_codes import ErrorCode
from base.versions import require
from billing.request_context import Context
from billing.revocations import WS_CLOSE_CODE, session_watch
from runtime.execution import ResultSharingCache, result_sharing_cache

require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = ["WS_TRY_AGAIN_LATER", "GatewayTransportWSHandler"]

WS_TRY_AGAIN_LATER = 1013


class GatewayTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's handler, sending a shared result's `next` frame without encoding its data again."""

    results: ResultSharingCache = result_sharing_cache()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splice = isinstance(self.websocket, ASGIWebSocketAdapter) and (
            getattr(type(self.view), "encode_json", None) is BaseView.encode_json
        )
        self._unwatch: Callable[[], None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """strawberry's; a token that cannot be checked because the database is down closes with 1013.

        1013 is WebSocket's "Try Again Later": graphql-ws clients reconnect after it (4403 would
        tell them the token is bad). The reason is the code an HTTP client gets, `SERVICE_UNAVAILABLE`.
        """
        try:
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

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        task = self.connection_init_timeout_task
        if task is not None:
            task.add_done_callback(self._forget_init_timeout)

    def _forget_init_timeout(self, task: asyncio.Task[None]) -> None:
        if self.connection_init_timeout_task is task:
            self.connection_init_timeout_task = None

    async def send_message(self, message: Message) -> None:
        if self._splice and message["type"] == "next":
            payload: Mapping[str, object] = message["payload"]  # type: ignore[assignment]  # a NextMessagePayload
            if len(payload) == 1 and "data" in payload:
                encoded = self.results.payload_json(payload["data"])
                if encoded is not None:
                    operation_id = json.dumps(message["id"], separators=(",", ":"))
                    frame = '{"id":' + operation_id + ',"type":"next","payload":' + encoded + "}"
                    websocket = cast("ASGIWebSocketAdapter", self.websocket)  # checked by `_splice`
                    try:
                        await websocket.ws.send_text(frame)
                    except WebSocketDisconnect as exc:  # as strawberry's `ASGIWebSocketAdapter.send_json`
                        raise WebSocketDisconnected from exc
                    return
        await super().send_message(message)
