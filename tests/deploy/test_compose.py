"""deploy/compose.yaml: validated by Debian's docker-compose (`config` needs no daemon), and scalable as documented."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.debian_tools import DOCKER_COMPOSE, ensure_tool
from tests.support.process import clean_env
from tests.support.recipes import COMPOSE, GATEWAY_SERVICES, compose_document

REQUIRED = {
    "STRIPE_API_KEY": "sk_test_compose",
    "STRIPE_WEBHOOK_SECRET": "whsec_compose",
    "GATEWAY_SECRET": "compose-test-secret-of-at-least-32-bytes-long",
}
"""The variables compose.yaml refuses to interpolate without (`${NAME:?…}`)."""
SCALED = ("gateway", "worker")


@pytest.fixture(scope="module")
def docker_compose() -> Path:
    return ensure_tool(DOCKER_COMPOSE)


def _config(docker_compose: Path, path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(docker_compose), "--file", str(path), "config"],
        env=clean_env(env, drop_prefixes=(*REQUIRED, "POSTGRES_", "GATEWAY_", "COMPOSE_")),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=path.parent,
    )


def test_docker_compose_config_validates_it(docker_compose: Path) -> None:
    done = _config(docker_compose, COMPOSE, REQUIRED)
    assert done.returncode == 0, done.stderr
    resolved: dict[str, Any] = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == {"postgres", "redis", "migrate", "gateway", "worker"}
    gateway = resolved["services"]["gateway"]
    assert gateway["environment"]["STRIPE_API_KEY"] == "sk_test_compose"
    assert gateway["environment"]["DATABASE_URL"] == "postgres://gateway:gateway@postgres:5432/billing"


def test_the_validation_can_fail(docker_compose: Path, tmp_path: Path) -> None:
    broken = compose_document()
    broken["services"]["gateway"]["depends_on"]["migrate"]["condition"] = "service_finished"
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(broken))
    done = _config(docker_compose, path, REQUIRED)
    assert done.returncode != 0 and "condition" in done.stderr, done.stderr


def test_missing_secrets_are_refused_by_name(docker_compose: Path) -> None:
    done = _config(docker_compose, COMPOSE, {})
    assert done.returncode != 0 and "set STRIPE_API_KEY" in done.stderr, done.stderr


def test_gateway_and_worker_scale_with_no_fixed_name_or_host_port() -> None:
    services = compose_document()["services"]
    for name in SCALED:
        service = services[name]
        assert "container_name" not in service, name
        for port in service.get("ports", []):
            assert str(port) == "8000", f"{name}: {port!r} binds a fixed host port, so --scale would collide"


def test_migrate_runs_once_before_gateway_and_worker() -> None:
    services = compose_document()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in SCALED:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_every_gateway_service_runs_the_one_image_in_production() -> None:
    services = compose_document()["services"]
    images = {services[name]["image"] for name in GATEWAY_SERVICES}
    assert len(images) == 1 and not next(iter(images)).endswith(":latest"), images
    assert services["migrate"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    for name in GATEWAY_SERVICES:
        assert services[name]["environment"]["GATEWAY_ENV"] == "production", name
    for name in ("postgres", "redis"):
        image = services[name]["image"]
        assert ":" in image and not image.endswith(":latest"), image
