"""The idempotency ledger against a real PostgreSQL: the four rules of docs/API.md."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from base.settings import Settings
from billing.ledger import (
    Attempt,
    LedgerRejection,
    derive_stripe_key,
    purge_expired,
    request_fingerprint,
    run_idempotent,
)
from models import IdempotencyRecord, LedgerStatus
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def ledger_settings(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("ledger")
    async with tortoise_on(url, idempotency_lock_timeout_seconds=1.0) as settings:
        yield settings


class Recorder:
    """An execute function that counts its calls and stores a response."""

    def __init__(self, response: dict[str, Any], hold: asyncio.Event | None = None, complete: bool = True) -> None:
        self.calls = 0
        self.response = response
        self.hold = hold
        self.complete = complete
        self.entered = asyncio.Event()
        """Set once a call runs: its claim is held until `hold` is set."""

    async def __call__(self, attempt: Attempt) -> dict[str, Any]:
        self.calls += 1
        self.entered.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.complete:
            await attempt.complete(self.response)
        return self.response


async def run(
    settings: Settings, key: str, execute: Recorder, payload: Any = None, **kw: str
) -> tuple[dict[str, Any], bool]:
    return await run_idempotent(
        settings,
        principal_scope=kw.get("principal", "api_key:test"),
        key=key,
        operation=kw.get("operation", "createCustomer"),
        payload=payload if payload is not None else {"email": "a@example.com"},
        execute=execute,
    )


async def test_same_key_same_input_replays_the_stored_response(ledger_settings: Settings) -> None:
    first = Recorder({"customer": {"id": "one"}, "userErrors": []})
    response, replayed = await run(ledger_settings, "replay-1", first)
    again = Recorder({"customer": {"id": "two"}, "userErrors": []})
    response2, replayed2 = await run(ledger_settings, "replay-1", again)
    assert (response, replayed) == ({"customer": {"id": "one"}, "userErrors": []}, False)
    assert (response2, replayed2) == (response, True)
    assert again.calls == 0


async def test_input_key_order_does_not_change_the_fingerprint() -> None:
    assert request_fingerprint("op", {"a": 1, "b": 2}) == request_fingerprint("op", {"b": 2, "a": 1})
    assert request_fingerprint("op", {"a": 1}) != request_fingerprint("op", {"a": 2})
    assert request_fingerprint("op", {"a": 1}) != request_fingerprint("other", {"a": 1})


@pytest.mark.parametrize(
    ("payload", "operation"),
    [({"email": "other@example.com"}, "createCustomer"), ({"email": "a@example.com"}, "updateCustomer")],
)
async def test_same_key_other_input_or_operation_is_rejected(
    ledger_settings: Settings, payload: dict[str, str], operation: str
) -> None:
    key = f"reuse-{operation}-{payload['email']}"
    await run(ledger_settings, key, Recorder({"ok": True}))
    second = Recorder({"ok": False})
    with pytest.raises(LedgerRejection) as info:
        await run(ledger_settings, key, second, payload=payload, operation=operation)
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert second.calls == 0


async def test_keys_are_scoped_to_the_principal(ledger_settings: Settings) -> None:
    await run(ledger_settings, "shared-key", Recorder({"who": "a"}), principal="api_key:a")
    other = Recorder({"who": "b"})
    response, replayed = await run(ledger_settings, "shared-key", other, principal="api_key:b")
    assert (response, replayed, other.calls) == ({"who": "b"}, False, 1)


async def test_concurrent_calls_with_one_key_execute_once(ledger_settings: Settings) -> None:
    hold = asyncio.Event()
    execute = Recorder({"customer": {"id": "only"}}, hold=hold)
    calls = [asyncio.create_task(run(ledger_settings, "concurrent-1", execute)) for _ in range(20)]
    # One call holds the claim until every other one has answered.
    deadline = time.monotonic() + 10
    while sum(call.done() for call in calls) < len(calls) - 1:
        assert time.monotonic() < deadline, [call.done() for call in calls]
        await asyncio.sleep(0.01)
    assert execute.entered.is_set()
    hold.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert execute.calls == 1
    outcomes = {
        r.code if isinstance(r, LedgerRejection) else ("replayed" if r[1] else "executed")  # type: ignore[index]
        for r in results
    }
    assert "executed" in outcomes
    assert outcomes <= {"executed", "replayed", "IDEMPOTENCY_KEY_IN_PROGRESS"}
    assert sum(1 for r in results if isinstance(r, tuple) and not r[1]) == 1


async def test_a_failed_execution_gives_the_key_back(ledger_settings: Settings) -> None:
    async def boom(attempt: Attempt) -> dict[str, Any]:
        raise RuntimeError("stripe unreachable")

    with pytest.raises(RuntimeError):
        await run_idempotent(
            ledger_settings, principal_scope="api_key:test", key="released-1", operation="op", payload={}, execute=boom
        )
    assert await IdempotencyRecord.filter(key="released-1").count() == 0
    retry = Recorder({"ok": True})
    assert await run_idempotent(
        ledger_settings, principal_scope="api_key:test", key="released-1", operation="op", payload={}, execute=retry
    ) == ({"ok": True}, False)


async def test_an_uncompleted_execution_is_not_stored(ledger_settings: Settings) -> None:
    invalid = Recorder({"userErrors": [{"code": "VALIDATION_FAILED"}]}, complete=False)
    await run(ledger_settings, "not-stored-1", invalid)
    assert await IdempotencyRecord.filter(key="not-stored-1").count() == 0


async def test_a_claim_whose_holder_died_is_taken_over(ledger_settings: Settings) -> None:
    stale = datetime.now(UTC) - timedelta(seconds=5)
    await IdempotencyRecord.create(
        principal="api_key:test",
        key="crashed-1",
        operation="createCustomer",
        request_hash=request_fingerprint("createCustomer", {"email": "a@example.com"}),
        status=LedgerStatus.IN_PROGRESS,
        created_at=stale,
        locked_at=stale,
    )
    retry = Recorder({"ok": "recovered"})
    assert await run(ledger_settings, "crashed-1", retry) == ({"ok": "recovered"}, False)
    record = await IdempotencyRecord.get(key="crashed-1")
    assert record.status == LedgerStatus.COMPLETED


async def test_a_live_claim_is_in_progress(ledger_settings: Settings) -> None:
    hold = asyncio.Event()
    execute = Recorder({"ok": True}, hold=hold)
    first = asyncio.create_task(run(ledger_settings, "live-1", execute))
    await asyncio.wait_for(execute.entered.wait(), 10)  # the first call holds its claim
    with pytest.raises(LedgerRejection) as info:
        await run(ledger_settings, "live-1", Recorder({"ok": False}))
    assert info.value.code == "IDEMPOTENCY_KEY_IN_PROGRESS"
    hold.set()
    assert (await first)[0] == {"ok": True}


async def test_purge_forgets_records_past_retention(ledger_settings: Settings) -> None:
    old = datetime.now(UTC) - timedelta(hours=25)
    await IdempotencyRecord.create(
        principal="api_key:purge",
        key="old",
        operation="op",
        request_hash="h",
        status=LedgerStatus.COMPLETED,
        created_at=old,
        response={},
    )
    await run(ledger_settings, "fresh", Recorder({"ok": True}), principal="api_key:purge")
    assert await purge_expired(ledger_settings) >= 1
    assert await IdempotencyRecord.filter(principal="api_key:purge").values_list("key", flat=True) == ["fresh"]


async def test_an_expired_key_may_be_used_again(ledger_settings: Settings) -> None:
    old = datetime.now(UTC) - timedelta(hours=25)
    await IdempotencyRecord.create(
        principal="api_key:test",
        key="expired-1",
        operation="op",
        request_hash="h",
        status=LedgerStatus.COMPLETED,
        created_at=old,
        response={"old": True},
    )
    fresh = Recorder({"new": True})
    response = await run_idempotent(
        ledger_settings, principal_scope="api_key:test", key="expired-1", operation="other", payload={}, execute=fresh
    )
    assert response == ({"new": True}, False)


def test_stripe_keys_are_deterministic_and_distinct() -> None:
    key = derive_stripe_key("api_key:a", "k", "createCustomer", "customer")
    assert key == derive_stripe_key("api_key:a", "k", "createCustomer", "customer")
    others = {
        derive_stripe_key("api_key:b", "k", "createCustomer", "customer"),
        derive_stripe_key("api_key:a", "k2", "createCustomer", "customer"),
        derive_stripe_key("api_key:a", "k", "createCustomer", "attach"),
    }
    assert key not in others and len(others) == 3
    assert len(key) <= 255
