"""Issue 17, acceptance 5: the typed client examples in examples/ work against a real gateway.

TypeScript (examples/typescript): its npm packages installed by `ensure_node_packages` (`npm ci`
when missing or stale), the committed `src/generated/graphql.ts` equal to what GraphQL Code
Generator makes from schema.graphql and examples/operations now (`--check`), `tsc --noEmit`
(strict) clean, then the compiled example run against the session gateway. Python
(examples/python): the committed ariadne-codegen package equal to a fresh generation, mypy
--strict clean, then the example run the same way. Each run must exit 0 and print, last, the
payment it made and the SUCCEEDED frame it received; the gateway is asked about that payment too.
Without a key an example exits 2, with a refused one 1, the reason on stderr.
Without Node.js or npm the TypeScript tests fail; they never skip.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.node import NodeUnavailableError, ensure_node_packages
from tests.support.process import REPO_ROOT, clean_env

EXAMPLES = REPO_ROOT / "examples"
TYPESCRIPT = EXAMPLES / "typescript"
PYTHON = EXAMPLES / "python"
CODEGEN = PYTHON / "codegen"
GENERATED = PYTHON / "billing_client"
RUN_TIMEOUT_SECONDS = 45.0

PAYMENT = """
query($id: ID!) { payment(id: $id) { id status amount currency customer { id } } }
"""


@pytest.fixture(scope="module")
def node() -> str:
    """`node`, with examples/typescript's npm packages installed; fails, never skips."""
    try:
        return ensure_node_packages(TYPESCRIPT)
    except NodeUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)


