"""The one mutation path (`billing.mutations`): its steps, what the ledger keeps, the audit, the money lock.

On an SQLite file (embedded mode): the path is the same on PostgreSQL, where the e2e tests drive it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import pytest_asyncio

from base.error_codes import ErrorCode
from base.principals import Principal, Scope, effective_scopes
from billing.ledger import derive_stripe_key
from billing.loaders import Loaders
from billing.money_locks import money_lock
from billing.mutation_errors import MutationError
from billing.mutations import (
    WRITE_ATTEMPTS,
    MutationCall,
    Outcome,
    Snapshot,
    StripeKeys,
    run_local_mutation,
    run_mutation,
)
from billing.request_context import Context
from models import AuditEntry, Customer, IdempotencyRecord
from stripe_provider.adapter import StripeAdapter
from stripe_provider.provider_errors import ProviderError
from tests.support.database import tortoise_on

WRITER = Principal(kind="api_key", id="test-writer", scopes=effective_scopes([Scope.WRITE]))


@pytest_asyncio.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[Context]:
    async with tortoise_on(f"sqlite://{tmp_path / 'mirror.sqlite3'}", money_lock_wait_seconds=0.2) as settings:
        stripe = StripeAdapter(settings)
        yield Context(principal=WRITER, settings=settings, stripe=stripe, loaders=Loaders(), request_id="req-1")
        await stripe.aclose()


class Steps:
    """A mutation's three steps, recording what each was given; `fail` makes one of them raise."""

    def __init__(self, fail: dict[str, BaseException] | None = None) -> None:
        self.fail = fail or {}
        self.calls: list[str] = []
        self.keys: StripeKeys | None = None

    def _maybe_fail(self, step: str) -> None:
        self.calls.append(step)
        if step in self.fail:
            raise self.fail[step]

    async def validate(self) -> str:
        self._maybe_fail("validate")
        return "cus_checked"

    async def call_stripe(self, checked: str, keys: StripeKeys) -> dict[str, Any]:
        self._maybe_fail("call_stripe")
        self.keys = keys
        return {"id": checked, "client_secret": "seti_secret"}

    async def write(self, checked: str, answered: dict[str, Any]) -> Outcome:
        row = await Customer.create(stripe_id=answered["id"], email="a@example.com")
        self._maybe_fail("write")
        return Outcome(rows={"customer": row}, fields={"clientSecret": answered["client_secret"]})


async def run(ctx: Context, steps: Steps, key: str = "k1", **kw: Any) -> Snapshot:
    return await run_mutation(
        ctx,
        MutationCall("createCustomer", key),
        {"email": "a@example.com"},
        validate=steps.validate,
        call_stripe=steps.call_stripe,
        write=steps.write,
        **kw,
    )


async def test_a_success_is_stored_with_its_audit_entry_and_replayed_without_steps(ctx: Context) -> None:
    steps = Steps()
    response = await run(ctx, steps)
    row = await Customer.get(stripe_id="cus_checked")
    assert response["customer"]["id"] == str(row.id)
    assert response["clientSecret"] == "seti_secret"
    assert response["userErrors"] == []
    assert steps.calls == ["validate", "call_stripe", "write"]
    record = await IdempotencyRecord.get(key="k1")
    assert record.response == response
    entries = await AuditEntry.all()
    assert [(e.operation, e.outcome, e.idempotency_key) for e in entries] == [("createCustomer", "ok", "k1")]

    again = Steps()
    assert await run(ctx, again) == response
    assert again.calls == []
    assert await AuditEntry.all().count() == 1, "a replay writes no audit entry"


async def test_the_stripe_step_gets_keys_not_the_attempt(ctx: Context) -> None:
    steps = Steps()
    await run(ctx, steps)
    assert steps.keys is not None
    assert steps.keys.stripe_key("customer") == derive_stripe_key(
        WRITER.ledger_scope, "k1", "createCustomer", "customer"
    )
    assert not steps.keys.resumed
    assert not hasattr(steps.keys, "complete")


async def test_a_validation_error_gives_the_key_back_and_is_audited_once(ctx: Context) -> None:
    steps = Steps({"validate": MutationError(ErrorCode.VALIDATION_FAILED, "bad", ["input", "email"])})
    response = await run(ctx, steps)
    assert response == {
        "userErrors": [{"code": ErrorCode.VALIDATION_FAILED, "message": "bad", "field": ["input", "email"]}]
    }
    assert steps.calls == ["validate"]
    assert not await IdempotencyRecord.exists(key="k1")
    assert [e.outcome for e in await AuditEntry.all()] == [ErrorCode.VALIDATION_FAILED]


async def test_a_decline_is_stored_and_replayed(ctx: Context) -> None:
    decline = ProviderError(ErrorCode.CARD_DECLINED, "Your card was declined.", decline_code="insufficient_funds")
    response = await run(ctx, Steps({"call_stripe": decline}))
    assert response["userErrors"][0]["declineCode"] == "insufficient_funds"
    again = Steps()
    assert await run(ctx, again) == response
    assert again.calls == []
    assert [e.outcome for e in await AuditEntry.all()] == [ErrorCode.CARD_DECLINED]


