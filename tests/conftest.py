"""Suite-wide fixtures and guards.

Fixtures here (shared by unit, integration and e2e tests):

- `test_logs` (session): the directory where every started process writes its log.
- `pg_database_factory` (session): `await make(label="") -> url`, a fresh PostgreSQL
  database named `<TEST_PG_DATABASE_PREFIX>_<label>_<hex>` (prefix `bgw_test` unless set);
  every one made is dropped at session end, and no other.
- `pg_database` (function): one fresh database URL (from the factory).
- `localstripe` (session): a running `LocalStripe` emulator shared by the session.
- `localstripe_factory` (function): `make() -> LocalStripe`, a fresh emulator of
  its own, stopped when the test ends (for tests that stop/restart or need empty state).
- `redis_server` (session): the suite's own `redis-server` on a free port (never the
  machine's shared Redis).
- `redis_url` (function): `redis://127.0.0.1:<port>/<n>` on a logical database of that
  server, flushed when the test ends.

Guards: when `CI` is set, any skipped test makes the run fail (tests that need a
service fail when it is missing; they never skip). Every test without its own
`@pytest.mark.timeout` gets `DEFAULT_TIMEOUT_SECONDS` (`E2E_TIMEOUT_SECONDS` under tests/e2e/).

The run is split over pytest-xdist workers (pyproject's addopts; docs/testing.md): every fixture
below is per worker, and the guards report once, in the controller (`tests.support.xdist_relay`).

Other people's data (`tests.support.sentinels`): at the run's start a sentinel key goes into every
logical database of the machine's Redis (127.0.0.1:6379, when it answers) and a sentinel
PostgreSQL database with one row is created; at the end, any of them gone or changed fails the
session, each listed in the summary. Only those sentinels are then removed.

Secrets at rest (`tests.support.secret_scan`): every database `pg_database_factory` made is
scanned just before it is dropped, and at the end of the run every `*.log` (but the
Stripe emulator's) and SQLite file under the run's temporary directory, where the
processes the tests start write. Any API key, session token, webhook secret or card
number found fails the session, each finding listed in the summary.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import redis
from playwright.async_api import Browser, async_playwright

from tests.pg import create_database, database_url, drop_database, unique_name
from tests.support import audit_check, problem_check
from tests.support.aliases import LocalStripeFactory, PgDatabaseFactory
from tests.support.browser import BrowserUnavailableError, ensure_chromium, launch_chromium
from tests.support.localstripe import LocalStripe
from tests.support.redis_server import RedisServer
from tests.support.secret_scan import log_files, scan_database, scan_log_files, sqlite_files
from tests.support.sentinels import Sentinels, plant
from tests.support.xdist_relay import gather, is_worker, received, send

DEFAULT_TIMEOUT_SECONDS = 120
E2E_TIMEOUT_SECONDS = 60


# --- guards -----------------------------------------------------------------------------------------------

_skipped: list[str] = []
_log_dirs: list[Path] = []
_secret_findings: list[str] = []
_scanned: dict[str, int] = {"log files": 0, "SQLite files": 0, "PostgreSQL databases": 0}
MAX_FINDINGS_SHOWN = 200
_sentinel_findings: list[str] = []
_sentinel_reports: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


E2E_DIRECTORIES = (Path(__file__).parent / "e2e", Path(__file__).parent / "bench")
"""Tests here start real `billing-gateway` processes (the bench smoke runs every benchmark): marked `e2e`."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the e2e tests (`-m "not e2e"` is the fast lane); give every test a timeout unless it sets its own.

    The timeout is 60 s under tests/e2e, else `DEFAULT_TIMEOUT_SECONDS`; fixture set-up time is not counted.
    """
    for item in items:
        if any(item.path.is_relative_to(directory) for directory in E2E_DIRECTORIES):
            item.add_marker(pytest.mark.e2e)
        if "browser" in getattr(item, "fixturenames", ()):
            # One worker runs every browser test: one Chromium per run, and one apt install when it is missing.
            item.add_marker(pytest.mark.xdist_group("browser"))
        if item.get_closest_marker("timeout") is None:
            e2e = "e2e" in item.path.parts
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_SECONDS if e2e else DEFAULT_TIMEOUT_SECONDS))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember skipped tests (xfail is not a skip)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Remember modules skipped at collection (`pytest.skip(allow_module_level=True)`, `importorskip`)."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a run with skipped tests fails; so does any run that left a secret in a log or a database.

    An xdist worker only hands its findings to the controller (`tests.support.xdist_relay`); the
    controller, or the one process without xdist, scans the logs of the whole run (every worker's
    temporary directory is below its own), checks the sentinels and judges.
    """
    config = session.config
    if is_worker(config):
        send(config, "secret_findings", _secret_findings)
        send(config, "databases_scanned", [_scanned["PostgreSQL databases"]])
        send(config, "log_dirs", [str(path) for path in _log_dirs])
        return
    root = _run_temporary_directory(config)
    try:
        _scanned["log files"] += len(log_files(root))
        _scanned["SQLite files"] += len(sqlite_files(root))
        _secret_findings.extend(scan_log_files(root))
    except OSError as exc:
        _secret_findings.append(f"{root}: could not scan the logs: {exc!r}")
    _check_sentinels()
    passing = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
    if _in_ci() and _skipped and exitstatus in passing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if (_secret_findings or _sentinel_findings) and session.exitstatus in passing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """A worker went down (xdist, controller side): take what its guards found."""
    sent = gather(node)
    _secret_findings.extend(sent.get("secret_findings", []))
    _scanned["PostgreSQL databases"] += sum(sent.get("databases_scanned", []))
    _log_dirs.extend(Path(path) for path in sent.get("log_dirs", []))


