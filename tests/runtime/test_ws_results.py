"""`runtime.ws_results`: the handler lets go of its `connection_init` timeout task once it is done.

The shared-result frames are tested with the results they share (tests/runtime/test_result_sharing.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import strawberry
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL

from runtime.ws_results import SharedResultTransportWSHandler


@strawberry.type
class Query:
    ok: bool = True


class _Socket:
    """Stands in for starlette's WebSocket: records text frames and the close."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = (code, reason or "")


def _handler(socket: _Socket, wait: timedelta) -> SharedResultTransportWSHandler[dict[str, Any], None]:
    view = GraphQL(strawberry.Schema(query=Query))
    adapter = ASGIWebSocketAdapter(view, socket, socket)  # type: ignore[arg-type]
    return SharedResultTransportWSHandler(view, adapter, {}, None, view.schema, wait)


async def test_the_init_timeout_task_is_let_go_once_connection_init_cancelled_it() -> None:
    socket = _Socket()
    handler = _handler(socket, timedelta(seconds=10))
    handler.on_request_accepted()
    task = handler.connection_init_timeout_task
    assert task is not None
    await handler.handle_message({"type": "connection_init", "payload": {}})  # type: ignore[typeddict-item]
    assert socket.sent == ['{"type":"connection_ack"}']
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.cancelled()
    assert handler.connection_init_timeout_task is None
    await handler.shutdown()


async def test_the_init_timeout_still_closes_a_silent_socket_and_is_then_let_go() -> None:
    socket = _Socket()
    handler = _handler(socket, timedelta(seconds=0.01))
    handler.on_request_accepted()
    task = handler.connection_init_timeout_task
    assert task is not None
    await asyncio.wait_for(asyncio.shield(task), 2)
    await asyncio.sleep(0)
    assert socket.closed == (4408, "Connection initialisation timeout")
    assert handler.connection_init_timeout_task is None
    await handler.handle_message({"type": "connection_init", "payload": {}})  # type: ignore[typeddict-item]
    assert socket.sent == [], "too late: no ack"
    await handler.shutdown()
