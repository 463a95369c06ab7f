"""deploy/Dockerfile's build steps, without Docker: its COPYs and `uv sync` RUNs replayed in a scratch /app.

There is no Docker daemon here (docs/decisions/0064), so the image is never built; this replays what
the builder stage does on this machine's Python and runs the result the way the runtime stage does:
ENTRYPOINT `migrate` in production, the default CMD, and the HEALTHCHECK command until it passes.
"""

from __future__ import annotations

import asyncio
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.aliases import PgDatabaseFactory
from tests.support.gateway import WEBHOOK_SECRET, gateway_env
from tests.support.localstripe import LocalStripe
from tests.support.net import free_port
from tests.support.poll import wait_until
from tests.support.process import REPO_ROOT, ManagedProcess, clean_env, run_logged
from tests.support.recipes import DOCKERFILE, copy_sources, dockerfile_stages, exec_form, instructions

APP = "/app"
SYNC_TIMEOUT_SECONDS = 300.0
DEV_ONLY = ("pytest", "localstripe", "ruff", "mypy", "honcho")


def _base_python() -> str:
    """The interpreter this venv was made from: the image's builder uses its base image's, never a venv's."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


def _build(app: Path, log: Path) -> None:
    """The builder stage's COPY and `uv …` RUN steps, in order, with `app` for /app."""
    builder = dockerfile_stages(DOCKERFILE.read_text())[1]
    (workdir,) = [instruction.arguments for instruction in instructions(builder, "WORKDIR")]
    assert workdir == APP
    # This machine's network settings stay (a proxy, certificates); the test run's own venv does not.
    env = clean_env({"UV_PYTHON": _base_python()}, drop_prefixes=("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"))
    for instruction in builder.instructions:
        if instruction.keyword == "COPY":
            sources = copy_sources(instruction)
            target = app / shlex.split(instruction.arguments)[-1]
            for source in sources:
                origin = REPO_ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, target / source if target.is_dir() else target)
        elif instruction.keyword == "RUN" and instruction.arguments.startswith("uv "):
            run_logged(shlex.split(instruction.arguments), env=env, log_path=log, cwd=app, timeout=SYNC_TIMEOUT_SECONDS)


@pytest.mark.timeout(SYNC_TIMEOUT_SECONDS + 120)
async def test_the_builder_steps_make_an_app_that_migrates_serves_and_passes_its_healthcheck(
    pg_database_factory: PgDatabaseFactory, localstripe: LocalStripe, redis_url: str, test_logs: Path, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    log = test_logs / "dockerfile-build" / "build.log"
    await asyncio.to_thread(_build, app, log)
    installed = {path.name.split("-")[0].lower() for path in (app / ".venv").rglob("*.dist-info")}
    assert "strawberry_graphql" in installed and not installed & set(DEV_ONLY), sorted(installed & set(DEV_ONLY))

    runtime = dockerfile_stages(DOCKERFILE.read_text())[-1]
    entrypoint = exec_form(instructions(runtime, "ENTRYPOINT")[0].arguments)
    command = exec_form(instructions(runtime, "CMD")[0].arguments)
    healthcheck = exec_form(instructions(runtime, "HEALTHCHECK")[0].arguments.partition("CMD ")[2])
    assert entrypoint is not None and command is not None and healthcheck is not None
    (image_env,) = [instruction.arguments for instruction in instructions(runtime, "ENV")]
    assert image_env == "GATEWAY_ENV=production"

    database_url = await pg_database_factory("dockerfile")
    env = gateway_env(
        database_url,
        localstripe.url,
        redis_url=redis_url,
        gateway_env="production",
        gateway_secret=secrets.token_urlsafe(32),
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    cli = entrypoint[0].replace(APP, str(app))
    migrated = await asyncio.to_thread(run_logged, [cli, "migrate"], env=env, log_path=log, cwd=app)
    assert "applied 0_" in migrated, migrated

    port = free_port()
    serve = [cli, *(str(port) if word == "8000" else word for word in command)]
    probe = [word.replace(APP, str(app)).replace(":8000/", f":{port}/") for word in healthcheck]
    server = ManagedProcess(serve, env=env, log_path=log, cwd=app)
    server.spawn()
    try:

        def healthy() -> bool:
            assert server.running, server.log_text()[-2000:]
            return subprocess.run(probe, capture_output=True, timeout=10, check=False).returncode == 0

        await wait_until(healthy, "the image's HEALTHCHECK command passing", 60.0)
    finally:
        server.stop()
    failing = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    assert failing.returncode != 0, "the HEALTHCHECK must fail once the gateway is stopped"