async def test_stripe_unavailable_gives_the_key_back(ctx: Context) -> None:
    response = await run(ctx, Steps({"call_stripe": ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, "down")}))
    assert response["userErrors"][0]["code"] == ErrorCode.PROVIDER_UNAVAILABLE
    assert not await IdempotencyRecord.exists(key="k1")
    assert [e.outcome for e in await AuditEntry.all()] == [ErrorCode.PROVIDER_UNAVAILABLE]
    assert (await run(ctx, Steps()))["userErrors"] == [], "the same key works again"


async def test_a_failing_write_rolls_back_the_mirror_and_stores_nothing(ctx: Context) -> None:
    steps = Steps({"write": RuntimeError("boom")})
    try:
        await run(ctx, steps)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the write's error must propagate")
    assert not await Customer.exists(stripe_id="cus_checked"), "the write's transaction rolled back"
    assert not await IdempotencyRecord.exists(key="k1")
    assert [e.outcome for e in await AuditEntry.all()] == ["error"]


async def test_a_held_money_lock_is_object_busy_before_stripe(ctx: Context) -> None:
    steps = Steps()
    locked: list[str] = []

    def lock(checked: str) -> tuple[str, str]:
        locked.append(checked)
        return "payment", "p1"

    async with money_lock(ctx.settings, "payment", "p1"):
        response = await run(ctx, steps, lock=lock)
    assert locked == ["cus_checked"], "the lock is named from what validation found"
    assert response["userErrors"][0]["code"] == ErrorCode.OBJECT_BUSY
    assert steps.calls == ["validate"], "nothing reached Stripe"
    assert not await IdempotencyRecord.exists(key="k1")
    assert (await run(ctx, Steps(), lock=lock))["userErrors"] == [], "a free lock lets the call run"


async def test_a_local_mutation_has_no_stripe_step(ctx: Context) -> None:
    async def validate() -> str:
        return "cus_local"

    async def write(checked: str) -> Outcome:
        return Outcome(rows={"customer": await Customer.create(stripe_id=checked)}, fields={"count": 1})

    call = MutationCall("revokeCustomerSessions", "k2")
    response = await run_local_mutation(ctx, call, {"customerId": "x"}, validate=validate, write=write)
    assert response["count"] == 1 and response["customer"]["stripe_id"] == "cus_local"
    assert [e.operation for e in await AuditEntry.all()] == ["revokeCustomerSessions"]


async def test_rows_left_out_answer_null(ctx: Context) -> None:
    async def write(checked: str, answered: None) -> Outcome:
        return Outcome(rows={"customer": None}, user_errors=[{"code": "PAYMENT_FAILED", "message": "no"}])

    async def no_stripe(checked: str, keys: StripeKeys) -> None:
        return None

    async def validate() -> str:
        return uuid.uuid4().hex

    response = await run_mutation(
        ctx, MutationCall("payInvoice", "k3"), {}, validate=validate, call_stripe=no_stripe, write=write
    )
    assert response == {"customer": None, "userErrors": [{"code": "PAYMENT_FAILED", "message": "no"}]}
    assert (await IdempotencyRecord.get(key="k3")).response == response, "extra userErrors are stored"


class ConflictingWrites(Steps):
    """A write PostgreSQL undoes for a conflict (a deadlock with a webhook's transaction) `times` times."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    async def write(self, checked: str, answered: dict[str, Any]) -> Outcome:
        outcome = await super().write(checked, answered)
        if self.calls.count("write") <= self.times:
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return outcome


async def test_a_write_undone_for_a_conflict_runs_again_without_calling_stripe_again(ctx: Context) -> None:
    steps = ConflictingWrites(times=WRITE_ATTEMPTS - 1)
    response = await run(ctx, steps)
    [row] = await Customer.filter(stripe_id="cus_checked")
    assert response["userErrors"] == [] and response["customer"]["id"] == str(row.id)
    assert steps.calls == ["validate", "call_stripe", *["write"] * WRITE_ATTEMPTS]
    assert [e.outcome for e in await AuditEntry.all()] == ["ok"]
    assert await IdempotencyRecord.exists(key="k1")


async def test_a_write_that_keeps_conflicting_fails_and_stores_nothing(ctx: Context) -> None:
    steps = ConflictingWrites(times=WRITE_ATTEMPTS)
    with pytest.raises(asyncpg.DeadlockDetectedError):
        await run(ctx, steps)
    assert steps.calls.count("write") == WRITE_ATTEMPTS and steps.calls.count("call_stripe") == 1
    assert not await Customer.exists(stripe_id="cus_checked")
    assert not await IdempotencyRecord.exists(key="k1")
