"""The `billing-gateway` command."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from uuid import UUID

import typer

from base.settings import ConfigurationError, Settings, get_settings

if TYPE_CHECKING:
    from datetime import datetime

    from billing.reconcile import ReconcileReport
    from sandbox.launcher import StripeSandbox
    from webhooks.sweeper import SendEvent

T = TypeVar("T")

# Plain click help: typer's rich panels print a `<bool>` placeholder after every flag (typer 0.29).
app = typer.Typer(
    help="A GraphQL billing gateway between your apps and Stripe.", no_args_is_help=True, rich_markup_mode=None
)
api_keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(api_keys, name="api-keys")
webhooks = typer.Typer(help="Inspect and replay the Stripe webhook inbox.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(webhooks, name="webhooks")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _settings() -> Settings:
    settings = get_settings()
    try:
        settings.validate_for_startup()
    except ConfigurationError as exc:
        raise _fail(str(exc)) from None
    return settings


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON array, one object per row (stable field names), instead.")
]


def _print_json(rows: list[dict[str, Any]]) -> None:
    """The rows as one JSON array on stdout: the `--json` output of the list commands."""
    sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    from base.db import close_db, open_db

    async def run() -> T:
        await open_db(settings)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(run())


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that stop `serve` gracefully: Ctrl-C, a supervisor's `kill`, a closed terminal."""


class _Stopped(Exception):
    """A stop signal arrived outside uvicorn's own handling (or was re-raised by uvicorn after its shutdown)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped(signum)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes serving the port (uvicorn's process manager); default: one per core in "
            "production, one otherwise. More than one needs PostgreSQL and Redis.",
        ),
    ] = None,
) -> None:
    """Run the gateway: GraphQL over HTTP and WebSocket, webhooks, health."""
    import uvicorn

    from base.logs import configure_logging
    from gateway.app import create_app
    from gateway.worker_processes import default_workers, workers_problem
    from sandbox.launcher import SandboxError, StripeSandbox, find_running_sandbox

    settings = _settings()
    processes = workers if workers is not None else default_workers(settings)
    problem = workers_problem(settings, processes)
    if problem is not None:
        raise _fail(problem)
    configure_logging(settings)
    sandbox = None
    # uvicorn stops gracefully on SIGINT/SIGTERM and then re-raises the signal, which killed
    # this process before it could stop the sandbox: with these handlers the re-raised
    # signal becomes `_Stopped`, and the `finally` below runs on every stop signal.
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in STOP_SIGNALS}
    try:
        if settings.uses_sandbox:
            state_dir = settings.effective_sandbox_state_dir
            try:
                running = find_running_sandbox(state_dir)
            except SandboxError:
                pass  # none (or a stale record): this serve's own sandbox is the only one
            else:
                raise _fail(
                    f"another `billing-gateway serve` already runs the sandbox of this database ({running}, "
                    f"{state_dir}/sandbox.json): stop it first, or give this one another SANDBOX_STATE_DIR"
                )
            fresh = settings.is_sqlite and not Path(settings.effective_database_url.removeprefix("sqlite://")).exists()
            sandbox = StripeSandbox(
                settings.sandbox_port,
                state_dir / "sandbox.log",
                state_dir=state_dir,
                fresh=fresh,
                idempotency=settings.sandbox_idempotency,
            )
            try:
                sandbox.start()
                sandbox.deliver_webhooks_to(f"http://{_client_host(host)}:{port}/webhooks/stripe")
            except SandboxError as exc:
                raise _fail(str(exc)) from None
            settings = settings.model_copy(update={"stripe_api_base": sandbox.url})
        _print_banner(settings, host, port, sandbox)
        if processes > 1:
            _serve_processes(processes, host, port, sandbox)
            return
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, sandbox_token=sandbox.token if sandbox is not None else None),
                host=host,
                port=port,
                ws_per_message_deflate=False,
                log_level="info",
                # Our own access line instead (`gateway.access_log`: request id, no query string).
                access_log=False,
                # No handlers of uvicorn's own: its lines go through `configure_logging`'s
                # formatter, so they are redacted and JSON in production.
                log_config=None,
            )
        )
        # uvicorn handles SIGINT and SIGTERM itself; a hangup must drain it the same way.
        signal.signal(signal.SIGHUP, server.handle_exit)
        server.run()
        if not server.started:
            raise typer.Exit(code=3)  # uvicorn's STARTUP_FAILURE (the port is taken, say)
    except _Stopped:
        pass  # a requested stop is a clean exit, whichever signal asked for it
    finally:
        for signum in STOP_SIGNALS:  # stopping the sandbox is bounded: let nothing interrupt it
            signal.signal(signum, signal.SIG_IGN)
        if sandbox is not None:
            sandbox.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve_processes(processes: int, host: str, port: int, sandbox: StripeSandbox | None) -> None:
    """`processes` workers on one port under uvicorn's supervisor (`gateway.worker_processes`)."""
    import os

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from gateway.worker_processes import APP_FACTORY, SANDBOX_TOKEN_ENV, WORKER_READY_SECONDS, metrics_directory

    if sandbox is not None:  # the workers read their settings from the environment
        os.environ["STRIPE_API_BASE"] = sandbox.url
        os.environ[SANDBOX_TOKEN_ENV] = sandbox.token
    typer.echo(f"  processes   {processes} (pids in the log: `gateway worker process <pid> starting`)")
    with metrics_directory():
        config = uvicorn.Config(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=processes,
            # How long a new worker may take to serve on SIGHUP (and a hung one to answer a ping):
            # uvicorn's 5 s aborted reloads on a busy machine, where a worker took 14 s to start.
            timeout_worker_healthcheck=WORKER_READY_SECONDS,
            ws_per_message_deflate=False,
            log_level="info",
            access_log=False,
            log_config=None,
        )
        # The supervisor's own signal handlers replace ours: SIGINT/SIGTERM stop every worker
        # gracefully, SIGHUP replaces them one by one.
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        # The supervisor then stopped the others; each failed worker logged its reason on one line.
        typer.echo("error: a worker process could not start (its `could not start` line says why)", err=True)
        raise typer.Exit(code=3)


