"""graphql-transport-ws from tests: an acknowledged socket, a subscription the server has taken, the close."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection


def ws_url(base_url: str) -> str:
    """`ws://host:port/graphql` of a gateway at `http://host:port`."""
    return base_url.replace("http://", "ws://", 1).rstrip("/") + "/graphql"


async def connect(base_url: str, token: str, timeout: float = 5.0) -> ClientConnection:
    """A socket after `connection_init` with `token`: acknowledged, or closed by the server (read `close_code`)."""
    ws = await websockets.connect(ws_url(base_url), subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
    try:
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    except websockets.ConnectionClosed:
        return ws
    assert ack["type"] == "connection_ack", ack
    return ws


async def subscribe(ws: ClientConnection, query: str, variables: dict[str, Any], timeout: float = 5.0) -> str:
    """Start an operation and wait until the server has taken it (a ping sent after it is answered)."""
    operation_id = uuid.uuid4().hex
    await ws.send(
        json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
    )
    # The server handles one socket's messages in order: the pong comes after the subscribe was handled.
    await ws.send(json.dumps({"type": "ping"}))
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        assert message.get("type") != "error" and "errors" not in (message.get("payload") or {}), message
        if message.get("type") == "pong":
            return operation_id


async def wait_closed(ws: ClientConnection, timeout: float) -> tuple[int | None, str | None]:
    """Read (answering pings) until the server closes the socket; its close code and reason."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
    except websockets.ConnectionClosed:
        return ws.close_code, ws.close_reason
    except TimeoutError:
        raise AssertionError(f"the server did not close the socket within {timeout} s") from None
