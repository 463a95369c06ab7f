"""The README's run command and walkthrough, executed as printed, in embedded mode.

Only the ports differ: the README's defaults (8000 for the gateway, 8420 for the sandbox) may be
taken on the machine running the tests, so the test picks free ones, passes them as `--port` and
`SANDBOX_PORT`, and gives the walkthrough the printed addresses in `GATEWAY` and `SANDBOX`, as a
reader whose serve printed other ports would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.gateway import GATEWAY_ENV_PREFIXES
from tests.support.net import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def readme_run_command() -> str:
    section = README.split("## Two commands", 1)[1]
    match = re.search(r"```bash\n(.+?)\n```", section, re.S)
    assert match, "no run command in the README"
    command = match.group(1).strip()
    assert command.endswith("billing-gateway serve"), command
    return command


def readme_walkthrough() -> str:
    block = README.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    match = re.search(r"```bash\n(.+?)\n```", block, re.S)
    assert match, "no walkthrough block in the README"
    return match.group(1)


@dataclass(frozen=True)
class ReadmeServer:
    """The README's run command, running on `port` with its sandbox on `sandbox_port`."""

    process: subprocess.Popen[bytes]
    port: int
    sandbox_port: int


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_closed(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_open(port):
            return True
        time.sleep(0.1)
    return False


def embedded_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any gateway setting: embedded defaults only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(GATEWAY_ENV_PREFIXES)}
    env.update(extra)
    return env