def _print_banner(settings: Settings, host: str, port: int, sandbox: StripeSandbox | None) -> None:
    typer.echo(f"billing-gateway ({settings.gateway_env})")
    typer.echo(
        f"  GraphQL     http://{host}:{port}/graphql" + ("" if settings.is_production else "  (GraphiQL in a browser)")
    )
    typer.echo(f"  health      http://{host}:{port}/health/ready")
    typer.echo(f"  database    {_describe_database(settings)}")
    typer.echo(f"  redis       {_describe_redis(settings)}")
    typer.echo(f"  broker      {_describe_broker(settings)}")
    if sandbox is not None:
        typer.echo(
            f"  stripe      sandbox emulator (localstripe) at {sandbox.url}, test mode, "
            f"state and log in {sandbox.state_dir}/"
        )
        typer.echo(
            f"  webhooks    the sandbox delivers its events to http://{_client_host(host)}:{port}/webhooks/stripe"
        )
    else:
        typer.echo(f"  stripe      {settings.stripe_api_base or 'https://api.stripe.com'}")


def _client_host(host: str) -> str:
    """Where a local client reaches a server bound to `host` (a wildcard bind answers on loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - comparing, not binding


def _describe_redis(settings: Settings) -> str:
    if not settings.redis_url:
        return "none: in-process pub/sub (embedded mode)"
    from base.redis_names import RedisNames

    url = settings.redis_url
    where = url.split("@")[-1] if "@" in url else url.split("://")[-1]
    return f"{where}, every key and channel under {RedisNames.of(settings).namespace}:"


def _describe_broker(settings: Settings) -> str:
    """The Dramatiq broker BROKER_URL picks: RabbitMQ for amqp://, else Redis, else in-process."""
    if settings.broker_url:
        from runtime.dramatiq_rabbitmq import broker_location

        return f"RabbitMQ at {broker_location(settings.broker_url)} (BROKER_URL)"
    if settings.redis_url:
        return "Redis (REDIS_URL; BROKER_URL=amqp://... selects RabbitMQ)"
    return "in-process (embedded mode; REDIS_URL, or BROKER_URL=amqp://... with it, selects a shared one)"


def _describe_database(settings: Settings) -> str:
    if settings.is_sqlite:
        return f"embedded SQLite ({settings.effective_database_url.removeprefix('sqlite://')})"
    url = settings.effective_database_url
    return url.split("@")[-1] if "@" in url else url


@app.command()
def migrate() -> None:
    """Apply the database migrations (PostgreSQL); on embedded SQLite, create the tables."""
    settings = _settings()
    if settings.is_sqlite:
        _with_db(settings, _noop)
        typer.echo("embedded SQLite: tables are up to date")
        return
    from base.migrator import apply_migrations

    applied = asyncio.run(apply_migrations(settings))
    if applied:
        for name in applied:
            typer.echo(f"applied {name}")
    else:
        typer.echo("no migrations to apply")


async def _noop() -> None:
    return None


@api_keys.command("create")
def api_keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: read, write, admin.")] = "read",
) -> None:
    """Create an API key; its raw value is the last line printed, shown only once."""
    from base.principals import parse_scopes
    from billing.credentials import create_api_key

    try:
        parsed = parse_scopes(scopes)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if not name.strip() or len(name) > 128:
        raise _fail("--name must be 1 to 128 characters")
    key, raw = _with_db(_settings(), lambda: create_api_key(name.strip(), parsed))
    typer.echo(f"created API key {key.id} ({key.prefix}…) named {key.name!r} with scopes {','.join(key.scopes)}")
    typer.echo("store it now; it is not shown again:")
    typer.echo(raw)


@api_keys.command("list")
def api_keys_list(as_json: JsonOption = False) -> None:
    """List API keys (never their raw values)."""
    from models import ApiKey

    keys = _with_db(_settings(), lambda: ApiKey.all().order_by("created_at"))
    if as_json:
        _print_json(
            [
                {
                    "id": str(key.id),
                    "name": key.name,
                    "prefix": key.prefix,
                    "scopes": list(key.scopes),
                    "status": "revoked" if key.revoked_at else "active",
                    "created_at": _iso(key.created_at),
                    "revoked_at": _iso(key.revoked_at),
                    "last_used_at": _iso(key.last_used_at),
                }
                for key in keys
            ]
        )
        return
    typer.echo(f"{'id':36}  {'prefix':14}  {'scopes':16}  {'status':8}  {'created':20}  name")
    for key in keys:
        status = "revoked" if key.revoked_at else "active"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{key.id!s:36}  {key.prefix:14}  {','.join(key.scopes):16}  {status:8}  {created:20}  {key.name}")


