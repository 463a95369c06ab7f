"""The `billing-gateway` command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from uuid import UUID

import typer

from gateway.settings import ConfigurationError, Settings, get_settings

T = TypeVar("T")

app = typer.Typer(help="A GraphQL billing gateway between your apps and Stripe.", no_args_is_help=True)
api_keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(api_keys, name="api-keys")


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


def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    from gateway.db import close_db, open_db

    async def run() -> T:
        await open_db(settings)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(run())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the gateway: GraphQL over HTTP and WebSocket, webhooks, health."""
    import uvicorn

    from gateway.app import create_app
    from gateway.logs import configure_logging
    from gateway.sandbox import SandboxError, StripeSandbox

    settings = _settings()
    configure_logging(settings)
    sandbox = None
    if settings.uses_sandbox:
        fresh = settings.is_sqlite and not Path(settings.effective_database_url.removeprefix("sqlite://")).exists()
        sandbox = StripeSandbox(settings.sandbox_port, Path("localstripe.log"), fresh=fresh)
        try:
            sandbox.start()
        except SandboxError as exc:
            raise _fail(str(exc)) from None
        settings = settings.model_copy(update={"stripe_api_base": sandbox.url})
    typer.echo(f"billing-gateway ({settings.gateway_env})")
    typer.echo(
        f"  GraphQL     http://{host}:{port}/graphql" + ("" if settings.is_production else "  (GraphiQL in a browser)")
    )
    typer.echo(f"  health      http://{host}:{port}/health/ready")
    typer.echo(f"  database    {_describe_database(settings)}")
    typer.echo(f"  redis       {settings.redis_url or 'none: in-process broker and pub/sub (embedded mode)'}")
    if sandbox is not None:
        typer.echo(f"  stripe      sandbox emulator (localstripe) at {sandbox.url}, test mode, log in localstripe.log")
    else:
        typer.echo(f"  stripe      {settings.stripe_api_base or 'https://api.stripe.com'}")
    try:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            ws_per_message_deflate=False,
            log_level="info",
            access_log=not settings.is_production,
        )
    finally:
        if sandbox is not None:
            sandbox.stop()


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
    from gateway.migrations import apply_migrations

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
    from gateway.auth import create_api_key, parse_scopes

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
def api_keys_list() -> None:
    """List API keys (never their raw values)."""
    from models import ApiKey

    keys = _with_db(_settings(), lambda: ApiKey.all().order_by("created_at"))
    typer.echo(f"{'id':36}  {'prefix':14}  {'scopes':16}  {'status':8}  {'created':20}  name")
    for key in keys:
        status = "revoked" if key.revoked_at else "active"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{key.id!s:36}  {key.prefix:14}  {','.join(key.scopes):16}  {status:8}  {created:20}  {key.name}")


@api_keys.command("revoke")
def api_keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id, from `api-keys list`.")]) -> None:
    """Revoke an API key; requests with it get 401 from now on."""
    from gateway.auth import revoke_api_key

    try:
        parsed = UUID(key_id)
    except ValueError:
        raise _fail(f"{key_id!r} is not a key id (see `billing-gateway api-keys list`)") from None
    if not _with_db(_settings(), lambda: revoke_api_key(parsed)):
        raise _fail(f"no active API key with id {key_id}")
    typer.echo(f"revoked {key_id}")


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is its committed output."""
    from schema import build_schema

    sys.stdout.write(build_schema().as_str().rstrip("\n") + "\n")


def main() -> None:
    """Entry point of the `billing-gateway` script."""
    app()
