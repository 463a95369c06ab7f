"""Baseline of benchmark 6: a raw Starlette WebSocket broadcast of one pre-serialised frame.

`/ws` accepts any socket and keeps it in a set. A trigger, a message on the Redis
pub/sub channel `BENCH_BROADCAST_CHANNEL` (the same path a gateway process hears a worker's status
message on) or `POST /broadcast`, carries the frame's text; it is sent unchanged to
every socket, one `send_text` after another: no per-socket task, filter, database read
or GraphQL execution. `GET /count` answers how many sockets are open. Served by uvicorn
with the gateway's settings (per-message deflate off; `bench.harness.uvicorn_argv`):

    BENCH_REDIS_URL=redis://… BENCH_BROADCAST_CHANNEL=bench:broadcast \
        python -m uvicorn bench.baselines.ws_broadcast:app --port P --ws-per-message-deflate false
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["DEFAULT_CHANNEL", "app", "create_app"]

DEFAULT_CHANNEL = "bench:broadcast"


def create_app(redis_url: str | None = None, channel: str | None = None) -> Starlette:
    """The broadcast app; it listens on Redis (`BENCH_REDIS_URL`, channel `BENCH_BROADCAST_CHANNEL`) when unset."""
    sockets: set[WebSocket] = set()

    async def broadcast(frame: str) -> int:
        sent = 0
        for socket in list(sockets):
            try:
                await socket.send_text(frame)
                sent += 1
            except Exception:  # A peer gone mid-broadcast must not stop the others.
                sockets.discard(socket)
        return sent

    async def listen(url: str, name: str) -> None:
        client = aioredis.Redis.from_url(url)
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(name)
                async for raw in pubsub.listen():
                    if raw.get("type") == "message":
                        data = raw["data"]
                        await broadcast(data.decode() if isinstance(data, bytes) else str(data))
        finally:
            await client.aclose()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        url = redis_url or os.environ.get("BENCH_REDIS_URL")
        name = channel or os.environ.get("BENCH_BROADCAST_CHANNEL") or DEFAULT_CHANNEL
        listener = asyncio.create_task(listen(url, name)) if url else None
        try:
            yield
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def endpoint(websocket: WebSocket) -> None:
        requested = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol=requested[0] if requested else None)
        sockets.add(websocket)
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(websocket)

    async def trigger(request: Request) -> Response:
        sent = await broadcast((await request.body()).decode())
        return JSONResponse({"sent": sent})

    async def count(_request: Request) -> Response:
        return JSONResponse({"sockets": len(sockets)})

    return Starlette(
        routes=[
            WebSocketRoute("/ws", endpoint),
            Route("/broadcast", trigger, methods=["POST"]),
            Route("/count", count),
            Route("/health", count),
        ],
        lifespan=lifespan,
    )


app = create_app()
"""The app as `python -m uvicorn bench.baselines.ws_broadcast:app` serves it (configured from the environment)."""