@api_keys.command("revoke")
def api_keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id, from `api-keys list`.")]) -> None:
    """Revoke an API key; requests with it get 401 from now on."""
    from billing.credentials import revoke_api_key

    try:
        parsed = UUID(key_id)
    except ValueError:
        raise _fail(f"{key_id!r} is not a key id (see `billing-gateway api-keys list`)") from None
    settings = _settings()
    if not _with_db(settings, lambda: revoke_api_key(parsed)):
        raise _fail(f"no active API key with id {key_id}")
    typer.echo(f"revoked {key_id}")
    if settings.redis_url:
        _announce_revocation(settings, str(parsed))


def _announce_revocation(settings: Settings, key_id: str) -> None:
    """Tell every gateway process to drop the key from its cache now (else its TTL does, within seconds)."""
    from redis.exceptions import RedisError

    from live.credential_events import publish_api_key_revoked

    try:
        heard = asyncio.run(publish_api_key_revoked(settings, key_id))
    except (RedisError, OSError) as exc:
        from billing.verified_credentials import API_KEY_TTL_SECONDS

        typer.echo(
            f"warning: could not announce it on Redis ({exc}); gateway processes refuse it within "
            f"{API_KEY_TTL_SECONDS:g} s",
            err=True,
        )
    else:
        typer.echo(f"announced to {heard} gateway process(es)")


@app.command("reconcile")
def reconcile_command(
    since: Annotated[
        str | None,
        typer.Option(help="Only objects created on or after this day (UTC).", metavar="YYYY-MM-DD"),
    ] = None,
) -> None:
    """Pull Stripe's objects into the mirror, fix drift, and print what changed."""
    from datetime import UTC, datetime

    settings = _stripe_settings("reconcile", _fail)
    since_at: datetime | None = None
    if since is not None:
        try:
            since_at = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise _fail(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    report = _with_db(settings, lambda: _reconcile_with_progress(settings, since_at))
    for change in report.changes:
        detail = "" if change.action == "created" else ": " + ", ".join(change.fields)
        typer.echo(f"{change.action} {change.kind} {change.stripe_id}{detail}")
    for kind, counts in report.counts.items():
        for stripe_id in counts.missing_at_stripe:
            typer.echo(f"missing at Stripe {kind} {stripe_id} (kept in the mirror)")
    if not report.changed:
        typer.echo("no changes: the mirror matches Stripe")
    for line in report.summary_lines():
        typer.echo(line)


def _stripe_settings(command: str, fail: Callable[[str], typer.Exit]) -> Settings:
    """The settings with the Stripe `command` talks to (in embedded mode: the sandbox `serve` runs)."""
    settings = _settings()
    if settings.uses_sandbox:
        # Embedded mode: the Stripe is the sandbox `serve` runs for this database, found
        # through its state directory as `serve` left it (a throwaway emulator would only
        # report every mirrored object as missing).
        from sandbox.launcher import SandboxError, find_running_sandbox

        try:
            sandbox_url = find_running_sandbox(settings.effective_sandbox_state_dir)
        except SandboxError as exc:
            raise fail(f"{command} in embedded mode reads the sandbox of `serve`: {exc}") from None
        return settings.model_copy(update={"stripe_api_base": sandbox_url})
    if not settings.stripe_api_key and not settings.stripe_api_base:
        raise fail(f"{command} needs Stripe: set STRIPE_API_KEY (or STRIPE_API_BASE for an emulator)")
    return settings


async def _reconcile_with_progress(settings: Settings, since: datetime | None) -> ReconcileReport:
    """Run `reconcile` with a progress display on stderr (stdout keeps only the report)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    from billing.reconcile import KINDS, reconcile
    from stripe_provider.adapter import StripeAdapter
    from stripe_provider.provider_errors import ProviderError

    # Stripe's lists carry no totals, so each type shows a running count, not a percentage.
    # On a non-terminal stderr rich draws nothing live and prints the final state once.
    console = Console(stderr=True)
    stripe = StripeAdapter(settings)
    try:
        with Progress(
            SpinnerColumn(finished_text="done"),
            TextColumn("{task.description:<16}"),
            TextColumn("{task.completed} pulled"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            tasks: dict[str, TaskID] = {kind: progress.add_task(kind, total=None) for kind in KINDS}

            def advance(kind: str, done: int) -> None:
                progress.update(tasks[kind], completed=done)

            try:
                report = await reconcile(stripe, since=since, progress=advance)
            except ProviderError as exc:
                detail = "Stripe is unavailable" if exc.transient else f"Stripe refused: {exc.message}"
                raise _fail(f"{detail} ({exc.code}); what was pulled so far is kept, re-run to finish") from None
            for task in progress.tasks:
                progress.update(task.id, total=task.completed)  # every list was read to its end
            return report
    finally:
        await stripe.aclose()


INBOX_STATUSES = ("pending", "processing", "processed", "failed", "ignored")
"""`models.inbox.EventStatus` values (not imported here: the CLI loads models lazily)."""


@webhooks.command("list")
def webhooks_list(
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help=f"Only events with this status ({', '.join(INBOX_STATUSES)}); repeat for several.",
            show_default=False,
        ),
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Same as --status failed.")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Same as --status pending.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List inbox events, newest first (several statuses: any of them)."""
    from models import EventStatus, WebhookEvent

    wanted = list(status or []) + ["failed"] * failed + ["pending"] * pending
    unknown = sorted({name for name in wanted if name not in INBOX_STATUSES})
    if unknown:
        raise _fail(f"unknown status {', '.join(unknown)} (expected {', '.join(INBOX_STATUSES)})")
    statuses = [EventStatus(name) for name in dict.fromkeys(wanted)]

    async def fetch() -> list[WebhookEvent]:
        query = WebhookEvent.all()
        if statuses:
            query = query.filter(status__in=statuses)
        return await query.order_by("-created_at", "-id").limit(limit)

    events = _with_db(_settings(), fetch)
    if as_json:
        from base.redaction import redact

        _print_json(
            [
                {
                    "id": str(event.id),
                    "stripe_event_id": event.stripe_event_id,
                    "type": event.type,
                    "status": event.status.value,
                    "attempts": event.attempts,
                    "received_at": _iso(event.created_at),
                    "processed_at": _iso(event.processed_at),
                    "last_error": redact(event.last_error) if event.last_error else None,
                }
                for event in events
            ]
        )
        return
    if not events:
        typer.echo("no webhook events" + (f" ({' or '.join(statuses)})" if statuses else ""))
        return
    id_width = max(len("stripe event id"), *(len(event.stripe_event_id) for event in events))
    type_width = max(len("type"), *(len(event.type) for event in events))
    typer.echo(
        f"{'stripe event id':{id_width}}  {'type':{type_width}}  {'status':10}  {'attempts':8}  "
        f"{'received at':19}  last error"
    )
    for event in events:
        received = event.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{event.stripe_event_id:{id_width}}  {event.type:{type_width}}  {event.status.value:10}  "
            f"{event.attempts:<8}  {received:19}  {_one_line(event.last_error, 80)}".rstrip()
        )


