"""The `localstripe` Stripe emulator as a test process, and small helpers that call it directly.

Test emulators run as bare localstripe through the gateway's sandbox server
(`emulator_command`: `--no-idempotency`, no `--state-dir`), so their objects stay in their
own memory: `python -m localstripe` would load and overwrite the machine-wide
/tmp/localstripe.pickle on every write, a developer's sandbox state included (issue 13).
Webhook registrations are not kept at all: `LocalStripe` remembers the ones made through it
and registers them again after a restart.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.support.net import free_port, wait_for_http
from tests.support.process import ManagedProcess, clean_env

EMULATOR_SECRET_KEY = "sk_test_x"
"""localstripe accepts any `sk_…` key; the helpers here use this one."""
BASIC_AUTH = (EMULATOR_SECRET_KEY, "")
START_TIMEOUT_SECONDS = 20.0
HTTP_TIMEOUT_SECONDS = 10.0


def emulator_command(port: int) -> list[str]:
    """The argv of a test emulator: bare localstripe on 127.0.0.1:`port`, empty, kept in memory only."""
    return [
        sys.executable,
        "-m",
        "sandbox.server",
        "--port",
        str(port),
        "--from-scratch",
        "--no-idempotency",
    ]


class LocalStripe:
    """One localstripe server on 127.0.0.1:`port`; `stop()`/`start()` restart it on the same port, empty."""

    def __init__(self, log_dir: Path, port: int | None = None, name: str = "localstripe") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.webhooks: dict[str, tuple[str, str]] = {}
        self.process = ManagedProcess(
            emulator_command(self.port),
            env=clean_env({}),
            log_path=log_dir / f"{name}-{self.port}.log",
            cwd=log_dir,
        )

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start (or restart) the emulator and wait until `GET /v1/customers` answers 200."""
        self.process.spawn()
        try:
            wait_for_http(
                f"{self.url}/v1/customers", timeout=timeout, auth=BASIC_AUTH, alive=lambda: self.process.running
            )
        except (TimeoutError, RuntimeError) as exc:
            self.process.stop()
            raise self.process.failure(f"localstripe did not start on {self.url}", str(exc)) from exc
        for webhook_id, (url, secret) in self.webhooks.items():
            self._post_webhook(webhook_id, url, secret)

    def stop(self) -> None:
        """Stop the emulator (its state is lost; the port stays reserved for `start()`)."""
        self.process.stop()

    @property
    def running(self) -> bool:
        """True while the emulator process is alive."""
        return self.process.running

    def log_text(self) -> str:
        """The emulator's output (access log included) so far."""
        return self.process.log_text()

    def register_webhook(self, webhook_id: str, url: str, secret: str) -> None:
        """Make localstripe POST signed events to `url` (kept across restarts of this object)."""
        self.webhooks[webhook_id] = (url, secret)
        self._post_webhook(webhook_id, url, secret)

    def _post_webhook(self, webhook_id: str, url: str, secret: str) -> None:
        response = httpx.post(
            f"{self.url}/_config/webhooks/{webhook_id}",
            data={"url": url, "secret": secret},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        response.raise_for_status()

    def __repr__(self) -> str:
        return f"LocalStripe({self.url}, running={self.running})"


def stripe_request(
    url: str, method: str, path: str, *, data: dict[str, Any] | None = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One authenticated call to the emulator at `url`; returns the JSON object (raises on HTTP errors)."""
    response = httpx.request(
        method, f"{url}{path}", data=data, params=params, auth=BASIC_AUTH, timeout=HTTP_TIMEOUT_SECONDS
    )
    if response.is_error:
        raise AssertionError(f"{method} {path} -> HTTP {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def create_test_card(url: str, number: str = "4242424242424242") -> str:
    """Create a card PaymentMethod in the emulator at `url`; return its id (`pm_…`)."""
    body = stripe_request(
        url,
        "POST",
        "/v1/payment_methods",
        data={
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    pm_id: str = body["id"]
    return pm_id


def list_customers(url: str, email: str | None = None) -> list[dict[str, Any]]:
    """Every customer in the emulator at `url` (all pages), optionally only those with `email`."""
    customers: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = stripe_request(url, "GET", "/v1/customers", params=params)
        data: list[dict[str, Any]] = page["data"]
        customers.extend(data)
        if not page.get("has_more") or not data:
            break
        params["starting_after"] = data[-1]["id"]
    if email is not None:
        customers = [c for c in customers if c.get("email") == email]
    return customers


def count_customers(url: str, email: str | None = None) -> int:
    """How many customers the emulator at `url` holds (with `email`, when given)."""
    return len(list_customers(url, email))


def create_plan(url: str, amount: int = 2000, currency: str = "usd", interval: str = "month") -> str:
    """Create a product and a recurring plan in the emulator (as an operator would in Stripe); return its id."""
    plan_id = f"plan-{uuid.uuid4().hex[:10]}"
    stripe_request(
        url,
        "POST",
        "/v1/plans",
        data={
            "id": plan_id,
            "amount": str(amount),
            "currency": currency,
            "interval": interval,
            "product[name]": f"Product {plan_id}",
        },
    )
    return plan_id


def confirmed_payment_intent(url: str, customer: str, payment_method: str, amount: int, currency: str = "usd") -> Any:
    """A PaymentIntent made and confirmed at the emulator, outside the gateway (as another Stripe client would)."""
    return stripe_request(
        url,
        "POST",
        "/v1/payment_intents",
        data={
            "customer": customer,
            "amount": str(amount),
            "currency": currency,
            "payment_method": payment_method,
            "confirm": "true",
        },
    )


def list_all(url: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every object of a list endpoint of the emulator (all pages)."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    while True:
        page = stripe_request(url, "GET", path, params=query)
        data: list[dict[str, Any]] = page["data"]
        items.extend(data)
        if not page.get("has_more") or not data:
            return items
        query["starting_after"] = data[-1]["id"]
