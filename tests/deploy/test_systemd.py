"""deploy/systemd: `systemd-analyze verify` (offline, in a scratch root) and what the units must hold."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.debian_tools import SYSTEMD_ANALYZE, ensure_tool
from tests.support.recipes import SYSTEMD, unit_sections, unit_values

CLI = "/opt/billing-gateway/.venv/bin/billing-gateway"
"""Where deploy/README.md installs the gateway (a checkout with its `uv sync --locked --no-dev` venv)."""
ENVIRONMENT_FILE = "/etc/billing-gateway/gateway.env"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
UNITS = {
    "billing-gateway-migrate.service": "billing-gateway-migrate.service",
    "billing-gateway@.service": "billing-gateway@8001.service",
    "billing-gateway-worker.service": "billing-gateway-worker.service",
}
"""Each unit file → the unit name verified (a template is verified as one instance)."""
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "RestrictSUIDSGID": "yes",
}


@pytest.fixture(scope="module")
def systemd_analyze() -> Path:
    return ensure_tool(SYSTEMD_ANALYZE)


def _root(tmp_path: Path, units: dict[str, str]) -> Path:
    """A scratch root: the system's own units, ours, and a stand-in for the installed CLI (verify checks it runs)."""
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name, text in units.items():
        (root / "etc/systemd/system" / name).write_text(text)
    cli = root / CLI.removeprefix("/")
    cli.parent.mkdir(parents=True)
    cli.write_text("#!/bin/sh\n")
    cli.chmod(0o755)
    return root


def _verify(systemd_analyze: Path, root: Path, names: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(systemd_analyze), "verify", "--man=no", f"--root={root}", *names],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _ours() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(SYSTEMD.glob("*.service"))}


def test_every_unit_is_listed() -> None:
    assert set(_ours()) == set(UNITS)


def test_systemd_analyze_verify_finds_nothing(systemd_analyze: Path, tmp_path: Path) -> None:
    done = _verify(systemd_analyze, _root(tmp_path, _ours()), list(UNITS.values()))
    # verify exits 0 on directives it ignores, so any word about our units is a finding.
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_the_verify_check_can_fail(systemd_analyze: Path, tmp_path: Path) -> None:
    units = _ours()
    units["billing-gateway-worker.service"] = units["billing-gateway-worker.service"].replace("Type=exec", "Type=exek")
    done = _verify(systemd_analyze, _root(tmp_path, units), ["billing-gateway-worker.service"])
    assert "Failed to parse service type" in done.stderr, done.stderr


def test_each_unit_runs_its_command_with_the_environment_file_and_hardening() -> None:
    commands = {
        "billing-gateway-migrate.service": f"{CLI} migrate",
        "billing-gateway@.service": f"{CLI} serve --host 0.0.0.0 --port %i",
        "billing-gateway-worker.service": f"{CLI} worker --processes 2 --threads 8",
    }
    for name, text in _ours().items():
        sections = unit_sections(text)
        assert unit_values(sections, "Service", "ExecStart") == [commands[name]], name
        assert unit_values(sections, "Service", "EnvironmentFile") == [ENVIRONMENT_FILE], name
        assert unit_values(sections, "Service", "User") == ["billing-gateway"], name
        for key, value in HARDENING.items():
            assert unit_values(sections, "Service", key) == [value], f"{name}: {key}"


def test_migrate_is_a_oneshot_the_others_require() -> None:
    units = {name: unit_sections(text) for name, text in _ours().items()}
    assert unit_values(units["billing-gateway-migrate.service"], "Service", "Type") == ["oneshot"]
    for name in ("billing-gateway@.service", "billing-gateway-worker.service"):
        assert unit_values(units[name], "Unit", "Requires") == ["billing-gateway-migrate.service"], name
        assert "billing-gateway-migrate.service" in unit_values(units[name], "Unit", "After")[0].split(), name
        assert unit_values(units[name], "Service", "Restart") == ["on-failure"], name