def _one_line(text: str | None, width: int) -> str:
    """`text` on one line, cut to `width` characters (tracebacks stay readable in a table)."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@webhooks.command("replay")
def webhooks_replay(
    event_id: Annotated[
        str | None, typer.Argument(help="Stripe's event id (evt_…) or the inbox row id.", show_default=False)
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Replay every failed event.")] = False,
) -> None:
    """Reset inbox events to pending (attempts kept) and hand them to the workers again."""
    from webhooks.replay import outcome_line, replay

    if (event_id is None) == (not failed):
        raise _fail("give either EVENT_ID or --failed")
    settings = _settings()
    send: SendEvent | None = None
    if settings.redis_url:
        from tasks.broker import configure_broker, enqueue_event

        configure_broker(settings)
        send = enqueue_event
    # Without Redis the broker lives inside `serve`: this process cannot reach it, so rows
    # are only reset and the server's sweeper sends them.
    rows = _with_db(settings, lambda: replay(event_id, failed=failed, send=send))
    if not rows:
        if failed:
            typer.echo("no failed webhook events")
            return
        raise _fail(f"no webhook event {event_id!r} with a type the gateway applies")
    for row in rows:
        typer.echo(outcome_line(row, settings.webhook_pending_grace_seconds))


@app.command("audit")
def audit_command(
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    operation: Annotated[
        str | None, typer.Option(help="Only this operation (a mutation name or a Stripe event type).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List audit entries (mutations and applied webhook events), newest first."""
    from models import AuditEntry

    async def fetch() -> list[AuditEntry]:
        query = AuditEntry.all()
        if operation is not None:
            query = query.filter(operation=operation)
        return await query.order_by("-id").limit(limit)

    entries = _with_db(_settings(), fetch)
    if as_json:
        _print_json(
            [
                {
                    "id": str(entry.id),
                    "occurred_at": _iso(entry.occurred_at),
                    "principal": entry.principal,
                    "operation": entry.operation,
                    "outcome": entry.outcome,
                    "idempotency_key": entry.idempotency_key,
                    "stripe_request_id": entry.stripe_request_id,
                    "stripe_event_id": entry.stripe_event_id,
                    "request_id": entry.request_id,
                    "object_ids": list(entry.object_ids or []),
                }
                for entry in entries
            ]
        )
        return
    if not entries:
        typer.echo("no audit entries" + (f" for {operation}" if operation else ""))
        return
    headers = ("occurred at", "principal", "operation", "outcome", "idempotency key", "stripe id", "objects")
    rows = [
        (
            entry.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.principal,
            entry.operation,
            entry.outcome,
            entry.idempotency_key or "",
            entry.stripe_event_id or entry.stripe_request_id or "",
            ",".join(entry.object_ids or []),
        )
        for entry in entries
    ]
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(headers[:-1])]
    typer.echo("  ".join(f"{header:{width}}" for header, width in zip(headers, widths, strict=False)) + "  objects")
    for row in rows:
        cells = "  ".join(f"{cell:{width}}" for cell, width in zip(row, widths, strict=False))
        typer.echo(f"{cells}  {row[-1]}".rstrip())


