"""The dev sandbox keeps its own state, untouched by the emulators the tests run (issue 13, item 4; acceptance 3),
and `reconcile` in embedded mode finds the sandbox `serve` runs (item 8).

A dev `serve` in a directory of its own, as the README runs it; test emulators started the
ways the suite starts them (`tests.support.localstripe.LocalStripe`, `StripeSandbox` with
`fresh=True`), each writing objects of its own.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from sandbox.launcher import StripeSandbox
from tests.support.embedded import EmbeddedServe
from tests.support.localstripe import LocalStripe, count_customers, create_test_card, stripe_request
from tests.support.net import free_port

pytestmark = pytest.mark.timeout(300)

EMAIL = "ada@example.com"
CREATE_CUSTOMER = """
mutation { createCustomer(idempotencyKey: "walkthrough-customer",
  input: {email: "ada@example.com", name: "Ada Lovelace"}) { customer { id stripeId } userErrors { code message } } }
"""
ATTACH_CARD = """
mutation($customer: ID!, $pm: String!) { attachPaymentMethod(idempotencyKey: "walkthrough-card",
  input: {customerId: $customer, stripePaymentMethodId: $pm, setAsDefault: true}) { userErrors { code message } } }
"""
CREATE_PAYMENT = """
mutation($customer: ID!) { createPayment(idempotencyKey: "after-the-tests",
  input: {customerId: $customer, amount: 1250, currency: "usd"}) {
    payment { status amount } userErrors { code message } } }
"""


def _walkthrough_customer(serve: EmbeddedServe, key: str) -> dict[str, Any]:
    created = serve.graphql(key, CREATE_CUSTOMER)["createCustomer"]
    assert created["userErrors"] == [], created
    pm = create_test_card(serve.sandbox_url)
    attached = serve.graphql(key, ATTACH_CARD, {"customer": created["customer"]["id"], "pm": pm})
    assert attached["attachPaymentMethod"]["userErrors"] == [], attached
    customer: dict[str, Any] = created["customer"]
    return customer


def _stop(serve: EmbeddedServe) -> None:
    serve.send(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0, serve.process.log_text()[-3000:]


def _run_test_emulators(test_logs: Path) -> None:
    """Emulators as the suite runs them, each writing a customer with the dev customer's email."""
    for name in ("suite-emulator-1", "suite-emulator-2"):
        emulator = LocalStripe(test_logs, name=name)
        emulator.start()
        try:
            stripe_request(emulator.url, "POST", "/v1/customers", data={"email": EMAIL})
            emulator.stop()
            emulator.start()  # a restart, as outage tests do: empty again
            assert count_customers(emulator.url) == 0
        finally:
            emulator.stop()
    port = free_port()
    sandbox = StripeSandbox(port, test_logs / f"suite-sandbox-{port}.log", fresh=True, parent=False)
    sandbox.start()
    try:
        stripe_request(sandbox.url, "POST", "/v1/customers", data={"email": EMAIL})
    finally:
        sandbox.stop()


def test_the_suites_emulators_leave_the_dev_sandbox_state_alone(tmp_path: Path, test_logs: Path) -> None:
    workdir = tmp_path / "dev"
    first = EmbeddedServe(workdir, test_logs)
    first.start()
    try:
        key = first.create_api_key()
        customer = _walkthrough_customer(first, key)
    finally:
        _stop(first)
    assert (workdir / ".sandbox" / "localstripe.pickle").exists(), "the sandbox saved nothing beside its database"

    _run_test_emulators(test_logs)

    again = EmbeddedServe(workdir, test_logs)
    again.start()
    try:
        at_sandbox = stripe_request(again.sandbox_url, "GET", "/v1/customers", params={"email": EMAIL})["data"]
        assert [c["id"] for c in at_sandbox] == [customer["stripeId"]]
        paid = again.graphql(key, CREATE_PAYMENT, {"customer": customer["id"]})["createPayment"]
        assert paid["userErrors"] == [] and paid["payment"] == {"status": "SUCCEEDED", "amount": 1250}, paid
    finally:
        _stop(again)


def test_reconcile_in_embedded_mode_reads_the_sandbox_serve_runs(tmp_path: Path, test_logs: Path) -> None:
    serve = EmbeddedServe(tmp_path / "dev", test_logs)
    serve.start()
    try:
        # Made at the sandbox directly, as in Stripe's dashboard.
        stripe_request(serve.sandbox_url, "POST", "/v1/customers", data={"email": "from-the-dashboard@example.com"})
        stripe_request(serve.sandbox_url, "POST", "/v1/customers", data={"email": "another@example.com"})
        output = serve.cli("reconcile")
        counts = next(line for line in output.splitlines() if line.startswith("customers:"))
        created, updated, unchanged = (int(word) for word in counts.split() if word.isdigit())
        assert created + updated + unchanged == 2, output  # both were read from the running sandbox
        assert "no changes" in serve.cli("reconcile")

        # A second `serve` on the same database would share the sandbox's state: refused.
        second = EmbeddedServe(serve.workdir, test_logs)
        second.spawn()
        assert second.wait(timeout=60) == 2
        assert f"already runs the sandbox of this database ({serve.sandbox_url}" in second.process.log_text()
    finally:
        _stop(serve)

    refused = serve.cli_result("reconcile")
    assert refused.returncode == 2
    assert "reconcile in embedded mode reads the sandbox of `serve`" in refused.stderr
    assert "start `billing-gateway serve`" in refused.stderr, refused.stderr

    # A record left by a `serve` that was killed outright (SIGKILL: no clean-up) is not trusted.
    (serve.workdir / ".sandbox" / "sandbox.json").write_text(
        f'{{"url": "{serve.sandbox_url}", "port": {serve.sandbox_port}, "pid": 1, "token": "gone"}}\n'
    )
    stale = serve.cli_result("reconcile")
    assert stale.returncode == 2 and "does not answer" in stale.stderr, stale.stderr
