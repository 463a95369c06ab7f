"""The gateway's graphql-transport-ws handler and view: what a connected socket keeps while it is idle."""

from __future__ import annotations

import asyncio
import gc
import uuid
from datetime import timedelta

import strawberry
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL

from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from gateway import app as gateway_app
from gateway.app import SocketContext, _shared_principal
from gateway.ws import GatewayTransportWSHandler
from stripe_provider.adapter import StripeAdapter

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


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


def _handler(socket: _Socket, wait: timedelta) -> GatewayTransportWSHandler:
    view = GraphQL(strawberry.Schema(query=Query))
    adapter = ASGIWebSocketAdapter(view, socket, socket)  # type: ignore[arg-type]
    context = SocketContext(
        principal=Principal(kind="api_key", id="x"),
        settings=SETTINGS,
        stripe=StripeAdapter(SETTINGS),
        loaders=Loaders(),
        request_id=uuid.uuid4().hex,
    )
    return GatewayTransportWSHandler(view, adapter, context, None, view.schema, wait)


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


def test_sockets_of_one_principal_share_one_object_while_any_holds_it() -> None:
    def principal(key: str) -> Principal:
        return Principal(kind="api_key", id=key, scopes=effective_scopes([Scope.READ]))

    first = _shared_principal(principal("key-1"))
    same = _shared_principal(principal("key-1")) is first
    other = _shared_principal(principal("key-2"))
    distinct = other is not first and other != first
    assert same and distinct
    del other
    gc.collect()
    assert list(gateway_app._socket_principals.values()) == [first], "only held principals are kept"
    del first
    gc.collect()
    assert len(gateway_app._socket_principals) == 0