def _error(message: str) -> typer.Exit:
    """A failure of the operator commands (a bad id, an over-refund, a refusal): one line, exit code 1."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _operator_run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run an operator command's work with the database open; every failure is one line on stderr, exit 1."""
    import logging

    from gateway.operator_commands import OperatorError

    # The mutation path logs for a server's log (a warning when Stripe is unreachable): here the one
    # `error:` line says it, so nothing falls through to Python's last-resort handler on stderr.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        return _with_db(settings, work)
    except OperatorError as exc:
        raise _error(str(exc)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # a database or network failure: one line, never a traceback
        detail = " ".join(str(exc).split())[:300]
        raise _error(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__) from None


def _console() -> Any:
    """A rich console for stdout; a pipe gets wide lines (no wrapped ids) and no colour codes."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200, highlight=False, soft_wrap=False)


def _fields_table(title: str | None, rows: list[tuple[str, Any]]) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(show_header=False, box=box.SIMPLE, pad_edge=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, "-" if value is None or value == "" else str(value))
    return _titled(title, table)


def _rows_table(title: str | None, headers: list[str], rows: list[list[Any]]) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*("-" if cell is None or cell == "" else str(cell) for cell in row))
    return _titled(title, table)


def _titled(title: str | None, table: Any) -> Any:
    """The table under its title on a line of its own (a table's own title wraps to the table's width)."""
    from rich.console import Group
    from rich.text import Text

    return table if title is None else Group(Text(title, style="bold"), table)


def _ask(question: str) -> bool:
    """A yes/no answer read from stdin; no answer at all (a closed, non-terminal stdin) refuses."""
    from gateway.operator_commands import OperatorError

    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        sys.stderr.write("\n")
        if not sys.stdin.isatty():
            raise OperatorError("no confirmation: stdin is not a terminal and gave no answer; pass --yes to skip it")
        return False
    return line.strip().lower() in ("y", "yes")


@app.command("process-refund")
def process_refund_command(
    payment: Annotated[str, typer.Argument(help="The payment: a Payment id or a Stripe pi_… id.", show_default=False)],
    amount: Annotated[
        int | None,
        typer.Option(help="In minor units (cents), at most what is left; default: all that is left."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="duplicate, fraudulent or requested_by_customer; default: none given.")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(help="Reuse a key printed by an earlier run to retry it safely; default: a new key."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Refund without asking for confirmation.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (stable field names).")] = False,
) -> None:
    """Refund a payment through the refundPayment mutation's path (ledger, money lock, audit as cli:<user>)."""
    from gateway.operator_commands import (
        OperatorError,
        RefundRequest,
        check_refundable,
        find_payment,
        new_idempotency_key,
        operator_context,
        operator_name,
        operator_principal,
        parse_reason,
        payment_summary,
        refund_report,
        run_refund,
    )
    from stripe_provider.adapter import StripeAdapter

    settings = _stripe_settings("process-refund", _error)
    key = idempotency_key if idempotency_key is not None else new_idempotency_key()
    if not key.strip() or len(key) > 255:
        raise _error("--idempotency-key must be 1 to 255 characters")
    principal = operator_principal(operator_name())

    async def work() -> dict[str, Any]:
        reason_value = parse_reason(reason)
        row = await find_payment(payment)
        refund_amount = check_refundable(row, amount)
        summary = payment_summary(row)
        if not yes:
            left = summary["left_to_refund"]
            sys.stderr.write(
                f"payment {row.stripe_id} ({summary['id']}): {row.amount} {row.currency} paid, "
                f"{row.amount_refunded} refunded, {left} left (minor units)\n"
                f"refund {refund_amount} {row.currency}"
                + (f" ({reason_value.value})" if reason_value else "")
                + f", leaving {left - refund_amount} {row.currency}; idempotency key {key}\n"
            )
            if not _ask("Refund?"):
                raise OperatorError("not refunded: the confirmation was declined")
        typer.echo(f"idempotency key: {key} (rerun with --idempotency-key {key} to retry safely)", err=True)
        stripe = StripeAdapter(settings)
        try:
            ctx = operator_context(settings, principal, stripe)
            request = RefundRequest(payment_id=summary["id"], amount=amount, reason=reason_value)
            result = await run_refund(ctx, key, request)
        finally:
            await stripe.aclose()
        return await refund_report(result, key)

    report = _operator_run(settings, work)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    refund, paid = report["refund"], report["payment"]
    verb = "already refunded (replayed the stored answer of this key)" if report["replayed"] else "refunded"
    console = _console()
    console.print(
        f"{verb}: {refund['amount']} {refund['currency']} of payment {paid['stripe_id']} "
        f"(refund {refund['stripe_id']}, {refund['status']})"
    )
    console.print(
        _fields_table(
            None,
            [
                ("refund", refund["id"]),
                ("stripe refund", refund["stripe_id"]),
                ("amount", f"{refund['amount']} {refund['currency']}"),
                ("status", refund["status"]),
                ("reason", refund["reason"]),
                ("payment", f"{paid['id']} ({paid['stripe_id']})"),
                ("refunded so far", f"{paid['amount_refunded']} of {paid['amount_received'] or paid['amount']}"),
                ("left to refund", f"{paid['left_to_refund']} {paid['currency']}"),
                ("idempotency key", report["idempotency_key"]),
                ("by", principal.ledger_scope),
            ],
        )
    )


WEBHOOK_STATUS_FILTERS = ("failed", "pending", "processed", "processing", "ignored")


@app.command("webhook-status")
def webhook_status_command(
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Which events to list oldest first (failed, pending, processed…; repeat for several); "
            "default: failed and pending.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (stable field names).")] = False,
) -> None:
    """Counts of the webhook inbox by status, its oldest pending/failed events, and outgoing deliveries."""
    from gateway.operator_commands import webhook_status
    from models import EventStatus

    wanted = list(dict.fromkeys(status or ["failed", "pending"]))
    unknown = [name for name in wanted if name not in WEBHOOK_STATUS_FILTERS]
    if unknown:
        raise _error(f"unknown status {', '.join(unknown)} (expected {', '.join(WEBHOOK_STATUS_FILTERS)})")
    report = _operator_run(_settings(), lambda: webhook_status([EventStatus(name) for name in wanted]))
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    inbox = report["inbox"]
    console = _console()
    console.print(
        _rows_table(
            "incoming (Stripe webhook inbox)",
            ["status", "events"],
            [[name, count] for name, count in inbox["counts"].items()] + [["total", inbox["total"]]],
        )
    )
    which = " or ".join(inbox["oldest_statuses"])
    if inbox["oldest"]:
        console.print(
            _rows_table(
                f"oldest {which}",
                ["stripe event id", "type", "status", "age", "attempts", "last error"],
                [
                    [
                        e["stripe_event_id"],
                        e["type"],
                        e["status"],
                        _age(e["age_seconds"]),
                        e["attempts"],
                        e["last_error"],
                    ]
                    for e in inbox["oldest"]
                ],
            )
        )
    else:
        console.print(f"no {which} events in the inbox")
    outgoing = report["outgoing"]
    if not outgoing["configured"]:
        console.print("outgoing (webhook deliveries): no endpoint configured (createWebhookEndpoint adds one)")
        return
    console.print(
        _rows_table(
            f"outgoing (webhook deliveries to {outgoing['endpoints']} endpoint(s))",
            ["status", "deliveries"],
            [[name, count] for name, count in outgoing["counts"].items()],
        )
    )
    if outgoing["oldest"]:
        console.print(
            _rows_table(
                f"oldest {which} deliveries",
                ["event type", "endpoint", "status", "age", "attempts", "last code", "last error"],
                [
                    [
                        d["event_type"],
                        d["endpoint_id"],
                        d["status"],
                        _age(d["age_seconds"]),
                        d["attempts"],
                        d["last_status_code"],
                        d["last_error"],
                    ]
                    for d in outgoing["oldest"]
                ],
            )
        )


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


