"""The real `billing-gateway reconcile` and `billing-gateway webhooks list` commands, as subprocesses.

Each test has a fresh PostgreSQL database (migrated by `billing-gateway migrate`) and,
for reconcile, a fresh localstripe seeded with the same scenario as the in-process tests
(`tests/billing/test_reconcile.py`). stdout is checked line by line; stdin, stdout and
stderr are pipes, so the progress display runs in its non-terminal mode.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models import EventStatus, WebhookEvent
from tests.support.aliases import LocalStripeFactory, PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.gateway import cli_path, gateway_env, migrate
from tests.support.localstripe import stripe_request
from tests.support.reconcile import emulator_counts, seed

CLI_TIMEOUT_SECONDS = 60.0


@dataclass
class CliResult:
    """One finished `billing-gateway` run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """stdout's non-empty lines."""
        return [line for line in self.stdout.splitlines() if line.strip()]


def run(*args: str, env: Mapping[str, str], cwd: Path) -> CliResult:
    """`billing-gateway ARGS…` to completion, whatever its exit status (the tests check it)."""
    cwd.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(cli_path()), *args],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    return CliResult(result.returncode, result.stdout, result.stderr)


def summary(result: CliResult) -> dict[str, tuple[int, int, int]]:
    """The per-type summary lines of a reconcile run: kind → (created, updated, unchanged)."""
    found: dict[str, tuple[int, int, int]] = {}
    for line in result.lines:
        match = re.fullmatch(r"(\w+): (\d+) created, (\d+) updated, (\d+) unchanged.*", line)
        if match:
            found[match[1]] = (int(match[2]), int(match[3]), int(match[4]))
    return found


async def test_reconcile_pulls_everything_then_reports_no_changes(
    localstripe_factory: LocalStripeFactory, pg_database_factory: PgDatabaseFactory, test_logs: Path
) -> None:
    emulator = localstripe_factory()
    seeded = seed(emulator)
    expected = emulator_counts(emulator.url, seeded.customers)
    database_url = await pg_database_factory("cli_reconcile")
    env = gateway_env(database_url, emulator.url)
    workdir = test_logs / "cli-reconcile"
    migrate(database_url, env=env, log_path=workdir / "migrate.log")

    first = run("reconcile", env=env, cwd=workdir)

    assert first.returncode == 0, first.stderr
    assert summary(first) == {kind: (count, 0, 0) for kind, count in expected.items()}, first.stdout
    created = [line for line in first.lines if line.startswith("created ")]
    assert len(created) == sum(expected.values()), first.stdout
    for customer in seeded.customers:
        assert f"created customers {customer}" in created
    assert "Traceback" not in first.stderr

    # A change at Stripe, then the same data twice: one update, then nothing.
    target = seeded.customers[0]
    stripe_request(emulator.url, "POST", f"/v1/customers/{target}", data={"name": "Renamed"})
    second = run("reconcile", env=env, cwd=workdir)
    assert second.returncode == 0, second.stderr
    assert f"updated customers {target}: name" in second.lines, second.stdout
    assert summary(second)["customers"] == (0, 1, expected["customers"] - 1)

    third = run("reconcile", "--since", "2000-01-01", env=env, cwd=workdir)
    assert third.returncode == 0, third.stderr
    assert "no changes: the mirror matches Stripe" in third.lines, third.stdout
    assert summary(third) == {kind: (0, 0, count) for kind, count in expected.items()}, third.stdout
    assert not [line for line in third.lines if line.startswith(("created ", "updated "))]


async def test_reconcile_rejects_a_bad_date_and_a_missing_stripe(
    pg_database_factory: PgDatabaseFactory, test_logs: Path
) -> None:
    database_url = await pg_database_factory("cli_reconcile")
    workdir = test_logs / "cli-reconcile-errors"
    bad_date = run(
        "reconcile", "--since", "yesterday", env=gateway_env(database_url, "http://127.0.0.1:9"), cwd=workdir
    )
    assert bad_date.returncode == 2
    assert "--since 'yesterday' is not a date (YYYY-MM-DD)" in bad_date.stderr

    # Development without any Stripe setting: reconcile reads the sandbox of `serve`, and none
    # runs here (tests/e2e/test_sandbox_state.py runs it against one).
    env = gateway_env(database_url, gateway_env="development")
    env = {key: value for key, value in env.items() if not key.startswith("STRIPE_")}
    no_stripe = run("reconcile", env=env, cwd=workdir)
    assert no_stripe.returncode == 2
    assert "no sandbox is running for this database" in no_stripe.stderr
    assert "start `billing-gateway serve` in this directory first, or set STRIPE_API_KEY" in no_stripe.stderr


async def test_webhooks_list_shows_the_inbox_newest_first(
    pg_database_factory: PgDatabaseFactory, test_logs: Path
) -> None:
    database_url = await pg_database_factory("cli_webhooks")
    env = gateway_env(database_url)
    workdir = test_logs / "cli-webhooks"
    migrate(database_url, env=env, log_path=workdir / "migrate.log")
    now = datetime.now(UTC)
    error = "Traceback (most recent call last):\n  boom\nProviderError: PROVIDER_UNAVAILABLE " + "x" * 200
    rows = [
        ("evt_processed", "customer.created", EventStatus.PROCESSED, 1, None),
        ("evt_failed", "invoice.paid", EventStatus.FAILED, 5, error),
        ("evt_pending", "payment_intent.succeeded", EventStatus.PENDING, 0, None),
    ]
    async with tortoise_on(database_url):
        for index, (event_id, kind, status, attempts, last_error) in enumerate(rows):
            event = await WebhookEvent.create(
                stripe_event_id=event_id,
                type=kind,
                stripe_created=now,
                payload={"id": event_id, "type": kind},
                status=status,
                attempts=attempts,
                last_error=last_error,
            )
            # Distinct receive times, in the order of `rows`.
            await WebhookEvent.filter(id=event.id).update(created_at=now + timedelta(seconds=index))

    listed = run("webhooks", "list", env=env, cwd=workdir)
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.lines
    assert header.split()[:3] == ["stripe", "event", "id"]
    assert [line.split()[0] for line in lines] == ["evt_pending", "evt_failed", "evt_processed"]
    failed_line = lines[1]
    assert failed_line.split()[1:4] == ["invoice.paid", "failed", "5"]
    assert "Traceback (most recent call last): boom ProviderError" in failed_line  # one line, however long
    assert failed_line.endswith("…")

    only_failed = run("webhooks", "list", "--failed", env=env, cwd=workdir)
    assert [line.split()[0] for line in only_failed.lines[1:]] == ["evt_failed"]
    only_pending = run("webhooks", "list", "--pending", env=env, cwd=workdir)
    assert [line.split()[0] for line in only_pending.lines[1:]] == ["evt_pending"]
    both = run("webhooks", "list", "--failed", "--pending", "--limit", "1", env=env, cwd=workdir)
    assert [line.split()[0] for line in both.lines[1:]] == ["evt_pending"]
