"""The fast lane (`uv run pytest -m "not e2e"`) leaves out every test that starts real gateway processes."""

from __future__ import annotations

import subprocess
import sys

from tests.support.process import REPO_ROOT


def _collected(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_fast_lane_has_no_e2e_test() -> None:
    fast = _collected("-m", "not e2e")
    assert any(test.startswith("tests/gateway/") for test in fast)
    assert [test for test in fast if test.startswith(("tests/e2e/", "tests/bench/"))] == []


def test_the_e2e_lane_is_the_e2e_directories() -> None:
    e2e = _collected("-m", "e2e", "tests/e2e/test_smoke.py", "tests/bench", "tests/test_guest.py")
    assert e2e
    assert [test for test in e2e if not test.startswith(("tests/e2e/", "tests/bench/"))] == []
