"""The real `billing-gateway` CLI and server as test processes.

Everything goes through the console script installed in the venv next to
`sys.executable` (`.venv/bin/billing-gateway`), with an environment built from scratch
for the gateway's own variables (whatever the developer's shell exports for them is
dropped), run in a scratch working directory beside its log: a developer's `.env` in
the checkout is not read, and files the gateway writes to its CWD stay out of the repo.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tests.support.aliases import LocalStripeFactory, PgDatabaseFactory
from tests.support.audit_check import register_gateway, unregister_gateway
from tests.support.localstripe import LocalStripe
from tests.support.net import free_port, wait_for_http
from tests.support.process import ManagedProcess, ServiceStartError, clean_env, run_logged

GATEWAY_API_KEY = "sk_test_gateway"
WEBHOOK_SECRET = "whsec_test_secret"
GATEWAY_SECRET = "e2e-test-signing-secret-of-at-least-32-bytes"
START_TIMEOUT_SECONDS = 30.0
CLI_TIMEOUT_SECONDS = 120.0

GATEWAY_ENV_PREFIXES = ("DATABASE_URL", "REDIS_", "BROKER_", "STRIPE_", "GATEWAY_", "DB_", "IDEMPOTENCY_", "SANDBOX_")
"""Variables the gateway's settings read: never inherited from the shell running the tests."""


def cli_path() -> Path:
    """The venv's `billing-gateway` script (fails loudly when the project is not installed)."""
    path = Path(sys.executable).parent / "billing-gateway"
    if not path.exists():
        raise ServiceStartError(f"{path} not found: run the tests with `uv run pytest` after `uv sync`")
    return path


def gateway_env(database_url: str, stripe_api_base: str | None = None, **overrides: str) -> dict[str, str]:
    """The environment of a gateway process under test (keyword overrides are upper-cased env names).

    `STRIPE_API_BASE` is set only when `stripe_api_base` is given; `REDIS_URL` only when
    passed as an override (`redis_url=...`).
    """
    env = {
        "DATABASE_URL": database_url,
        "STRIPE_API_KEY": GATEWAY_API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "GATEWAY_ENV": "test",
        "GATEWAY_SECRET": GATEWAY_SECRET,
        "STRIPE_TIMEOUT_SECONDS": "3",
        # One key drives the whole e2e session; the rate-limit tests set their own budgets.
        "RATE_LIMIT_READS_PER_MINUTE": "1000000",
        "RATE_LIMIT_MUTATIONS_PER_MINUTE": "1000000",
    }
    if stripe_api_base is not None:
        env["STRIPE_API_BASE"] = stripe_api_base
    env.update({key.upper(): value for key, value in overrides.items()})
    return clean_env(env, drop_prefixes=GATEWAY_ENV_PREFIXES)


def run_cli(
    *args: str, env: Mapping[str, str], log_path: Path, timeout: float = CLI_TIMEOUT_SECONDS, cwd: Path | None = None
) -> str:
    """Run `billing-gateway ARGS…` to completion; return stdout (raises ServiceStartError on failure).

    The working directory is `cwd`, by default the log file's directory.
    """
    workdir = cwd if cwd is not None else log_path.parent
    workdir.mkdir(parents=True, exist_ok=True)
    return run_logged([str(cli_path()), *args], env=env, log_path=log_path, timeout=timeout, cwd=workdir)


def _cli_env(database_url: str, env: Mapping[str, str] | None) -> Mapping[str, str]:
    return env if env is not None else gateway_env(database_url)


def _default_log(log_path: Path | None) -> Path:
    return log_path if log_path is not None else Path(tempfile.gettempdir()) / "billing-gateway-tests" / "cli.log"


def migrate(database_url: str, *, env: Mapping[str, str] | None = None, log_path: Path | None = None) -> None:
    """`billing-gateway migrate` against `database_url`."""
    run_cli("migrate", env=_cli_env(database_url, env), log_path=_default_log(log_path))


