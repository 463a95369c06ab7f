"""Fixtures that drive the real gateway: `billing-gateway migrate` + `serve` as subprocesses.

- `gateway` (session): a `GatewayProcess` on a fresh PostgreSQL database, talking to the
  session's `localstripe`, whose webhooks it receives; no Redis (embedded broker).
- `gateway_factory` (function): a `GatewayFactory` (import it from `tests.support.gateway`):
  `await gateway_factory(*, localstripe=None, database_url=None, register_webhooks=True,
  start=True, **env) -> GatewayProcess`; keyword arguments are env overrides
  (`redis_url=…`, `stripe_timeout_seconds="1"`…). Without `localstripe` it gets a fresh
  emulator of its own. Everything is stopped when the test ends.
- `api_key` / `admin_api_key` / `read_api_key` (session): raw keys for `gateway`
  with scopes `read,write` / `read,write,admin` / `read`.
- `graphql` (function): a `GraphQLClient` for `gateway`, authenticated with `api_key`.

A failing test that used `gateway` or `gateway_factory` gets the tail of each gateway's
log in its report.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.aliases import LocalStripeFactory, PgDatabaseFactory
from tests.support.audit_check import UNCHECKED, check_audit_trail
from tests.support.gateway import GatewayFactory, GatewayProcess, connect_webhooks, gateway_env
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.problem_check import SEEN, VIOLATIONS, install
from tests.support.process import tail
from tests.support.xdist_relay import send


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failing e2e test, add the tail of each gateway's log to the report."""
    report = yield
    if report.failed:
        funcargs: dict[str, object] = getattr(item, "funcargs", {})
        processes: list[GatewayProcess] = []
        session_gateway = funcargs.get("gateway")
        if isinstance(session_gateway, GatewayProcess):
            processes.append(session_gateway)
        factory = funcargs.get("gateway_factory")
        if isinstance(factory, GatewayFactory):
            processes.extend(factory.made)
        for process in processes:
            report.sections.append((f"log of {process!r} ({process.log_path})", tail(process.log_path)))
    return report


_audit_counts: list[tuple[int, int, int]] = []


@pytest_asyncio.fixture(scope="session", autouse=True)
async def audit_trail_matches_every_mutation(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    """After the last e2e test (before any database is dropped): one audit entry per mutation that ran."""
    yield
    keys, mismatches = await check_audit_trail()
    _audit_counts.append((keys, len(mismatches), len(UNCHECKED)))
    if mismatches:
        pytest.fail("audit trail does not match the mutations sent:\n" + "\n".join(mismatches[:50]))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Hand the counts to the run's summary (tests/conftest.py), which sums every xdist worker's."""
    send(session.config, "audit", [list(counts) for counts in _audit_counts])
    send(session.config, "problems", [dict(SEEN)] if SEEN else [])
    send(session.config, "problem_violations", VIOLATIONS)


@pytest.fixture(autouse=True)
def error_answers_are_problems() -> Iterator[None]:
    """Issue 16, acceptance 6: every non-GraphQL 4xx/5xx a gateway answers in this test is problem details.

    Checked on every httpx request of the test (tests/support/problem_check.py); a violation fails
    the test at teardown, with the request and the answer.
    """
    install()
    before = len(VIOLATIONS)
    yield
    found = VIOLATIONS[before:]
    assert not found, "gateway error answers that are not application/problem+json:\n" + "\n".join(found[:20])


@pytest_asyncio.fixture(scope="session")
async def gateway(
    pg_database_factory: PgDatabaseFactory, localstripe: LocalStripe, test_logs: Path
) -> AsyncIterator[GatewayProcess]:
    """The session's gateway: migrated fresh PostgreSQL DB, session localstripe, webhooks connected."""
    database_url = await pg_database_factory()
    process = GatewayProcess(gateway_env(database_url, localstripe.url), test_logs, name="gateway-session")
    await process.astart()
    connect_webhooks(localstripe, process)
    yield process
    process.stop()


@pytest_asyncio.fixture
async def gateway_factory(
    pg_database_factory: PgDatabaseFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> AsyncIterator[GatewayFactory]:
    """A `GatewayFactory`; every gateway it made is stopped when the test ends."""
    factory = GatewayFactory(pg_database_factory, localstripe_factory, test_logs)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def api_key(gateway: GatewayProcess) -> str:
    """A raw API key with scopes `read,write` for the session gateway."""
    return gateway.create_api_key("read,write", "e2e-read-write")


@pytest.fixture(scope="session")
def admin_api_key(gateway: GatewayProcess) -> str:
    """A raw API key with scopes `read,write,admin` for the session gateway."""
    return gateway.create_api_key("read,write,admin", "e2e-admin")


@pytest.fixture(scope="session")
def read_api_key(gateway: GatewayProcess) -> str:
    """A raw API key with scope `read` only for the session gateway."""
    return gateway.create_api_key("read", "e2e-read")


@pytest_asyncio.fixture
async def graphql(gateway: GatewayProcess, api_key: str) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client for the session gateway, authenticated with `api_key` by default."""
    async with GraphQLClient(gateway.url, token=api_key) as client:
        yield client
