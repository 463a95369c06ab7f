"""The sandbox `serve` starts honours `Idempotency-Key` the way Stripe does (issue 12, item 3).

The real sandbox process (`sandbox.launcher.StripeSandbox`: localstripe behind the
gateway's idempotency layer) on a free port, driven over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.launcher import StripeSandbox
from tests.support.net import free_port

AUTH = ("sk_test_sandbox", "")
OTHER_AUTH = ("sk_test_someone_else", "")


def _sandbox(test_logs: Path, *, idempotency: bool) -> Iterator[StripeSandbox]:
    port = free_port()
    sandbox = StripeSandbox(port, test_logs / f"sandbox-{port}.log", fresh=True, idempotency=idempotency)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sandbox(test_logs: Path) -> Iterator[StripeSandbox]:
    yield from _sandbox(test_logs, idempotency=True)


@pytest.fixture
def bare_sandbox(test_logs: Path) -> Iterator[StripeSandbox]:
    yield from _sandbox(test_logs, idempotency=False)


def post(
    sandbox: StripeSandbox, path: str, data: dict[str, str], key: str | None, auth: tuple[str, str] = AUTH
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return httpx.post(f"{sandbox.url}{path}", data=data, headers=headers, auth=auth, timeout=10.0)


def customers(sandbox: StripeSandbox, email: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{sandbox.url}/v1/customers", params={"email": email}, auth=AUTH, timeout=10.0)
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_same_key_and_body_replays_the_first_answer(sandbox: StripeSandbox) -> None:
    body = {"email": "same@example.com", "metadata[plan]": "gold"}
    first = post(sandbox, "/v1/customers", body, "k-same")
    again = post(sandbox, "/v1/customers", body, "k-same")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert [c["id"] for c in customers(sandbox, "same@example.com")] == [first.json()["id"]]
    # A refusal is a result too: replayed, not run again.
    bad = post(sandbox, "/v1/refunds", {"payment_intent": "pi_missing"}, "k-bad")
    assert (
        bad.status_code == 404
        and post(sandbox, "/v1/refunds", {"payment_intent": "pi_missing"}, "k-bad").content == bad.content
    )


def test_same_key_with_another_body_is_stripes_idempotency_error(sandbox: StripeSandbox) -> None:
    assert post(sandbox, "/v1/customers", {"email": "one@example.com"}, "k-other").status_code == 200
    other = post(sandbox, "/v1/customers", {"email": "two@example.com"}, "k-other")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert customers(sandbox, "two@example.com") == []


def test_keys_are_per_api_key_and_requests_without_one_are_not_deduplicated(sandbox: StripeSandbox) -> None:
    body = {"email": "scoped@example.com"}
    mine = post(sandbox, "/v1/customers", body, "k-scoped").json()["id"]
    theirs = post(sandbox, "/v1/customers", body, "k-scoped", auth=OTHER_AUTH).json()["id"]
    assert mine != theirs
    post(sandbox, "/v1/customers", body, None)
    assert len(customers(sandbox, "scoped@example.com")) == 3


def test_without_idempotency_the_sandbox_is_bare_localstripe(bare_sandbox: StripeSandbox) -> None:
    body = {"email": "bare@example.com"}
    first = post(bare_sandbox, "/v1/customers", body, "k-bare")
    again = post(bare_sandbox, "/v1/customers", body, "k-bare")
    assert first.json()["id"] != again.json()["id"]
    assert len(customers(bare_sandbox, "bare@example.com")) == 2