@app.command("subscription-info")
def subscription_info_command(
    reference: Annotated[
        str,
        typer.Argument(
            metavar="CUSTOMER_OR_SUBSCRIPTION",
            help="A Customer or Subscription id, a cus_… or sub_… id, or a customer's email.",
            show_default=False,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (stable field names).")] = False,
) -> None:
    """A customer's subscriptions: state, items, pause, discounts, latest invoice, payment attempts, events."""
    from gateway.operator_commands import subscription_info

    report = _operator_run(_settings(), lambda: subscription_info(reference))
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    console = _console()
    for customer in report["customers"]:
        console.print(
            f"customer {customer['stripe_id']} ({customer['id']}) {customer['email'] or ''} {customer['name'] or ''}"
            + (" [deleted]" if customer["deleted"] else "")
        )
    if not report["subscriptions"]:
        console.print("no subscriptions")
    for sub in report["subscriptions"]:
        _print_subscription(console, sub)


def _print_subscription(console: Any, sub: dict[str, Any]) -> None:
    pause = sub["pause"]
    invoice = sub["latest_invoice"]
    console.print(
        _fields_table(
            f"subscription {sub['stripe_id']}",
            [
                ("id", sub["id"]),
                ("customer", sub["customer"]["stripe_id"]),
                ("status", sub["status"]),
                ("period", f"{sub['current_period_start'] or '-'} → {sub['current_period_end'] or '-'}"),
                ("cancel at period end", "yes" if sub["cancel_at_period_end"] else "no"),
                ("canceled at", sub["canceled_at"]),
                ("trial end", sub["trial_end"]),
                (
                    "paused",
                    "no" if pause is None else f"{pause['behavior']}, resumes {pause['resumes_at'] or 'when resumed'}",
                ),
                (
                    "discounts",
                    ", ".join(f"{d['coupon']}" + (f" (until {d['end']})" if d["end"] else "") for d in sub["discounts"])
                    or "none",
                ),
            ],
        )
    )
    console.print(
        _rows_table(
            "items",
            ["price", "nickname", "unit amount", "interval", "quantity"],
            [
                [
                    item["price_stripe_id"],
                    item["nickname"],
                    None if item["unit_amount"] is None else f"{item['unit_amount']} {item['currency']}",
                    None if item["interval"] is None else f"{item['interval_count'] or 1} {item['interval']}",
                    item["quantity"],
                ]
                for item in sub["items"]
            ],
        )
    )
    if invoice is None:
        console.print("latest invoice: none")
    else:
        console.print(
            _fields_table(
                f"latest invoice {invoice['stripe_id']}",
                [
                    ("status", invoice["status"]),
                    ("amount due", f"{invoice['amount_due']} {invoice['currency']}"),
                    ("amount remaining", f"{invoice['amount_remaining']} {invoice['currency']}"),
                    ("attempt count", invoice["attempt_count"]),
                    ("next payment attempt", invoice["next_payment_attempt"] or "none"),
                ],
            )
        )
    attempts = sub["payment_attempts"]
    if attempts:
        console.print(
            _rows_table(
                "payment attempts",
                ["payment", "invoice", "status", "amount", "failure", "created"],
                [
                    [
                        a["stripe_id"],
                        a["invoice_stripe_id"],
                        a["status"],
                        f"{a['amount']} {a['currency']}",
                        a["decline_code"] or a["failure_code"],
                        a["created_at"],
                    ]
                    for a in attempts
                ],
            )
        )
    else:
        console.print("payment attempts: none")
    events = sub["recent_events"]
    if events:
        console.print(
            _rows_table(
                "recent events",
                ["at", "source", "what", "status", "by", "reference"],
                [[e["at"], e["source"], e["what"], e["status"], e["by"], e["reference"]] for e in events],
            )
        )
    else:
        console.print("recent events: none")


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    threads: Annotated[int, typer.Option(min=1, help="Worker threads per process.")] = 8,
) -> None:
    """Run Dramatiq workers for the webhook actors, with the inbox sweeper.

    The broker comes from BROKER_URL: Redis (REDIS_URL) by default, RabbitMQ with an amqp:// URL.
    REDIS_URL is required either way (live status stays on Redis pub/sub).
    """
    from base.logs import configure_logging
    from tasks.worker import run_workers

    settings = _settings()
    if not settings.redis_url:
        raise _fail("REDIS_URL is required for `worker` (without it, `serve` runs the worker in-process)")
    configure_logging(settings)
    raise typer.Exit(code=run_workers(settings, processes, threads))


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is its committed output."""
    from schema import build_schema

    sys.stdout.write(build_schema().as_str().rstrip("\n") + "\n")


# --- revenue analytics (issue 16): `billing-gateway metrics mrr|churn|revenue` ----------------------------------

metrics = typer.Typer(
    help="Revenue analytics from the mirror (the figures of the `billingMetrics` query).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(metrics, name="metrics")

METRICS_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "mrr": (
        ("mrr", "MRR"),
        ("arr", "ARR"),
        ("new_mrr", "new"),
        ("expansion_mrr", "expansion"),
        ("contraction_mrr", "contraction"),
        ("churned_mrr", "churned"),
        ("active_subscriptions", "active"),
        ("trialing_subscriptions", "trialing"),
        ("past_due_subscriptions", "past due"),
        ("arpu", "ARPU"),
    ),
    "churn": (
        ("churned_mrr", "churned MRR"),
        ("contraction_mrr", "contraction MRR"),
        ("logo_churn_rate", "logo churn rate"),
        ("revenue_churn_rate", "revenue churn rate"),
        ("active_subscriptions", "active"),
        ("past_due_subscriptions", "past due"),
    ),
    "revenue": (
        ("gross_revenue", "payments"),
        ("refunds", "refunds"),
        ("net_revenue", "net revenue"),
        ("arpu", "ARPU"),
    ),
}
"""Each `metrics` command's figures: (field of `billing.analytics.PeriodMetrics` / `--json` key, column title)."""

CurrencyOption = Annotated[
    str, typer.Option("--currency", metavar="CODE", help="ISO 4217 code; only amounts in it count (no FX).")
]
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DATE",
        help="Start (inclusive): YYYY-MM-DD or an ISO 8601 time, UTC unless it says; default: 12 months before --to.",
        show_default=False,
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="DATE",
        help="End (exclusive), like --from; default: the first day of next month (UTC).",
        show_default=False,
    ),
]
IntervalOption = Annotated[str, typer.Option("--interval", metavar="day|month", help="The length of one period.")]
MetricsJsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON array, one object per period (amounts in minor units), instead.")
]


