"""strawberry's graphql-transport-ws handler, leaner (replicates strawberry's internals): shared results encoded once.

Every subscriber given the same shared result (`runtime.execution.ResultSharingCache`) would send
`{"id": …, "type": "next", "payload": {"data": …}}` with the same `data` object. The payload's JSON
is cached with the shared result, and each socket only encodes its own operation id around it.
The frame is byte for byte what strawberry sends (`json.dumps(message, separators=(",", ":"))`
of the same dict, keys in the same order), as text.

Only `next` messages whose payload is exactly `{"data": <a shared result's data>}` take this path;
anything with errors or extensions, anything of another result, and every other message goes
through strawberry's `send_json`. The path is off when the view's `encode_json` is not strawberry's.

A `subscribe` payload's `extensions` reach the schema (`operation_extensions`, as over HTTP; strawberry
drops them), and a payload naming its document by `extensions.persistedQuery` may leave out `query`
(persisted documents, `schema.persisted_queries`; strawberry closed such a socket with 4400).

The handler also lets go of its `connection_init` timeout task once that task is done (cancelled by
`connection_init`, or timed out): strawberry keeps it for the connection's life, and a cancelled
task holds its `CancelledError` with the traceback and frames of the sleep it cancelled (~1 KiB
per socket). Nothing reads it once done (`shutdown` only cancels and awaits it while it runs).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from contextlib import suppress
from typing import Any, TypeVar, cast

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.base import BaseView
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message, SubscribeMessage
from strawberry.utils.aio import aclosing

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
        self._extensions: dict[str, dict[str, Any]] = {}
        """The `extensions` of subscribed operations not started yet, by operation id."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """strawberry's, keeping the payload's `extensions` for `run_operation`; `query` may be left out for a hash."""
        payload: Any = message.get("payload")
        extensions = payload.get("extensions") if isinstance(payload, dict) else None
        operation_id = message.get("id")
        if isinstance(extensions, dict) and isinstance(operation_id, str) and operation_id not in self.operations:
            if "persistedQuery" in extensions and payload.get("query") is None:
                message = cast("SubscribeMessage", {**message, "payload": {**payload, "query": None}})
            self._extensions[operation_id] = extensions
        await super().handle_subscribe(message)
        if isinstance(operation_id, str) and operation_id not in self.operations:
            self._extensions.pop(operation_id, None)  # refused (limit reached): never started

    async def run_operation(self, operation: Operation[ContextT, RootValueT]) -> None:
        """strawberry's, passing the payload's `extensions` to the schema."""
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                operation_extensions=self._extensions.pop(operation.id, None),
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

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