@pytest.fixture
def readme_server(tmp_path: Path) -> Iterator[ReadmeServer]:
    """The README's run command on free ports, from a fresh directory (uv finds the project via UV_PROJECT)."""
    port, sandbox_port = free_port(), free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        ["bash", "-c", f"{readme_run_command()} --port {port}"],
        cwd=tmp_path,
        env=embedded_env(UV_PROJECT=str(ROOT), SANDBOX_PORT=str(sandbox_port)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/ready", timeout=90, alive=lambda: process.poll() is None)
        yield ReadmeServer(process, port, sandbox_port)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole group
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def stripe_get(sandbox_port: int, path: str) -> Any:
    answer = subprocess.run(
        ["curl", "-sSf", "-u", "sk_test_sandbox:", f"http://127.0.0.1:{sandbox_port}{path}"],
        capture_output=True,
        check=True,
    )
    return json.loads(answer.stdout)


@pytest.mark.timeout(180)
def test_readme_walkthrough_works_as_printed(readme_server: ReadmeServer, tmp_path: Path) -> None:
    port, sandbox_port = readme_server.port, readme_server.sandbox_port
    ready = json.loads(
        subprocess.run(["curl", "-sS", f"http://127.0.0.1:{port}/health/ready"], capture_output=True, check=True).stdout
    )
    assert ready["status"] == "ok" and ready["checks"]["stripe"]["ok"], ready
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_walkthrough()],
        cwd=tmp_path,
        # The block's first lines take the addresses serve printed from GATEWAY and SANDBOX.
        env=embedded_env(
            UV_PROJECT=str(ROOT), GATEWAY=f"http://127.0.0.1:{port}", SANDBOX=f"http://127.0.0.1:{sandbox_port}"
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    created, attached, read, subscribed, preview, paused, resumed, paid, disputed, discounted, recorded, used = (
        o["data"] for o in outputs
    )
    assert created["createCustomer"]["userErrors"] == [] and created["createCustomer"]["customer"]["stripeId"]
    assert attached["attachPaymentMethod"]["userErrors"] == []
    assert attached["attachPaymentMethod"]["paymentMethod"]["isDefault"] is True
    assert read["customer"]["defaultPaymentMethod"] == {"brand": "visa", "last4": "4242"}
    assert read["customer"]["paymentMethods"]["edges"] == [{"node": {"last4": "4242", "isDefault": True}}]
    assert (tmp_path / "billing-gateway.sqlite3").exists()
    # The billing steps: each answer is what the README says it shows.
    subscription = subscribed["createSubscription"]
    assert subscription["userErrors"] == [] and subscription["subscription"]["status"] == "ACTIVE"
    assert subscription["subscription"]["price"] == {"unitAmount": 1500, "currency": "eur"}
    change = preview["previewSubscriptionChange"]
    assert change["userErrors"] == [] and change["invoice"]["currency"] == "eur"
    lines = change["invoice"]["lines"]
    assert [line["proration"] for line in lines] == [True, True], lines
    assert lines[0]["amount"] < 0 < lines[1]["amount"], lines  # the unused seat back, three seats charged
    assert change["invoice"]["total"] == sum(line["amount"] for line in lines)
    assert paused["pauseSubscription"]["subscription"] == {
        "status": "ACTIVE",
        "pauseCollection": {"behavior": "KEEP_AS_DRAFT", "resumesAt": None},
    }
    assert resumed["resumeSubscription"]["subscription"] == {"status": "ACTIVE", "pauseCollection": None}
    assert paid["createPayment"]["userErrors"] == [] and paid["createPayment"]["payment"]["status"] == "SUCCEEDED"
    assert disputed["payment"]["disputes"]["edges"] == [
        {"node": {"status": "NEEDS_RESPONSE", "reason": "fraudulent", "amount": 2000}}
    ]
    assert discounted["applyDiscount"] == {
        "subscription": {
            "discounts": [
                {"coupon": {"percentOff": 20.0, "duration": "forever"}, "promotionCode": {"code": "WELCOME20"}}
            ]
        },
        "userErrors": [],
    }
    assert recorded["recordUsageBatch"] == {"accepted": 2, "duplicates": 0, "userErrors": []}
    assert used["customer"]["usage"] == {"value": 7, "eventCount": 2}
    # The two events reach Stripe's meter events (forwarded by the in-process worker).
    meters = stripe_get(sandbox_port, "/v1/billing/meters")["data"]
    [meter] = [m for m in meters if m["event_name"] == "walkthrough_api_calls"]
    deadline = time.monotonic() + 10
    while (count := stripe_get(sandbox_port, f"/_sandbox/billing/meters/{meter['id']}/event_count"))["count"] < 2:
        assert time.monotonic() < deadline, count
        time.sleep(0.1)
    assert (count["count"], count["aggregated_value"]) == (2, 7), count

    # The sandbox delivers its webhooks to the gateway: a customer made at the sandbox
    # directly (as in Stripe's dashboard) reaches the mirror.
    email = "made-at-the-sandbox@example.com"
    subprocess.run(
        [
            "curl",
            "-sS",
            "-u",
            "sk_test_sandbox:",
            f"http://127.0.0.1:{sandbox_port}/v1/customers",
            "-d",
            f"email={email}",
        ],
        check=True,
        capture_output=True,
    )
    key = subprocess.run(
        ["bash", "-c", "uv run billing-gateway api-keys create --name webhook-check --scopes read | tail -n 1"],
        cwd=tmp_path,
        env=embedded_env(UV_PROJECT=str(ROOT)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    query = json.dumps(
        {"query": "query($e: String) { customers(email: $e) { edges { node { email } } } }", "variables": {"e": email}}
    )
    deadline = time.monotonic() + 5
    edges: list[object] = []
    while time.monotonic() < deadline and not edges:
        answer = subprocess.run(
            [
                "curl",
                "-sS",
                f"http://127.0.0.1:{port}/graphql",
                "-H",
                f"Authorization: Bearer {key}",
                "--json",
                query,
            ],
            capture_output=True,
            check=True,
        ).stdout
        edges = json.loads(answer)["data"]["customers"]["edges"]
        time.sleep(0.2)
    assert edges == [{"node": {"email": email}}], "the sandbox's webhook did not reach the gateway within 5 s"


@pytest.mark.timeout(120)
def test_ctrl_c_stops_the_gateway_and_its_sandbox(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    cli = Path(sys.executable).with_name("billing-gateway")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(cli), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=embedded_env(SANDBOX_PORT=str(sandbox_port)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/ready", timeout=60, alive=lambda: process.poll() is None)
        assert port_open(sandbox_port)
        process.send_signal(signal.SIGINT)  # only the gateway: it must stop the sandbox itself
        assert process.wait(timeout=20) == 0, log.read_text()
        assert wait_closed(sandbox_port, 10), "the sandbox emulator outlived the gateway"
    finally:
        if process.poll() is None:
            process.kill()
    printed = log.read_text()
    assert f"sandbox emulator (localstripe) at http://127.0.0.1:{sandbox_port}" in printed
    assert "embedded SQLite" in printed
