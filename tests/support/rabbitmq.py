"""The machine's RabbitMQ for the broker tests: one vhost per use, made and deleted here with `rabbitmqctl`.

`RABBITMQ_HOST` / `RABBITMQ_PORT` (default 127.0.0.1:5672, user guest/guest). A test needing RabbitMQ
fails, naming the address, when it is down or `rabbitmqctl` is missing: never a skip (docs/testing.md).
Every queue the tests' brokers declare lives in a vhost `bgw_test_<random>` made for them, deleted
with everything in it afterwards: nothing outside it is touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

RABBITMQ_HOST = os.environ.get("RABBITMQ_HOST", "127.0.0.1")
RABBITMQ_PORT = int(os.environ.get("RABBITMQ_PORT", "5672"))
USER = "guest"
CTL_TIMEOUT_SECONDS = 60


def _ctl(*args: str) -> str:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        pytest.fail("rabbitmqctl is required for the RabbitMQ tests (Debian package rabbitmq-server; see .ci/run)")
    result = subprocess.run(
        [ctl, "-q", *args], capture_output=True, text=True, timeout=CTL_TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def require_rabbitmq() -> None:
    """Fail the test, naming the address, when nothing answers on RabbitMQ's port."""
    try:
        socket.create_connection((RABBITMQ_HOST, RABBITMQ_PORT), timeout=2).close()
    except OSError as exc:
        pytest.fail(
            f"RabbitMQ is required at {RABBITMQ_HOST}:{RABBITMQ_PORT} (start it: rabbitmq-server -detached): {exc!r}"
        )


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """An `amqp://` URL on a fresh vhost of the machine's RabbitMQ, deleted (with its queues) afterwards."""
    require_rabbitmq()
    vhost = f"bgw_test_{uuid.uuid4().hex[:12]}"
    _ctl("add_vhost", vhost)
    try:
        _ctl("set_permissions", "-p", vhost, USER, ".*", ".*", ".*")
        yield f"amqp://{USER}:{USER}@{RABBITMQ_HOST}:{RABBITMQ_PORT}/{vhost}"
    finally:
        _ctl("delete_vhost", vhost)


def queue_depths(vhost_url: str) -> dict[str, int]:
    """Ready + unacked messages per queue of the URL's vhost (`rabbitmqctl list_queues`)."""
    vhost = vhost_url.rsplit("/", 1)[1]
    out = _ctl("list_queues", "-p", vhost, "--no-table-headers", "name", "messages")
    depths: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            depths[parts[0]] = int(parts[1])
    return depths
