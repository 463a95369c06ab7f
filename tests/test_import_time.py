"""Importing product code reads no settings: a bad environment fails where settings are used, not at import.

Settings read at import froze the values of the first import (the sweeper's windows, the broker's
timeouts), ignored the `Settings` a caller passed, and made `import tasks.broker` raise on a
typo in the environment (issue 14).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.product import PACKAGES

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = PACKAGES

POISONED = {
    "GATEWAY_ENV": "invalid",
    "DATABASE_URL": "not a url",
    "REDIS_URL": "not a url",
    "STRIPE_TIMEOUT_SECONDS": "soon",
    "WEBHOOK_SWEEP_INTERVAL_SECONDS": "often",
    "WORKER_TIMEOUT_MS": "fast",
}


def _product_modules() -> list[str]:
    modules = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_every_product_module_imports_under_a_poisoned_environment(tmp_path: Path) -> None:
    modules = _product_modules()
    assert "tasks.broker" in modules and "webhooks.sweeper" in modules
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else exc!r}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    # In an empty directory: no .env is read and no .gateway-secret written.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **POISONED}
    done = subprocess.run(
        [sys.executable, "-c", script, *modules], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def test_the_poisoned_environment_is_refused_where_settings_are_read(tmp_path: Path) -> None:
    """The check can fail: the same environment makes `get_settings()` raise."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **POISONED}
    done = subprocess.run(
        [sys.executable, "-c", "from base.settings import get_settings; get_settings()"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "gateway_env" in done.stderr.lower()
