"""The machine's NATS server (JetStream) for the stream sink's tests: one stream per test, deleted after it.

`NATS_URL` (default `nats://127.0.0.1:4222`). A test needing NATS fails, naming the URL, when it is
down: a missing service is never a skip (docs/testing.md).
Each `SinkStream` has a unique stream name and subject prefix, and `delete()` removes that stream only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest
from nats.js.errors import NotFoundError

NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")


async def _quiet(error: Exception) -> None:
    """nats-py's error callback: the failure is reported once, by `require_nats`."""


async def require_nats() -> None:
    """Fail the test, naming the URL, when the NATS server with JetStream does not answer."""
    try:
        client = await nats.connect(
            NATS_URL, connect_timeout=2, max_reconnect_attempts=1, reconnect_time_wait=0.1, error_cb=_quiet
        )
        try:
            await client.jetstream().account_info()
        finally:
            await client.close()
    except Exception as exc:  # any failure means the service is missing
        pytest.fail(f"NATS with JetStream is required at NATS_URL={NATS_URL} (run nats-server -js): {exc!r}")


@dataclass
class Received:
    """One message read back from the stream."""

    msg_id: str
    subject: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SinkStream:
    """A stream name and subject prefix unique to one test run."""

    stream: str = field(default_factory=lambda: f"BGW_TEST_{uuid.uuid4().hex[:12].upper()}")
    prefix: str = field(default_factory=lambda: f"bgwtest.{uuid.uuid4().hex[:12]}")

    def env(self) -> dict[str, str]:
        """The sink's settings as keyword overrides of `gateway_env`."""
        return {
            "event_sink_url": NATS_URL,
            "event_sink_stream": self.stream,
            "event_sink_subject_prefix": self.prefix,
            "event_sink_interval_seconds": "0.2",
        }

    async def messages(self) -> list[Received]:
        """Every message in the stream, in stream order, read by an ephemeral pull consumer."""
        client = await nats.connect(NATS_URL, connect_timeout=2)
        try:
            js = client.jetstream()
            try:
                info = await js.stream_info(self.stream)
            except NotFoundError:
                return []
            total = info.state.messages
            subscription = await js.pull_subscribe(f"{self.prefix}.>", stream=self.stream)
            found: list[Received] = []
            while len(found) < total:
                batch = await subscription.fetch(min(100, total - len(found)), timeout=5)
                for message in batch:
                    headers = dict(message.headers or {})
                    body = json.loads(message.data)
                    found.append(Received(headers.get("Nats-Msg-Id", ""), message.subject, body, headers))
                    await message.ack()
            await subscription.unsubscribe()
            return found
        finally:
            await client.close()

    async def count(self) -> int:
        """How many messages the stream holds (0 before it exists)."""
        client = await nats.connect(NATS_URL, connect_timeout=2)
        try:
            try:
                info = await client.jetstream().stream_info(self.stream)
            except NotFoundError:
                return 0
            return int(info.state.messages)
        finally:
            await client.close()

    async def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The stream's messages once it holds at least `count` (deadline-polled)."""
        deadline = time.monotonic() + timeout
        while True:
            found = await self.messages()
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"{self.stream}: {len(found)} of {count} messages in {timeout:.0f} s"
            await asyncio.sleep(0.2)

    async def delete(self) -> None:
        """Delete this test's stream (only it), if it was created."""
        client = await nats.connect(NATS_URL, connect_timeout=2)
        try:
            with contextlib.suppress(NotFoundError):
                await client.jetstream().delete_stream(self.stream)
        finally:
            await client.close()