def run_tool(args: list[str], cwd: Path, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run a build step; fail with its output when it exits non-zero."""
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` in {cwd} exited {result.returncode}\n--- stdout ---\n{result.stdout}"
            f"\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )
    return result


async def run_example(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run an example to its end; assert exit 0 and return the JSON result it prints last."""
    process = await asyncio.create_subprocess_exec(
        *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
        pytest.fail(f"{args} still running after {RUN_TIMEOUT_SECONDS} s:\n{stdout.decode()}\n{stderr.decode()}")
    output = f"--- stdout ---\n{stdout.decode()}\n--- stderr ---\n{stderr.decode()}"
    assert process.returncode == 0, f"{args} exited {process.returncode}\n{output}"
    lines = stdout.decode().strip().splitlines()
    assert lines, output
    result: dict[str, Any] = json.loads(lines[-1])
    assert any(line.startswith("frame: ") and line.endswith("-> SUCCEEDED") for line in lines), output
    return result


def example_env(gateway: GatewayProcess, api_key: str, localstripe: LocalStripe) -> dict[str, str]:
    return clean_env(
        {
            "GATEWAY_URL": f"{gateway.url}/graphql",
            "GATEWAY_API_KEY": api_key,
            "SANDBOX_URL": localstripe.url,
            "TIMEOUT_SECONDS": "25",
        }
    )


async def assert_result(result: dict[str, Any], graphql: GraphQLClient) -> None:
    """The example's result names a SUCCEEDED payment of its own customer, as the gateway says too."""
    assert result["status"] == "SUCCEEDED", result
    assert result["stripePaymentId"].startswith("pi_"), result
    assert result["eventId"], result
    body = await graphql.execute(PAYMENT, {"id": result["paymentId"]})
    assert "errors" not in body, body
    payment = body["data"]["payment"]
    assert payment == {
        "id": result["paymentId"],
        "status": "SUCCEEDED",
        "amount": 2000,
        "currency": "usd",
        "customer": {"id": result["customerId"]},
    }, (payment, result)


def test_typescript_generated_code_is_up_to_date(node: str) -> None:
    result = subprocess.run(
        [node, "node_modules/@graphql-codegen/cli/esm/bin.js", "--config", "codegen.ts", "--check"],
        cwd=TYPESCRIPT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (
        "examples/typescript/src/generated/graphql.ts is stale: run `npm run codegen` in examples/typescript\n"
        f"{result.stdout}{result.stderr}"
    )


def test_typescript_type_checks(node: str) -> None:
    run_tool([node, "node_modules/typescript/bin/tsc", "--noEmit"], TYPESCRIPT)


@pytest.fixture(scope="module")
def typescript_example(node: str) -> list[str]:
    """The command running the TypeScript example, compiled by `tsc` (strict) into examples/typescript/dist."""
    run_tool([node, "node_modules/typescript/bin/tsc", "--project", "tsconfig.build.json"], TYPESCRIPT)
    return [node, str(TYPESCRIPT / "dist" / "main.js")]


@pytest.mark.timeout(90)
async def test_typescript_example_pays_and_hears_succeeded(
    typescript_example: list[str],
    gateway: GatewayProcess,
    api_key: str,
    localstripe: LocalStripe,
    graphql: GraphQLClient,
) -> None:
    result = await run_example(typescript_example, TYPESCRIPT, example_env(gateway, api_key, localstripe))
    assert result["readBackStatus"] in {"SUCCEEDED", "PROCESSING"}, result
    await assert_result(result, graphql)


def generated_files(package: Path) -> dict[str, bytes]:
    return {path.relative_to(package).as_posix(): path.read_bytes() for path in sorted(package.rglob("*.py"))}


def test_python_generated_code_is_up_to_date(tmp_path: Path) -> None:
    """ariadne-codegen (pinned by examples/python/codegen/uv.lock) on a copy of its inputs: the committed package."""
    uv = shutil.which("uv")
    assert uv is not None, "`uv` is not on PATH: it runs the pinned ariadne-codegen (pip install uv)"
    # The same layout as in the repo, so the config's relative paths (and the generated `# Source:` lines) agree.
    shutil.copy(REPO_ROOT / "schema.graphql", tmp_path / "schema.graphql")
    shutil.copytree(EXAMPLES / "operations", tmp_path / "examples" / "operations")
    codegen = tmp_path / "examples" / "python" / "codegen"
    codegen.mkdir(parents=True)
    shutil.copy(CODEGEN / "pyproject.toml", codegen / "pyproject.toml")
    run_tool(
        [uv, "run", "--locked", "--project", str(CODEGEN), "ariadne-codegen", "--config", "pyproject.toml"],
        codegen,
    )
    fresh = generated_files(tmp_path / "examples" / "python" / "billing_client")
    committed = generated_files(GENERATED)
    assert fresh.keys() == committed.keys(), (
        "examples/python/billing_client is stale: run `uv run --locked ariadne-codegen` in examples/python/codegen"
    )
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, (
        f"stale generated modules {stale}: run `uv run --locked ariadne-codegen` in examples/python/codegen"
    )


def test_python_example_type_checks() -> None:
    """The example and the generated package it imports, under mypy --strict (examples/ is outside mypy's packages)."""
    run_tool([sys.executable, "-m", "mypy", "--strict", "examples/python/pay_and_watch.py"], REPO_ROOT)


@pytest.mark.timeout(90)
async def test_python_example_pays_and_hears_succeeded(
    gateway: GatewayProcess, api_key: str, localstripe: LocalStripe, graphql: GraphQLClient
) -> None:
    result = await run_example(
        [sys.executable, str(PYTHON / "pay_and_watch.py")], REPO_ROOT, example_env(gateway, api_key, localstripe)
    )
    assert result["readBackStatus"] in {"SUCCEEDED", "PROCESSING"}, result
    await assert_result(result, graphql)


@pytest.mark.parametrize("language", ["typescript", "python"])
async def test_examples_fail_with_the_reason(
    language: str, request: pytest.FixtureRequest, gateway: GatewayProcess, localstripe: LocalStripe
) -> None:
    """Exit 2 without a key, 1 with a key the gateway refuses; each time the reason on stderr."""
    if language == "typescript":
        command: list[str] = request.getfixturevalue("typescript_example")
    else:
        command = [sys.executable, str(PYTHON / "pay_and_watch.py")]
    env = example_env(gateway, "bgk_not-a-key", localstripe)
    for expected, variables, reason in [
        (2, {**env, "GATEWAY_API_KEY": ""}, "GATEWAY_API_KEY is not set"),
        (1, env, "unknown API key"),
    ]:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO_ROOT, env=variables, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_SECONDS)
        assert process.returncode == expected, (process.returncode, stdout, stderr)
        assert reason in stderr.decode(), stderr.decode()
