"""Sampling profiles of a server during measured windows (`python -m bench --profile`), with py-spy.

py-spy attaches to the running process (no restart, no code change), samples its stacks
without pausing it (`--nonblocking`) from the load core, and writes collapsed stacks
(`--format raw`). `summarize` turns those into where the CPU went: by package (self
time), and the top functions by self and by inclusive time. Profiled runs are slower
than plain ones: their numbers never go into RESULTS.md, only their summaries.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench.harness import pinned

RATE = 200


def py_spy() -> str:
    """The py-spy executable of this venv (a dev dependency)."""
    local = Path(sys.executable).parent / "py-spy"
    found = str(local) if local.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: `uv sync` installs the dev dependencies")
    return found


async def start(pid: int, output: Path, cpus: str | None, *, subprocesses: bool = False) -> asyncio.subprocess.Process:
    """Start sampling `pid` (and with `subprocesses` its children too) into `output` (collapsed stacks) until `stop`."""
    argv = [py_spy(), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw", "--nonblocking"]
    if subprocesses:
        argv.append("--subprocesses")
    argv += ["--nolineno", "--output", str(output)]
    log = output.with_suffix(".log").open("ab")
    with log:
        return await asyncio.create_subprocess_exec(*pinned(argv, cpus), stdout=log, stderr=log)


async def stop(process: asyncio.subprocess.Process) -> None:
    """Stop sampling; py-spy writes its file on SIGINT."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


def _frames(paths: Iterable[Path]) -> Iterable[tuple[list[str], int]]:
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                yield stack.split(";"), int(count)


def _package(frame: str) -> str:
    """`func (pkg/module.py)` -> `pkg` (stdlib modules keep their first path part too)."""
    _, _, where = frame.rpartition(" (")
    where = where.rstrip(")")
    if where.startswith("<"):
        return where
    return where.split("/")[0] if "/" in where else where


OWN_PACKAGES = (
    "base",
    "runtime",
    "stripe_provider",
    "models",
    "billing",
    "resolvers",
    "live",
    "webhooks",
    "schema",
    "tasks",
    "gateway",
)
NATIVE_LOOP = "Runner.run (asyncio/runners.py)"
"""Where uvloop's C code (polling, socket reads and writes, callbacks) shows up: py-spy sees no native frames."""


def summarize(paths: Iterable[Path], top: int = 25) -> str:
    """Markdown: self time by package, top functions by self and inclusive time, the gateway's own functions."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for frames, count in _frames(paths):
        total += count
        leaf = frames[-1]
        self_time[leaf] += count
        packages[_package(leaf) if leaf != NATIVE_LOOP else "uvloop (native, seen as asyncio Runner.run)"] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "(no samples)"
    # Frames on (nearly) every stack are the process's trunk (the CLI, uvicorn's run): they say nothing.
    trunk = max(inclusive.values()) * 0.98
    branches = Counter({frame: count for frame, count in inclusive.items() if count < trunk})
    own = Counter({frame: count for frame, count in branches.items() if _package(frame) in OWN_PACKAGES})

    def pct(count: int) -> str:
        return f"{100.0 * count / total:5.1f}%"

    lines = [f"{total} samples at {RATE}/s (busy time only; % of all samples)", "", "Self time by package:", ""]
    lines += [f"    {pct(count)}  {name}" for name, count in packages.most_common(15)]
    lines += ["", "Top functions by self time:", ""]
    lines += [f"    {pct(count)}  {name}" for name, count in self_time.most_common(top)]
    lines += ["", "Top functions by inclusive time (below the event loop):", ""]
    lines += [f"    {pct(count)}  {name}" for name, count in branches.most_common(top)]
    lines += ["", "The gateway's own functions by inclusive time:", ""]
    lines += [f"    {pct(count)}  {name}" for name, count in own.most_common(top)]
    return "\n".join(lines)
