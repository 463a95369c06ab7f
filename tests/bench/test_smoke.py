"""The bench never rots: `python -m bench --smoke` runs every benchmark briefly and reports a row for each.

No timing is asserted: the smoke run's loads are tiny and the machine is shared. What must hold
is that every benchmark starts what it needs, its gateway and baseline answer (the read
benchmarks compare both answers before measuring), and the report has numbers for it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.registry import BENCHMARKS, SKIPPED
from tests.support.process import REPO_ROOT

SMOKE_TIMEOUT_SECONDS = 360  # benchmark 9 alone starts two gateway processes and a worker
NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?$")


@pytest.mark.timeout(SMOKE_TIMEOUT_SECONDS + 30)
def test_every_benchmark_runs_and_reports_numbers(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS-smoke.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out), "--log-dir", str(tmp_path / "logs")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"bench --smoke exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
    assert not SKIPPED, f"benchmarks missing from bench/: {SKIPPED}"
    rows = [line.split("|")[1:-1] for line in out.read_text().splitlines() if re.match(r"^\| \d+ \|", line)]
    for benchmark in BENCHMARKS:
        gateway = [
            cells for cells in rows if cells[0].strip() == str(benchmark.number) and cells[2].strip() == "gateway"
        ]
        assert gateway, f"no gateway row for benchmark {benchmark.number} in {out}"
        numbers = [cell.strip() for cell in gateway[0][3:9] if NUMBER.match(cell.strip())]
        assert numbers, f"benchmark {benchmark.number}'s gateway row has no numbers: {gateway[0]}"