def _run_temporary_directory(config: pytest.Config) -> Path:
    """The run's temporary directory: xdist workers' own are below the controller's."""
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    return factory.getbasetemp()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the process-log directory; say loudly why a CI run with skips failed; report the secret scan."""
    for log_dir in _log_dirs:
        terminalreporter.write_line(f"logs of the processes started by the tests: {log_dir}")
    if _in_ci() and _skipped:
        terminalreporter.section("skipped tests are failures in CI", sep="=", red=True, bold=True)
        for nodeid in _skipped:
            terminalreporter.line(f"SKIPPED (not allowed when CI is set): {nodeid}", red=True)
    if _secret_findings:
        terminalreporter.section(
            f"secrets at rest: {len(_secret_findings)} found in logs or databases", sep="=", red=True, bold=True
        )
        for finding in _secret_findings[:MAX_FINDINGS_SHOWN]:
            terminalreporter.line(f"SECRET: {finding}", red=True)
        if len(_secret_findings) > MAX_FINDINGS_SHOWN:
            terminalreporter.line(f"... and {len(_secret_findings) - MAX_FINDINGS_SHOWN} more", red=True)
    if _sentinel_findings:
        terminalreporter.section(
            "the run touched data it did not create (sentinels gone or changed)", sep="=", red=True, bold=True
        )
        for finding in _sentinel_findings:
            terminalreporter.line(f"SENTINEL: {finding}", red=True)
    for line in _sentinel_reports:
        terminalreporter.write_line(line)
    # The e2e conftest's checks, summed over the workers (tests.support.xdist_relay).
    if audits := received("audit"):
        keys, mismatches, unchecked = (sum(column) for column in zip(*audits, strict=True))
        terminalreporter.write_line(audit_check.summary(keys, mismatches, unchecked))
    if problems := received("problems"):
        seen: Counter[str] = Counter()
        for counts in problems:
            seen.update(counts)
        terminalreporter.write_line(problem_check.summary(seen))
    for violation in received("problem_violations")[: problem_check.VIOLATIONS_SHOWN]:
        terminalreporter.write_line(f"problem check violation: {violation}")
    if not is_worker(terminalreporter.config):
        counts = ", ".join(f"{count} {what}" for what, count in _scanned.items())
        verdict = f"{len(_secret_findings)} finding(s)" if _secret_findings else "nothing found"
        terminalreporter.write_line(
            f"secret scan (API keys, session tokens, webhook secrets, card numbers) of {counts}: {verdict}"
        )


# --- processes and services -------------------------------------------------------------------------------


_planted: list[Sentinels] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """Sentinels in the machine's Redis and PostgreSQL (acceptance 1 of issue 13), once per run: not in workers."""
    if is_worker(session.config) or session.config.option.collectonly:
        return
    try:
        _planted.append(plant())
    except Exception as exc:
        _sentinel_findings.append(f"could not plant the sentinels: {exc!r}")