def _metrics_time(value: str, option: str) -> datetime:
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _run_metrics(command: str, currency: str, start: str | None, end: str | None, interval: str, as_json: bool) -> None:
    """Compute the periods with `billing.analytics` (the query's code) and print `command`'s columns."""
    from datetime import UTC, datetime

    from billing.analytics import MetricsInputError, MetricsInterval, PeriodMetrics, billing_metrics

    try:
        period = MetricsInterval(interval.lower())
    except ValueError:
        raise _fail(f"--interval {interval!r} is not day or month") from None
    if end is None:
        now = datetime.now(UTC)
        end_at = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    else:
        end_at = _metrics_time(end, "--to")
    start_at = end_at.replace(year=end_at.year - 1) if start is None else _metrics_time(start, "--from")

    async def compute() -> list[PeriodMetrics] | MetricsInputError:
        try:
            return await billing_metrics(currency, start_at, end_at, period)
        except MetricsInputError as refused:
            return refused

    answer = _with_db(_settings(), compute)
    if isinstance(answer, MetricsInputError):
        raise _fail(f"{answer} ({answer.code})")
    columns = METRICS_COLUMNS[command]
    if as_json:
        _print_json(
            [
                {
                    "start": row.start.isoformat(),
                    "end": row.end.isoformat(),
                    **{key: getattr(row, key) for key, _ in columns},
                }
                for row in answer
            ]
        )
        return
    from rich.console import Console
    from rich.table import Table

    def cell(value: object) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.2%}"
        return str(value)

    day_only = all(row.start.time() == row.end.time() == datetime.min.time() for row in answer)
    table = Table(title=f"{command} in {currency.strip().lower()} (amounts in minor units)")
    table.add_column("period")
    for _, title in columns:
        table.add_column(title, justify="right")
    for row in answer:
        start_text = row.start.strftime("%Y-%m-%d") if day_only else row.start.isoformat()
        end_text = row.end.strftime("%Y-%m-%d") if day_only else row.end.isoformat()
        table.add_row(f"{start_text}..{end_text}", *(cell(getattr(row, key)) for key, _ in columns))
    # Not a terminal (a pipe, a file): wide enough that no column is cut.
    Console(width=None if sys.stdout.isatty() else 240).print(table)


