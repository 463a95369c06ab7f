"""The npm packages of `tests/node` (the `graphql-ws` client `tests/e2e/test_live_node.py` drives).

`ensure_node_packages()` runs `npm ci --prefix tests/node` when `node_modules` is missing or
does not match `package-lock.json`, under a file lock so parallel pytest runs on one checkout
do not install over each other. Missing Node.js or npm raises `NodeUnavailableError` with
what to install; the tests turn that into a failure, never a skip.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.support.process import REPO_ROOT

NODE_DIR = REPO_ROOT / "tests" / "node"
LOCK_PATH = NODE_DIR / ".npm-ci.lock"
MIN_NODE_MAJOR = 20
NPM_CI_TIMEOUT_SECONDS = 300.0


class NodeUnavailableError(RuntimeError):
    """Node.js or npm is missing or too old, or `npm ci` failed."""


def _packages(lockfile: Path) -> dict[str, Any] | None:
    try:
        packages: dict[str, Any] = json.loads(lockfile.read_text())["packages"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {path: entry for path, entry in packages.items() if path}  # "" is the project itself


def installed(node_dir: Path = NODE_DIR) -> bool:
    """True when `node_modules` holds exactly what `package-lock.json` pins.

    npm keeps what it installed in `node_modules/.package-lock.json`; it matches the lockfile's
    `packages` (the project's own entry aside) right after `npm ci`, and not once the lockfile changed.
    """
    wanted = _packages(node_dir / "package-lock.json")
    if wanted is None:
        raise NodeUnavailableError(f"{node_dir / 'package-lock.json'} is missing or unreadable")
    if _packages(node_dir / "node_modules" / ".package-lock.json") != wanted:
        return False
    return all((node_dir / path / "package.json").is_file() for path in wanted)


def node_executable() -> str:
    """The `node` on PATH, checked to be at least version 20."""
    node = shutil.which("node")
    if node is None:
        raise NodeUnavailableError(
            f"`node` is not on PATH: install Node.js >= {MIN_NODE_MAJOR} with npm (https://nodejs.org/) "
            "to run tests/e2e/test_live_node.py"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise NodeUnavailableError(f"{node} is Node.js {version or '(unknown version)'}; >= {MIN_NODE_MAJOR} is needed")
    return node


def ensure_node_packages(node_dir: Path = NODE_DIR) -> str:
    """Install `node_dir`'s npm packages if they are missing or stale; return the `node` executable."""
    node = node_executable()
    if installed(node_dir):
        return node
    npm = shutil.which("npm")
    if npm is None:
        raise NodeUnavailableError(f"`npm` is not on PATH (node is {node}): install npm to run `npm ci` in {node_dir}")
    with (node_dir / LOCK_PATH.name).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if installed(node_dir):  # another run installed them while we waited
            return node
        args = [npm, "ci", "--prefix", str(node_dir), "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            result = subprocess.run(args, capture_output=True, text=True, timeout=NPM_CI_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise NodeUnavailableError(f"`{' '.join(args)}` did not finish in {NPM_CI_TIMEOUT_SECONDS:.0f} s") from exc
        if result.returncode != 0 or not installed(node_dir):
            raise NodeUnavailableError(
                f"`{' '.join(args)}` exited with {result.returncode}:\n{result.stdout}{result.stderr}"
            )
    return node