def _check_sentinels() -> None:
    """At the run's end, after every worker is done: any sentinel gone or changed is a finding."""
    for sentinels in _planted:
        try:
            found = sentinels.problems()
        except Exception as exc:
            found = [f"could not check the sentinels: {exc!r}"]
        _sentinel_findings.extend(found)
        verdict = f"{len(found)} gone or changed" if found else "intact"
        _sentinel_reports.append(f"sentinels ({sentinels.describe()}): {verdict}")
        sentinels.remove()
    _planted.clear()


@pytest.fixture(scope="session")
def test_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory for the logs of every process the tests start (under pytest's tmp dir)."""
    log_dir = tmp_path_factory.mktemp("logs", numbered=False)
    _log_dirs.append(log_dir)
    return log_dir


@pytest_asyncio.fixture(scope="session")
async def pg_database_factory() -> AsyncIterator[PgDatabaseFactory]:
    """`await make(label="") -> url`: a fresh, empty PostgreSQL database; all dropped at session end."""
    names: list[str] = []

    async def make(label: str = "") -> str:
        name = unique_name(label)
        url = await create_database(name)
        names.append(name)  # after CREATE succeeded: a name that already existed is not ours to drop
        return url

    yield make
    for name in names:
        # Scanned before it goes: acceptance asks for no secret at rest in any database the tests used.
        try:
            found = await scan_database(database_url(name))
            _scanned["PostgreSQL databases"] += 1
            _secret_findings.extend(f"database {name}: {finding}" for finding in found)
        except Exception as exc:
            _secret_findings.append(f"database {name}: could not be scanned: {exc!r}")
        await drop_database(name)


@pytest_asyncio.fixture
async def pg_database(pg_database_factory: PgDatabaseFactory) -> str:
    """A fresh PostgreSQL database URL (`postgres://postgres@127.0.0.1:5432/bgw_test_…`), dropped at session end."""
    return await pg_database_factory()


@pytest.fixture(scope="session")
def localstripe(test_logs: Path) -> Iterator[LocalStripe]:
    """The session's localstripe emulator (`.url`, `.stop()`, `.start()`); shared state, so don't restart it."""
    emulator = LocalStripe(test_logs, name="localstripe-session")
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def localstripe_factory(test_logs: Path) -> Iterator[LocalStripeFactory]:
    """`make() -> LocalStripe`: a fresh, started emulator owned by this test (stopped at its end)."""
    started: list[LocalStripe] = []

    def make() -> LocalStripe:
        emulator = LocalStripe(test_logs)
        started.append(emulator)
        emulator.start()
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture(scope="session")
def redis_server(test_logs: Path) -> Iterator[RedisServer]:
    """The session's own `redis-server` on a free port: the suite never touches a Redis it did not start.

    Fails (never skips) when `redis-server` is not installed or does not start.
    """
    server = RedisServer(test_logs)
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        pytest.fail(f"could not start the tests' own redis-server ({exc!r}); install redis-server (see .ci/run)")
    yield server
    server.stop()


_next_redis_db = itertools.count()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A Redis URL on a logical database (1-15) of the session's own redis-server, flushed after the test."""
    db = 1 + next(_next_redis_db) % 15
    yield f"redis://127.0.0.1:{redis_server.port}/{db}"
    client = redis.Redis(host="127.0.0.1", port=redis_server.port, db=db, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium under Playwright (tests/support/browser.py); installed with apt when missing."""
    try:
        ensure_chromium()
    except BrowserUnavailableError as exc:
        pytest.fail(str(exc))
    async with async_playwright() as playwright:
        launched = await launch_chromium(playwright)
        try:
            yield launched
        finally:
            await launched.close()
