"""Command-line tools the deploy tests run, from Debian packages: installed with apt when missing.

As with Chromium (tests/support/browser.py), `uv run pytest` on a fresh clone must pass with no other
step: when the tool is missing and we are root on a Debian machine, `ensure_tool` installs its
package under a file lock (parallel runs do not race); anything else raises `ToolUnavailableError`
naming the package, and the test fails, never skips.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

APT_TIMEOUT_SECONDS: Final = 900.0

DOCKER_COMPOSE: Final = ("docker-compose", "docker-compose")
"""(command, Debian package): Compose 1.29 (Python), whose `config` validates a file with no Docker daemon."""
SYSTEMD_ANALYZE: Final = ("systemd-analyze", "systemd")


class ToolUnavailableError(RuntimeError):
    """The tool is missing and could not be installed here."""


def _install(package: str) -> None:
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise ToolUnavailableError(f"install Debian's {package} package (`apt-get install {package}`) as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_SECONDS)
        if done.returncode != 0:
            raise ToolUnavailableError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")


def ensure_tool(tool: tuple[str, str]) -> Path:
    """The path of `tool`'s command, its Debian package installed first when missing (root only)."""
    command, package = tool
    found = shutil.which(command)
    if found is not None:
        return Path(found)
    lock_path = Path(tempfile.gettempdir()) / f"billing-gateway-{package}-install.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if shutil.which(command) is None:  # another run may have installed it while we waited
            _install(package)
    found = shutil.which(command)
    if found is None:
        raise ToolUnavailableError(f"the {package} package installed, but `{command}` is still not on PATH")
    return Path(found)
