"""Issue 18, acceptance 1 and 4: `billing-gateway serve --workers 2`, against real processes.

One `serve` with two worker processes on one port (PostgreSQL, Redis, localstripe). Which process
answered a request is read from its access line (`pid`), found by the request's own `X-Request-Id`.
Every request goes on a fresh connection (`Connection: close`): a kept-alive one stays with one process.

- both processes answer, and `/metrics` (on either) counts every request and live subscriber of both;
- SIGTERM to `serve`: a request whose body is still on its way (its `100 Continue` proves the app
  is reading it) gets its 200 once the body arrives, and an open WebSocket gets 1012;
- SIGHUP: both workers replaced one by one, requests answered all along;
- a revoked API key, verified (and so cached) by both processes before, is refused by both
  within a second of `billing-gateway api-keys revoke` returning;
- a worker whose start-up fails (a DATABASE_URL PostgreSQL cannot parse) makes `serve` exit 3,
  promptly, with one line saying why and no traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from base.redis_names import RedisNames
from tests.support.gateway import GatewayFactory, GatewayProcess, cli_path, gateway_env
from tests.support.metrics import scrape, total, wait_for_metric
from tests.support.net import free_port
from tests.support.poll import wait_until
from tests.support.ws import connect, subscribe, wait_closed

WORKERS = ("--workers", "2")
QUERY = json.dumps({"query": "{ __typename }"}).encode()
REVOCATION_DEADLINE_SECONDS = 1.0
"""Acceptance 4: a revoked key is refused by every process within a second."""
RELOAD_POLL_SECONDS = 0.1
BOTH_DEADLINE_SECONDS = 60.0
"""Generous: how the kernel spreads connections over the two processes is its business."""
FAILED_START_DEADLINE_SECONDS = 45.0
"""Below `WORKER_READY_SECONDS` (60): a worker that failed must not keep `serve` waiting on its ping."""

_FIELD = re.compile(r"(\w+)=(\S+)")


def _access_lines(gateway: GatewayProcess) -> dict[str, dict[str, str]]:
    """The access lines of `serve` so far, by request id."""
    lines: dict[str, dict[str, str]] = {}
    for line in gateway.log_text().splitlines():
        if "http request" in line and "[gateway.access]" in line:
            fields = dict(_FIELD.findall(line))
            if "request_id" in fields:
                lines[fields["request_id"]] = fields
    return lines


def _worker_pids(gateway: GatewayProcess) -> set[int]:
    return {int(pid) for pid in re.findall(r"gateway worker process (\d+) starting", gateway.log_text())}


async def _post(http: httpx.AsyncClient, key: str) -> tuple[str, int, float]:
    """One GraphQL request on its own connection: (request id, status, when it was sent)."""
    request_id = uuid.uuid4().hex
    sent_at = time.monotonic()
    response = await http.post(
        "/graphql",
        content=QUERY,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "X-Request-Id": request_id,
            "Connection": "close",
        },
    )
    return request_id, response.status_code, sent_at


async def _pids_of(gateway: GatewayProcess, request_ids: list[str]) -> dict[str, int]:
    """The pid that answered each request (its access line is written as its response ends)."""

    def logged() -> bool:
        lines = _access_lines(gateway)
        return all(request_id in lines for request_id in request_ids)

    await wait_until(logged, "an access line for every request sent", timeout=10)
    lines = _access_lines(gateway)
    return {request_id: int(lines[request_id]["pid"]) for request_id in request_ids}


async def _until_both_answer(
    gateway: GatewayProcess, http: httpx.AsyncClient, key: str, wanted_status: int
) -> list[tuple[str, int, float, int]]:
    """Batches of concurrent requests until both processes answered `wanted_status`: (id, status, sent, pid) each."""
    answers: list[tuple[str, int, float, int]] = []
    deadline = time.monotonic() + BOTH_DEADLINE_SECONDS
    while len({pid for _, status, _, pid in answers if status == wanted_status}) < 2:
        assert time.monotonic() < deadline, f"both processes did not answer {wanted_status}: {answers[-10:]}"
        batch = await asyncio.gather(*(_post(http, key) for _ in range(6)))
        pids = await _pids_of(gateway, [request_id for request_id, _, _ in batch])
        answers += [(request_id, status, sent_at, pids[request_id]) for request_id, status, sent_at in batch]
    return answers


async def test_two_processes_serve_one_port_and_metrics_count_both(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(redis_url=redis_url, serve_args=WORKERS)
    key = gateway.create_api_key(name="workers-metrics")
    await wait_until(lambda: len(_worker_pids(gateway)) == 2, "two worker processes logged their pid")
    workers = _worker_pids(gateway)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        answers = await _until_both_answer(gateway, http, key, 200)
    assert {pid for _, _, _, pid in answers} == workers
    assert {status for _, status, _, _ in answers} == {200}
    # The mmap'd counters are written as each request ends: no wait for a sync.
    for _ in range(2):  # two scrapes on fresh connections: whichever process answers, it counts both
        samples = await scrape(gateway.url)
        assert total(samples, "gateway_http_requests_total", method="POST", path="/graphql", status="200") == len(
            answers
        )
    assert total(samples, "gateway_live_upstream_connected") == 1  # the minimum over the processes

    # Each process holds its own live hub subscription (status and credentials on one connection).
    names = RedisNames.for_url(redis_url)
    client = aioredis.Redis.from_url(redis_url)
    try:
        subscribers = dict(await client.pubsub_numsub(names.status_channel, names.credentials_channel))
    finally:
        await client.aclose()
    assert subscribers == {names.status_channel.encode(): 2, names.credentials_channel.encode(): 2}

    # Live subscribers, wherever their sockets landed, sum (each process copies its count within a second).
    sockets = [await connect(gateway.url, key) for _ in range(3)]
    try:
        for socket in sockets:
            await subscribe(socket, "subscription { paymentStatusChanged { status } }", {})
        await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda value: value == 3, timeout=10)
    finally:
        for socket in sockets:
            await socket.close()


async def test_sigterm_finishes_the_request_in_flight_and_closes_sockets_with_1012(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(redis_url=redis_url, serve_args=WORKERS, register_webhooks=False)
    key = gateway.create_api_key(name="workers-sigterm")
    await wait_until(lambda: len(_worker_pids(gateway)) == 2, "two worker processes logged their pid")
    socket = await connect(gateway.url, key)
    assert socket.close_code is None, socket.close_reason

    # A request whose body is on its way: `100 Continue` says the app is running it, reading the body.
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    request_id = uuid.uuid4().hex
    writer.write(
        (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{gateway.port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(QUERY)}\r\nX-Request-Id: {request_id}\r\n"
            "Expect: 100-continue\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    continue_line = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert continue_line.startswith(b"HTTP/1.1 100"), continue_line

    assert gateway.process.proc is not None
    os.kill(gateway.process.proc.pid, signal.SIGTERM)  # the supervisor, as `kill <pid>` would
    code, _reason = await wait_closed(socket, timeout=30)
    assert code == 1012  # service restart: reconnect (to another instance) and subscribe again
    await wait_until(lambda: gateway.log_text().count("Shutting down") >= 2, "both processes shutting down", timeout=30)

    writer.write(QUERY)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"connection: close" in head.lower()  # no next request on it: the process is stopping
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert json.loads(await reader.readexactly(length)) == {"data": {"__typename": "Query"}}
    writer.close()

    await wait_until(lambda: not gateway.running, "serve exited after its workers", timeout=30)
    assert gateway.process.returncode == 0
    assert _access_lines(gateway)[request_id]["status"] == "200"


async def test_a_revoked_key_is_refused_by_every_process_within_a_second(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(redis_url=redis_url, serve_args=WORKERS, register_webhooks=False)
    key = gateway.create_api_key(name="workers-revoked")
    await wait_until(lambda: len(_worker_pids(gateway)) == 2, "two worker processes logged their pid")
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        # Both processes verified the key (and keep it: their next request skips the database).
        await _until_both_answer(gateway, http, key, 200)

        announced = await asyncio.to_thread(gateway.cli, "api-keys", "revoke", gateway.api_key_id("workers-revoked"))
        revoked_at = time.monotonic()
        assert "announced to 2 gateway process(es)" in announced, announced

        answers = await _until_both_answer(gateway, http, key, 401)
    late = [answer for answer in answers if answer[1] == 200 and answer[2] > revoked_at + REVOCATION_DEADLINE_SECONDS]
    assert late == [], f"the revoked key still worked more than {REVOCATION_DEADLINE_SECONDS} s after: {late}"
    assert {status for _, status, _, _ in answers} <= {200, 401}


async def test_sighup_replaces_the_workers_one_by_one_without_refusing_a_request(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(redis_url=redis_url, serve_args=WORKERS, register_webhooks=False)
    key = gateway.create_api_key(name="workers-reload")
    await wait_until(lambda: len(_worker_pids(gateway)) == 2, "two worker processes logged their pid")
    old = _worker_pids(gateway)
    assert gateway.process.proc is not None
    os.kill(gateway.process.proc.pid, signal.SIGHUP)
    statuses: list[int] = []
    dropped = 0
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        deadline = time.monotonic() + BOTH_DEADLINE_SECONDS
        # Requests all along the reload: each is answered by an old worker or a new one, except that a
        # connection a stopping worker accepted but had not read a request from yet is closed unanswered
        # (uvicorn's shutdown; the request never ran, a client retries it): counted, not failed.
        while not (len(_worker_pids(gateway)) == 4 and gateway.log_text().count("Finished server process") >= 2):
            assert time.monotonic() < deadline, "the workers were not replaced"
            for outcome in await asyncio.gather(*(_post(http, key) for _ in range(4)), return_exceptions=True):
                if isinstance(outcome, httpx.ReadError | httpx.RemoteProtocolError):
                    dropped += 1
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    statuses.append(outcome[1])
            await asyncio.sleep(RELOAD_POLL_SECONDS)  # the log is polled for the reload's end, lightly
        answers = await _until_both_answer(gateway, http, key, 200)
    print(f"reload: {len(statuses)} requests answered, {dropped} connections closed before their request was read")
    assert set(statuses) == {200}, statuses
    assert len(statuses) > dropped
    new = _worker_pids(gateway) - old
    assert len(new) == 2 and {pid for _, _, _, pid in answers} == new
    assert gateway.running


def test_a_worker_that_cannot_start_makes_serve_exit_3_with_one_line(redis_url: str, tmp_path: Path) -> None:
    # Valid for the parent's checks, but PostgreSQL's URL parser (in each worker's start-up) refuses the port.
    env = gateway_env("postgres://u@127.0.0.1:notaport/nodb", "http://127.0.0.1:9", redis_url=redis_url)
    started = time.monotonic()
    result = subprocess.run(
        [str(cli_path()), "serve", *WORKERS, "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=FAILED_START_DEADLINE_SECONDS,
    )
    assert result.returncode == 3, result.stderr
    assert time.monotonic() - started < FAILED_START_DEADLINE_SECONDS
    reasons = [line for line in result.stderr.splitlines() if "could not start:" in line]
    assert reasons, result.stderr
    assert all("DATABASE_URL is not a usable PostgreSQL URL: Port is not an integer" in line for line in reasons), (
        reasons
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == (
        "error: a worker process could not start (its `could not start` line says why)"
    )
