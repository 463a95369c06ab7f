"""strawberry's graphql-transport-ws handler, leaner (replicates strawberry's internals): shared results encoded once.

Every subscriber given the same shared result (`runtime.execution.ResultSharingCache`) would send
`{"id": …, "type": "next", "payload": {"data": …}}` with the same `data` object. The payload's JSON
is cached with the shared result, and each socket only encodes its own operation id around it.
The frame is byte for byte what strawberry sends (`json.dumps(message, separators=(",", ":"))`
of the same dict, keys in the same order), as text.

Only `next` messages whose payload is exactly `{"data": <a shared result's data>}` take this path;
anything with errors or extensions, anything of another result, and every other message goes
through strawberry's `send_json`. The path is off when the view's `encode_json` is not strawberry's.

The handler also lets go of its `connection_init` timeout task once that task is done (cancelled by
`connection_init`, or timed out): strawberry keeps it for the connection's life, and a cancelled
task holds its `CancelledError` with the traceback and frames of the sleep it cancelled (~1 KiB
per socket). Nothing reads it once done (`shutdown` only cancels and awaits it while it runs).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.base import BaseView
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from base.versions import require
from runtime.execution import ResultSharingCache, result_sharing_cache

require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = ["SharedResultTransportWSHandler"]

ContextT = TypeVar("ContextT")
RootValueT = TypeVar("RootValueT")


class SharedResultTransportWSHandler(BaseGraphQLTransportWSHandler[ContextT, RootValueT]):
    """strawberry's handler, sending a shared result's `next` frame without encoding its data again."""

    results: ResultSharingCache = result_sharing_cache()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splice = isinstance(self.websocket, ASGIWebSocketAdapter) and (
            getattr(type(self.view), "encode_json", None) is BaseView.encode_json
        )

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
