"""A headless Chromium for browser tests: Debian's `chromium`, driven by Playwright (never its own browser build).

`ensure_chromium()` returns the executable; when it is missing and we are root on a Debian machine
it installs the `chromium` package with apt (under a file lock, so parallel runs do not race), as
`uv run pytest` on a fresh clone must pass with no other step. Anything else raises
`BrowserUnavailableError` with what to install: the tests fail, never skip.

`launch_chromium(playwright)` starts it headless with the flags this closed network needs: without
the background-networking ones Chromium keeps dialling Google's hosts at every start.
Screenshots go to `ARTIFACTS` (tests/artifacts/, ignored by git; CI keeps it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tests.support.process import REPO_ROOT

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

CHROMIUM: Final = Path("/usr/bin/chromium")
ARTIFACTS: Final = REPO_ROOT / "tests" / "artifacts"
APT_TIMEOUT_SECONDS: Final = 900.0
LOCK_PATH: Final = Path(tempfile.gettempdir()) / "billing-gateway-chromium-install.lock"
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


class BrowserUnavailableError(RuntimeError):
    """Chromium is missing and could not be installed here."""


def _install() -> None:
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise BrowserUnavailableError(
            f"{CHROMIUM} is missing: install Debian's chromium package (`apt-get install chromium`) as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_SECONDS)
        if done.returncode != 0:
            raise BrowserUnavailableError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt first when missing (root only); BrowserUnavailableError otherwise."""
    if CHROMIUM.exists():
        return CHROMIUM
    with LOCK_PATH.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not CHROMIUM.exists():  # another run may have installed it while we waited
            _install()
    if not CHROMIUM.exists():
        raise BrowserUnavailableError(f"the chromium package installed, but {CHROMIUM} is still missing")
    return CHROMIUM


async def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian Chromium with the flags of a closed network."""
    executable = ensure_chromium()
    return await playwright.chromium.launch(executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS))


def artifact_path(name: str) -> Path:
    """Where a screenshot or trace named `name` goes (the folder is made)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