def raw_key_from(stdout: str) -> str:
    """The raw key in `api-keys create` output: its last non-empty line."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ServiceStartError("`billing-gateway api-keys create` printed nothing on stdout")
    return lines[-1]


def key_id_from(listing: str, name: str) -> str:
    """The id of the key named `name` in `api-keys list` output: the first word of its line (names must be unique)."""
    named = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    lines = [line for line in listing.splitlines() if named.search(line)]
    if len(lines) != 1:
        raise AssertionError(f"expected one `api-keys list` line naming {name!r}, got {lines!r}")
    words: list[str] = re.findall(r"[\w-]+", lines[0])
    return words[0]


def create_api_key(
    database_url: str,
    scopes: str = "read,write",
    name: str = "test",
    *,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
) -> str:
    """`billing-gateway api-keys create --name NAME --scopes SCOPES`; returns the raw key (last stdout line)."""
    env = _cli_env(database_url, env)
    return raw_key_from(
        run_cli("api-keys", "create", "--name", name, "--scopes", scopes, env=env, log_path=_default_log(log_path))
    )


def api_key_id(
    database_url: str, name: str, *, env: Mapping[str, str] | None = None, log_path: Path | None = None
) -> str:
    """The id of the key named `name`, from `billing-gateway api-keys list`."""
    return key_id_from(
        run_cli("api-keys", "list", env=_cli_env(database_url, env), log_path=_default_log(log_path)), name
    )


def revoke_api_key(
    database_url: str, key_id: str, *, env: Mapping[str, str] | None = None, log_path: Path | None = None
) -> None:
    """`billing-gateway api-keys revoke ID`."""
    run_cli("api-keys", "revoke", key_id, env=_cli_env(database_url, env), log_path=_default_log(log_path))


class GatewayProcess:
    """`billing-gateway serve [serve_args…]` on 127.0.0.1:`port`, after `billing-gateway migrate`, with one log file.

    `env` is the full environment (see `gateway_env`). `start()` migrates (once) and
    waits for `GET /health/live` → 200; `stop()` sends SIGTERM, then SIGKILL. Its
    commands run in `workdir` (default: `<log_dir>/<name>-<port>.cwd/`).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        log_dir: Path,
        *,
        port: int | None = None,
        name: str = "gateway",
        workdir: Path | None = None,
        serve_args: tuple[str, ...] = (),
    ) -> None:
        self.env = dict(env)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self.cli_log_path = log_dir / f"{name}-{self.port}-cli.log"
        self.workdir = workdir if workdir is not None else log_dir / f"{name}-{self.port}.cwd"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.migrated = False
        self.process = ManagedProcess(
            [str(cli_path()), "serve", "--host", "127.0.0.1", "--port", str(self.port), *serve_args],
            env=self.env,
            log_path=self.log_path,
            cwd=self.workdir,
        )

    @property
    def database_url(self) -> str:
        """The DATABASE_URL this gateway runs on."""
        return self.env["DATABASE_URL"]

    @property
    def graphql_url(self) -> str:
        """`<url>/graphql`."""
        return f"{self.url}/graphql"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self.process.running

    def migrate(self) -> None:
        """`billing-gateway migrate` with this gateway's environment."""
        self.cli("migrate")
        self.migrated = True

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Migrate (first time only), start `serve`, wait for `/health/live` → 200."""
        if not self.migrated:
            self.migrate()
        if "DATABASE_URL" in self.env:
            register_gateway(self.url, self.env["DATABASE_URL"])
        self.process.spawn()
        try:
            wait_for_http(f"{self.url}/health/live", timeout=timeout, alive=lambda: self.process.running)
        except (TimeoutError, RuntimeError) as exc:
            self.process.stop()
            raise self.process.failure(f"billing-gateway serve did not become live on {self.url}", str(exc)) from exc

    async def astart(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """`start()` in a worker thread, so the caller's event loop keeps running meanwhile."""
        await asyncio.to_thread(self.start, timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` s; returns the exit status."""
        status = self.process.stop(timeout)
        # Its port may go to another server of the run (an emulator, a receiver): not a gateway's answers.
        unregister_gateway(self.url)
        return status

    def log_text(self) -> str:
        """What `serve` printed so far (all runs)."""
        return self.process.log_text()

    def cli(self, *args: str, timeout: float = CLI_TIMEOUT_SECONDS) -> str:
        """Run `billing-gateway ARGS…` with this gateway's environment; return stdout."""
        return run_cli(*args, env=self.env, log_path=self.cli_log_path, timeout=timeout, cwd=self.workdir)

    def create_api_key(self, scopes: str = "read,write", name: str = "test") -> str:
        """A new raw API key for this gateway's database."""
        return raw_key_from(self.cli("api-keys", "create", "--name", name, "--scopes", scopes))

    def api_key_id(self, name: str) -> str:
        """The id of this gateway's API key named `name` (from `api-keys list`)."""
        return key_id_from(self.cli("api-keys", "list"), name)

    def revoke_api_key(self, key_id: str) -> None:
        """`billing-gateway api-keys revoke ID` on this gateway's database."""
        self.cli("api-keys", "revoke", key_id)

    def __repr__(self) -> str:
        return f"GatewayProcess({self.url}, running={self.running})"


def connect_webhooks(emulator: LocalStripe, gateway: GatewayProcess) -> None:
    """Make the emulator deliver its signed events to the gateway's `/webhooks/stripe` (kept across restarts)."""
    emulator.register_webhook(f"gateway-{gateway.port}", f"{gateway.url}/webhooks/stripe", WEBHOOK_SECRET)


class GatewayFactory:
    """`await factory(*, localstripe=None, database_url=None, register_webhooks=True, start=True, **env)`.


    Keyword `env` entries are env overrides, upper-cased (`redis_url="redis://…"`,
    `stripe_timeout_seconds="1"`). Without `localstripe`, the gateway gets a fresh
    emulator of its own; without `database_url`, a fresh database. `start=False`
    returns it unstarted (call `.start()`/`await .astart()` yourself). `made` lists
    every gateway made; `stop_all()` stops them (the `gateway_factory` fixture does). `serve_args`
    (keyword) adds flags to `serve` (`("--workers", "2")`).
    """

    def __init__(
        self, pg_database_factory: PgDatabaseFactory, localstripe_factory: LocalStripeFactory, log_dir: Path
    ) -> None:
        self._pg = pg_database_factory
        self._localstripe = localstripe_factory
        self._log_dir = log_dir
        self.made: list[GatewayProcess] = []

    async def __call__(
        self,
        *,
        localstripe: LocalStripe | None = None,
        database_url: str | None = None,
        register_webhooks: bool = True,
        start: bool = True,
        serve_args: tuple[str, ...] = (),
        **env: str,
    ) -> GatewayProcess:
        """A new gateway process (started unless `start=False`; `serve_args`: more flags of `serve`)."""
        emulator = localstripe or self._localstripe()
        url = database_url or await self._pg()
        process = GatewayProcess(gateway_env(url, emulator.url, **env), self._log_dir, serve_args=serve_args)
        self.made.append(process)
        if start:
            await process.astart()
        if register_webhooks:
            connect_webhooks(emulator, process)
        return process

    def stop_all(self) -> None:
        """Stop every gateway this factory made."""
        for process in self.made:
            process.stop()
