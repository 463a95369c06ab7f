"""Issue 16, acceptance 5: `process-refund`, `webhook-status` and `subscription-info` against a running gateway.

The commands run as subprocesses with the session gateway's environment (its PostgreSQL
database, its localstripe): what they do shows in Stripe, in the mirror (read back over
GraphQL) and in the audit trail (`billing-gateway audit --json`). Errors are one line on
stderr with exit code 1, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from base.ids import to_global_id
from models import EventDelivery, EventStatus, WebhookEndpoint, WebhookEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.gateway import GatewayProcess, cli_path, gateway_env, migrate
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, list_all
from tests.support.operations import CREATE_SUBSCRIPTION, create_payment, customer_with_card, new_key, payload_of

OPERATOR = "e2e-ops"
CLI_TIMEOUT_SECONDS = 60.0


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(*args: str, env: Mapping[str, str], cwd: Path, stdin: str | None = None) -> CliResult:
    """`billing-gateway ARGS…` to completion; `stdin` is fed to it (None: a closed, non-terminal stdin)."""
    cwd.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(cli_path()), *args],
        env={**env, "BILLING_GATEWAY_OPERATOR": OPERATOR},
        cwd=cwd,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def assert_one_line_error(result: CliResult, *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    # The idempotency key is printed before the call, so that a failed one can be retried with it.
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("idempotency key: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def audit_entries(gateway: GatewayProcess, key: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        gateway.cli("audit", "--json", "--operation", "refundPayment", "--limit", "10000")
    )
    return [entry for entry in entries if entry["idempotency_key"] == key]


def stripe_refunds(emulator_url: str, payment_intent: str) -> list[dict[str, Any]]:
    return [r for r in list_all(emulator_url, "/v1/refunds") if r.get("payment_intent") == payment_intent]


PAYMENT_REFUNDS = """
query($id: ID!) { payment(id: $id) { amountRefunded refunds { edges { node { id stripeId amount } } } } }
"""


async def mirrored_refunds(graphql: GraphQLClient, payment_id: str) -> tuple[int, list[dict[str, Any]]]:
    body = await graphql.execute(PAYMENT_REFUNDS, {"id": payment_id})
    payment = body["data"]["payment"]
    return payment["amountRefunded"], [edge["node"] for edge in payment["refunds"]["edges"]]


@pytest.mark.timeout(240)
async def test_process_refund_asks_refunds_once_through_the_mutation_path_and_replays(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, test_logs: Path
) -> None:
    workdir = test_logs / "cli-process-refund"
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 1000)
    assert payment["status"] == "SUCCEEDED"

    # Answered "n": nothing refunded, nothing audited under the key it showed.
    declined_key = new_key()
    declined = run(
        "process-refund", payment["id"], "--amount", "300", "--idempotency-key", declined_key,
        env=gateway.env, cwd=workdir, stdin="n\n",
    )  # fmt: skip
    assert declined.returncode == 1, declined.stderr
    assert f"payment {payment['stripeId']}" in declined.stderr
    assert "1000 usd paid, 0 refunded, 1000 left" in declined.stderr
    assert "refund 300 usd, leaving 700 usd" in declined.stderr
    assert "error: not refunded: the confirmation was declined" in declined.stderr
    assert "Traceback" not in declined.stderr and declined.stdout == ""
    # No answer at all (a script without --yes): refused, clearly.
    unanswered = run("process-refund", payment["id"], env=gateway.env, cwd=workdir, stdin=None)
    assert "pass --yes" in unanswered.stderr.splitlines()[-1] and unanswered.returncode == 1
    assert stripe_refunds(localstripe.url, payment["stripeId"]) == []
    assert audit_entries(gateway, declined_key) == []
    assert await mirrored_refunds(graphql, payment["id"]) == (0, [])

    # Confirmed by --yes, named by its pi_ id: one refund at Stripe, in the mirror and in the audit trail.
    key = new_key()
    args = ("process-refund", payment["stripeId"], "--amount", "300", "--reason", "requested_by_customer")
    first = run(*args, "--yes", "--json", "--idempotency-key", key, env=gateway.env, cwd=workdir)
    assert first.returncode == 0, first.stderr
    report = first.json()
    assert set(report) == {"refund", "payment", "idempotency_key", "replayed"}
    assert set(report["refund"]) == {"id", "stripe_id", "amount", "currency", "status", "reason"}
    assert set(report["payment"]) == {
        "id", "stripe_id", "status", "amount", "amount_received", "amount_refunded", "left_to_refund", "currency",
    }  # fmt: skip
    assert report["refund"]["amount"] == 300 and report["refund"]["reason"] == "requested_by_customer"
    assert report["payment"]["id"] == payment["id"] and report["payment"]["left_to_refund"] == 700
    assert report["idempotency_key"] == key and report["replayed"] is False
    assert [r["amount"] for r in stripe_refunds(localstripe.url, payment["stripeId"])] == [300]
    amount_refunded, refunds = await mirrored_refunds(graphql, payment["id"])
    assert amount_refunded == 300 and [r["id"] for r in refunds] == [report["refund"]["id"]]
    [entry] = audit_entries(gateway, key)
    assert entry["principal"] == f"cli:{OPERATOR}" and entry["outcome"] == "ok"
    assert report["refund"]["id"] in entry["object_ids"]

    # The same key again: the stored answer, nothing new anywhere.
    again = run(*args, "--yes", "--json", "--idempotency-key", key, env=gateway.env, cwd=workdir)
    assert again.returncode == 0, again.stderr
    assert again.json()["replayed"] is True and again.json()["refund"]["id"] == report["refund"]["id"]
    assert len(stripe_refunds(localstripe.url, payment["stripeId"])) == 1
    assert len(audit_entries(gateway, key)) == 1
    assert (await mirrored_refunds(graphql, payment["id"]))[0] == 300

    # More than is left: one line, exit 1, nothing sent.
    too_much = run("process-refund", payment["id"], "--amount", "800", "--yes", env=gateway.env, cwd=workdir)
    assert_one_line_error(too_much, "only 700 usd is left to refund, not 800")
    assert len(stripe_refunds(localstripe.url, payment["stripeId"])) == 1

    # The rest, as a table; the generated key is printed so that a retry can reuse it.
    rest = run("process-refund", payment["id"], "--yes", env=gateway.env, cwd=workdir)
    assert rest.returncode == 0, rest.stderr
    assert f"refunded: 700 usd of payment {payment['stripeId']}" in rest.stdout
    assert "left to refund" in rest.stdout and f"cli:{OPERATOR}" in rest.stdout
    [printed_key] = [line.split()[2] for line in rest.stderr.splitlines() if line.startswith("idempotency key: ")]
    assert len(audit_entries(gateway, printed_key)) == 1
    nothing_left = run("process-refund", payment["id"], "--yes", env=gateway.env, cwd=workdir)
    assert_one_line_error(nothing_left, "nothing is left to refund")


@pytest.mark.timeout(240)
async def test_process_refund_rejects_bad_ids_and_options_on_one_line(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, test_logs: Path
) -> None:
    workdir = test_logs / "cli-process-refund-errors"
    customer, _ = await customer_with_card(graphql, localstripe.url)
    for bad, fragment in [
        ("nope", "no payment 'nope'"),
        ("pi_doesnotexist", "no payment 'pi_doesnotexist'"),
        (customer["id"], "is not the id of a Payment"),
        (str(to_global_id("Payment", uuid.uuid4())), "no payment"),
    ]:
        assert_one_line_error(run("process-refund", bad, "--yes", env=gateway.env, cwd=workdir), fragment)
    payment = await create_payment(graphql, customer["id"], 400)
    bad_reason = run("process-refund", payment["id"], "--reason", "bored", "--yes", env=gateway.env, cwd=workdir)
    assert_one_line_error(bad_reason, "unknown --reason 'bored'")
    zero = run("process-refund", payment["id"], "--amount", "0", "--yes", env=gateway.env, cwd=workdir)
    assert_one_line_error(zero, "--amount must be a positive integer")
    assert stripe_refunds(localstripe.url, payment["stripeId"]) == []

    # Stripe unreachable: the outcome is unknown, the key is released and printed; the same key then refunds once.
    key = new_key()
    down = run(
        "process-refund", payment["id"], "--yes", "--idempotency-key", key,
        env={**gateway.env, "STRIPE_API_BASE": "http://127.0.0.1:9"}, cwd=workdir,
    )  # fmt: skip
    assert_one_line_error(down, "Stripe is unavailable", f"rerun with --idempotency-key {key}")
    assert stripe_refunds(localstripe.url, payment["stripeId"]) == []
    retried = run(
        "process-refund", payment["id"], "--yes", "--json", "--idempotency-key", key, env=gateway.env, cwd=workdir
    )
    assert retried.returncode == 0, retried.stderr
    assert retried.json()["refund"]["amount"] == 400 and retried.json()["replayed"] is False
    assert [r["amount"] for r in stripe_refunds(localstripe.url, payment["stripeId"])] == [400]
    assert [e["outcome"] for e in audit_entries(gateway, key)] == ["ok", "PROVIDER_UNAVAILABLE"]


@pytest.mark.timeout(240)
async def test_webhook_status_counts_the_inbox_and_shows_the_oldest_stuck_events(
    pg_database_factory: PgDatabaseFactory, test_logs: Path
) -> None:
    database_url = await pg_database_factory("cli_webhook_status")
    env = gateway_env(database_url)
    workdir = test_logs / "cli-webhook-status"
    migrate(database_url, env=env, log_path=workdir / "migrate.log")
    now = datetime.now(UTC)
    rows = [
        ("evt_old_failed", "invoice.paid", EventStatus.FAILED, 5, "Traceback (most recent call last):\n boom " * 20),
        ("evt_pending", "payment_intent.succeeded", EventStatus.PENDING, 0, None),
        ("evt_done", "customer.created", EventStatus.PROCESSED, 1, None),
        ("evt_new_failed", "charge.refunded", EventStatus.FAILED, 2, "PROVIDER_UNAVAILABLE"),
    ]
    async with tortoise_on(database_url):
        for index, (event_id, kind, status, attempts, last_error) in enumerate(rows):
            event = await WebhookEvent.create(
                stripe_event_id=event_id, type=kind, stripe_created=now, payload={"id": event_id, "type": kind},
                status=status, attempts=attempts, last_error=last_error,
            )  # fmt: skip
            await WebhookEvent.filter(id=event.id).update(
                created_at=now - timedelta(hours=3) + timedelta(minutes=index)
            )

    status = run("webhook-status", "--json", env=env, cwd=workdir)
    assert status.returncode == 0, status.stderr
    report = status.json()
    assert set(report) == {"inbox", "outgoing"}
    assert report["inbox"]["counts"] == {"pending": 1, "processing": 0, "processed": 1, "failed": 2, "ignored": 0}
    assert report["inbox"]["total"] == 4 and report["inbox"]["oldest_statuses"] == ["failed", "pending"]
    oldest = report["inbox"]["oldest"]
    assert [e["stripe_event_id"] for e in oldest] == ["evt_old_failed", "evt_pending", "evt_new_failed"]
    assert set(oldest[0]) == {
        "stripe_event_id",
        "type",
        "status",
        "received_at",
        "age_seconds",
        "attempts",
        "last_error",
    }
    assert oldest[0]["attempts"] == 5 and 3 * 3600 - 120 <= oldest[0]["age_seconds"] <= 3 * 3600 + 600
    assert "\n" not in oldest[0]["last_error"] and len(oldest[0]["last_error"]) <= 120
    assert report["outgoing"] == {
        "configured": False,
        "endpoints": 0,
        "counts": {"pending": 0, "succeeded": 0, "failed": 0},
        "oldest": [],
    }

    only_processed = run("webhook-status", "--status", "processed", "--json", env=env, cwd=workdir).json()
    assert [e["stripe_event_id"] for e in only_processed["inbox"]["oldest"]] == ["evt_done"]

    table = run("webhook-status", "--status", "failed", env=env, cwd=workdir)
    assert table.returncode == 0, table.stderr
    assert "incoming (Stripe webhook inbox)" in table.stdout and "oldest failed" in table.stdout
    assert "evt_old_failed" in table.stdout and "evt_pending" not in table.stdout
    assert "outgoing (webhook deliveries): no endpoint configured" in table.stdout

    assert_one_line_error(run("webhook-status", "--status", "stuck", env=env, cwd=workdir), "unknown status stuck")

    # With an endpoint: deliveries per status, and the oldest failed one.
    async with tortoise_on(database_url):
        endpoint = await WebhookEndpoint.create(url="https://example.com/hooks", secret_salt="salt")
        for status, attempts, code in (("failed", 9, 503), ("succeeded", 1, 200), ("pending", 2, 500)):
            await EventDelivery.create(
                endpoint=endpoint, event_id=uuid.uuid4(), event_sequence=attempts, event_type="payment.succeeded",
                object_id="UGF5bWVudDox", status=status, attempts=attempts, next_attempt_at=now,
                last_status_code=code, last_error=None if code == 200 else f"HTTP {code}",
            )  # fmt: skip
    with_outgoing = run("webhook-status", "--status", "failed", "--json", env=env, cwd=workdir).json()["outgoing"]
    assert (with_outgoing["configured"], with_outgoing["endpoints"]) == (True, 1)
    assert with_outgoing["counts"] == {"pending": 1, "succeeded": 1, "failed": 1}
    [stuck] = with_outgoing["oldest"]
    assert (stuck["status"], stuck["attempts"], stuck["last_status_code"]) == ("failed", 9, 503)
    assert stuck["endpoint_id"] == str(endpoint.id)
    table = run("webhook-status", "--status", "failed", env=env, cwd=workdir)
    assert "outgoing (webhook deliveries to 1 endpoint(s))" in table.stdout and "HTTP 503" in table.stdout


@pytest.mark.timeout(240)
async def test_subscription_info_shows_state_invoice_attempts_and_events(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, test_logs: Path
) -> None:
    workdir = test_logs / "cli-subscription-info"
    plan = create_plan(localstripe.url, amount=2500)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
    )
    payload = payload_of(body, "createSubscription")
    assert payload["userErrors"] == [], payload
    subscription = payload["subscription"]

    # The webhooks (subscription, invoice, payment) arrive on their own: wait for the payment attempt and an event.
    deadline = time.monotonic() + 30
    while True:
        result = run("subscription-info", subscription["stripeId"], "--json", env=gateway.env, cwd=workdir)
        assert result.returncode == 0, result.stderr
        info = result.json()
        [sub] = info["subscriptions"]
        sources = {event["source"] for event in sub["recent_events"]}
        if sub["payment_attempts"] and sources == {"webhook", "audit"}:
            break
        assert time.monotonic() < deadline, info
        await asyncio.sleep(0.5)

    assert set(info) == {"customers", "subscriptions"}
    assert [c["id"] for c in info["customers"]] == [customer["id"]]
    assert set(sub) == {
        "id", "stripe_id", "customer", "status", "current_period_start", "current_period_end",
        "cancel_at_period_end", "canceled_at", "trial_end", "items", "pause", "discounts", "latest_invoice",
        "payment_attempts", "recent_events",
    }  # fmt: skip
    assert sub["id"] == subscription["id"] and sub["status"] == "active"
    assert sub["pause"] is None and sub["discounts"] == []
    assert [(i["price_stripe_id"], i["quantity"], i["unit_amount"]) for i in sub["items"]] == [(plan, 1, 2500)]
    invoice = sub["latest_invoice"]
    assert invoice["stripe_id"] == subscription["latestInvoice"]["stripeId"] and invoice["amount_due"] == 2500
    assert isinstance(invoice["attempt_count"], int) and "next_payment_attempt" in invoice
    assert sub["payment_attempts"][0]["status"] == "succeeded" and sub["payment_attempts"][0]["amount"] == 2500
    audit = [e for e in sub["recent_events"] if e["source"] == "audit"]
    assert [e["what"] for e in audit] == ["createSubscription"] and audit[0]["by"].startswith("api_key:")
    assert any(e["what"].startswith("customer.subscription.") for e in sub["recent_events"])

    # The same subscription, however it is named.
    for reference in (subscription["id"], customer["id"], customer["stripeId"], customer["email"].upper()):
        named = run("subscription-info", reference, "--json", env=gateway.env, cwd=workdir)
        assert named.returncode == 0, (reference, named.stderr)
        assert [s["stripe_id"] for s in named.json()["subscriptions"]] == [subscription["stripeId"]]

    table = run("subscription-info", customer["email"], env=gateway.env, cwd=workdir)
    assert table.returncode == 0, table.stderr
    for fragment in (f"subscription {subscription['stripeId']}", "latest invoice", "attempt count", "recent events"):
        assert fragment in table.stdout, table.stdout

    for unknown in ("sub_doesnotexist", "nobody@example.invalid", "cus_doesnotexist", "garbage"):
        assert_one_line_error(
            run("subscription-info", unknown, env=gateway.env, cwd=workdir), "no customer or subscription"
        )
    assert_one_line_error(
        run("subscription-info", payload["subscription"]["latestInvoice"]["id"], env=gateway.env, cwd=workdir),
        "is not the id of a Customer or a Subscription",
    )
