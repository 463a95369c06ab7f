"""The optional stream sink: every outbox event, in `sequence` order, to NATS JetStream (docs/event-sinks.md).

`EVENT_SINK_URL` set: the worker (and embedded `serve`) runs `sink_forever(settings)` beside the
inbox sweeper. Each round (`publish_pending`) reads the outbox after the sink's stored position
(`models.EventSinkPosition`, named `nats:<stream>`), publishes each event's envelope
(`billing.outbox.envelope`, the JSON the catalogue describes) to `<prefix>.<type>` with
`Nats-Msg-Id` = the event id, waits for the stream's PubAck, and only then moves the position.

At least once, in order, with broker-side dedupe: a publisher killed between a PubAck and the
position's commit publishes those events again on its next round, and JetStream drops them as
duplicates of their `Nats-Msg-Id` within the stream's duplicate window
(`EVENT_SINK_DUPLICATE_WINDOW_SECONDS`). One publisher at a time: on PostgreSQL a round holds a
transaction-level advisory lock (`SINK_LOCK`, try-lock: a second worker skips the round), so
two worker processes never interleave and the stream's order is the outbox's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from base.settings import Settings
from billing.outbox import envelope
from models import EventSinkPosition, OutboxEvent

__all__ = [
    "SINK_LOCK",
    "NatsSink",
    "SinkRound",
    "publish_pending",
    "sink_forever",
    "subject_of",
]

log = logging.getLogger("billing.event_sink")

SINK_LOCK: Final = 0x6E617473  # "nats"
"""The transaction-level advisory lock a publishing round holds (one publisher per database)."""

PUBLISH_TIMEOUT_SECONDS: Final = 5.0
"""How long one publish waits for its PubAck before the round stops (the position keeps what was acknowledged)."""

MAX_BACKOFF_SECONDS: Final = 30.0


async def _connection_error(error: Exception) -> None:
    """nats-py's error callback: one line, not its default traceback per attempt."""
    log.warning("event sink connection: %r", error)


def subject_of(prefix: str, event_type: str) -> str:
    """`billing.events` + `payment.succeeded` → `billing.events.payment.succeeded`."""
    return f"{prefix}.{event_type}"


class NatsSink:
    """One JetStream connection: `await sink.open()`, `publish(event)`, `await sink.aclose()`."""

    def __init__(self, settings: Settings) -> None:
        self.servers = [url.strip() for url in settings.event_sink_url.split(",") if url.strip()]
        self.stream = settings.event_sink_stream
        self.prefix = settings.event_sink_subject_prefix.rstrip(".")
        self.duplicate_window = settings.event_sink_duplicate_window_seconds
        self.name = f"nats:{self.stream}"
        self._client: NatsClient | None = None
        self._js: JetStreamContext | None = None

    async def open(self) -> None:
        """Connect and create the stream when missing (an existing stream is left as it is)."""
        client = await nats.connect(
            servers=self.servers,
            connect_timeout=2,
            max_reconnect_attempts=3,  # then the round fails and `sink_forever` opens a new connection
            error_cb=_connection_error,
        )
        self._client = client
        self._js = client.jetstream(timeout=PUBLISH_TIMEOUT_SECONDS)
        await self.ensure_stream()

    async def ensure_stream(self) -> None:
        js = self.jetstream
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.prefix}.>"],
                    duplicate_window=self.duplicate_window,
                )
            )
            log.info("created JetStream stream %s (subjects %s.>)", self.stream, self.prefix)

    @property
    def jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("the NATS sink is not open")
        return self._js

    async def publish(self, event: OutboxEvent) -> bool:
        """Publish one event and wait for its PubAck; True when the stream took it as a duplicate."""
        body = json.dumps(envelope(event), separators=(",", ":")).encode()
        ack = await self.jetstream.publish(
            subject_of(self.prefix, event.type),
            body,
            timeout=PUBLISH_TIMEOUT_SECONDS,
            stream=self.stream,
            headers={
                "Nats-Msg-Id": str(event.id),
                "Billing-Event-Type": event.type,
                "Billing-Object-Id": event.object_id,
            },
        )
        return bool(ack.duplicate)

    async def aclose(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            try:
                await client.drain()
            except Exception:  # closing a broken connection: nothing to do but drop it
                await client.close()


@dataclass
class SinkRound:
    """What one round did: events published (duplicates among them), and the position after it."""

    published: int = 0
    duplicates: int = 0
    position: int = 0
    skipped: bool = False
    """Another publisher held the lock: nothing was read."""


async def _round(sink: NatsSink, client: BaseDBAsyncClient, limit: int) -> SinkRound:
    done = SinkRound()
    if client.capabilities.dialect == "postgres":
        rows = await client.execute_query_dict("SELECT pg_try_advisory_xact_lock($1) AS taken", [SINK_LOCK])
        if not rows[0]["taken"]:
            done.skipped = True
            return done
    position = await EventSinkPosition.filter(name=sink.name).using_db(client).first()
    after = 0 if position is None else position.sequence
    done.position = after
    events: Sequence[OutboxEvent] = (
        await OutboxEvent.filter(sequence__gt=after).using_db(client).order_by("sequence").limit(limit)
    )
    failure: BaseException | None = None
    for event in events:
        try:
            duplicate = await sink.publish(event)
        except Exception as exc:  # stop the round; keep what was acknowledged
            failure = exc
            break
        done.published += 1
        done.duplicates += int(duplicate)
        done.position = event.sequence
    if done.position != after:
        if position is None:
            await EventSinkPosition.create(name=sink.name, sequence=done.position, using_db=client)
        else:
            await EventSinkPosition.filter(name=sink.name).using_db(client).update(sequence=done.position)
    if failure is not None:
        log.warning("event sink stopped at sequence %d: %r", done.position, failure)
        raise failure
    return done


async def publish_pending(sink: NatsSink, *, limit: int = 100) -> SinkRound:
    """One round: up to `limit` outbox events after the sink's position, each acknowledged, then the position.

    On PostgreSQL the round is one transaction under `SINK_LOCK` (skipped when another publisher holds
    it); a publish that fails ends the round after storing the position of the last acknowledged event,
    then raises. On SQLite (embedded mode, one process) no lock is needed and none is taken.
    """
    client = connections.get("default")
    if client.capabilities.dialect != "postgres":
        return await _round(sink, client, limit)
    result: SinkRound | None = None
    failure: BaseException | None = None
    async with in_transaction() as transaction:
        try:
            result = await _round(sink, transaction, limit)
        except Exception as exc:  # commit the acknowledged part, then raise
            failure = exc
    if failure is not None:
        raise failure
    assert result is not None
    return result


async def sink_forever(settings: Settings) -> None:
    """Publish the outbox to the sink until cancelled: at once while there is a backlog, else every interval.

    A connection or publish failure closes the connection and tries again after a backoff (up to 30 s).
    """
    sink = NatsSink(settings)
    backoff = settings.event_sink_interval_seconds
    opened = False
    try:
        while True:
            try:
                if not opened:
                    await sink.open()
                    opened = True
                    log.info("event sink publishing to stream %s", sink.stream)
                done = await publish_pending(sink, limit=settings.event_sink_batch_size)
                if done.duplicates:
                    log.info(
                        "event sink: %d events published again, dropped by the stream as duplicates", done.duplicates
                    )
                backoff = settings.event_sink_interval_seconds
                if done.published >= settings.event_sink_batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event sink round failed; retrying in %.1f s", backoff)
                await sink.aclose()
                opened = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            await asyncio.sleep(settings.event_sink_interval_seconds)
    finally:
        await sink.aclose()