@metrics.command("mrr")
def metrics_mrr(
    currency: CurrencyOption = "usd",
    start: FromOption = None,
    end: ToOption = None,
    interval: IntervalOption = "month",
    as_json: MetricsJsonOption = False,
) -> None:
    """MRR and ARR at each period's end, the period's new, expansion, contraction and churned MRR, counts, ARPU."""
    _run_metrics("mrr", currency, start, end, interval, as_json)


@metrics.command("churn")
def metrics_churn(
    currency: CurrencyOption = "usd",
    start: FromOption = None,
    end: ToOption = None,
    interval: IntervalOption = "month",
    as_json: MetricsJsonOption = False,
) -> None:
    """Churned and contraction MRR, logo and revenue churn rates per period (docs/analytics.md)."""
    _run_metrics("churn", currency, start, end, interval, as_json)


@metrics.command("revenue")
def metrics_revenue(
    currency: CurrencyOption = "usd",
    start: FromOption = None,
    end: ToOption = None,
    interval: IntervalOption = "month",
    as_json: MetricsJsonOption = False,
) -> None:
    """Payments that succeeded, refunds and net revenue per period, with ARPU."""
    _run_metrics("revenue", currency, start, end, interval, as_json)


@metrics.command("backfill")
def metrics_backfill() -> None:
    """Write a first revision for each mirrored subscription that has none (run once after upgrading)."""
    from billing.mirror.revisions import backfill_revisions

    written = _with_db(_settings(), backfill_revisions)
    typer.echo(f"{written} subscription(s) given a first revision, dated at their creation at Stripe")


# Persisted documents (decision 0066); the work is in gateway/persisted_commands.py.
persisted_queries = typer.Typer(
    help="Register and list persisted GraphQL documents (the allow-list of PERSISTED_QUERIES=allowlist).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(persisted_queries, name="persisted-queries")


@persisted_queries.command("add")
def persisted_queries_add(
    files: Annotated[
        list[Path],
        typer.Argument(help="GraphQL files (one document each) or JSON manifests ({sha256: document}).", exists=True),
    ],
) -> None:
    """Register documents (all or none); print each one's SHA-256, what clients send as `sha256Hash`."""
    from gateway.persisted_commands import check_documents, read_documents, register_documents

    settings = _settings()
    try:
        documents = read_documents(files)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if not documents:
        raise _fail("the files hold no document")
    problems = check_documents(settings, documents)
    if problems:  # one line each, then nothing registered (exit 1, as the operator commands' refusals)
        for problem in problems[:-1]:
            typer.echo(f"error: {problem}", err=True)
        raise _error(f"{problems[-1]} (nothing registered)")
    stored = _with_db(settings, lambda: register_documents(documents))
    for (where, _, _), (sha256, created) in zip(documents, stored, strict=True):
        typer.echo(f"{sha256}  {'added' if created else 'already registered'}  {where}")


@persisted_queries.command("list")
def persisted_queries_list(as_json: JsonOption = False) -> None:
    """Every registered document: its SHA-256, who stored it (operator or apq), when, and its start."""
    from gateway.persisted_commands import list_documents, summary_line

    rows = _with_db(_settings(), list_documents)
    if as_json:
        _print_json(
            [
                {"sha256": r.sha256, "source": r.source, "createdAt": _iso(r.created_at), "document": r.document}
                for r in rows
            ]
        )
        return
    for row in rows:
        typer.echo(summary_line(row))
    typer.echo(f"{len(rows)} document(s)")


def main() -> None:
    """Entry point of the `billing-gateway` script."""
    app()
