"""`uv run python -m bench [--smoke] [--only 1,2,...] [--duration S] [--out PATH] [--persisted]`: run, then report."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
import traceback
from pathlib import Path

from bench.harness import Result, RunConfig, Stack
from bench.registry import BENCHMARKS, SKIPPED
from bench.report import RunInfo, render_table, write_report

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench" / "RESULTS.md"
FULL = RunConfig(smoke=False, duration=10.0, warmup=1.0, concurrency=16, rounds=2)
SMOKE = RunConfig(smoke=True, duration=0.5, warmup=0.2, concurrency=2, rounds=1)
FULL_CUSTOMERS = 1000
SMOKE_CUSTOMERS = 110
"""Benchmark 2 reads a page of 100 customers: the smoke run needs that many too."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few seconds per benchmark, tiny loads (CI)")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers (default: all)")
    parser.add_argument("--duration", type=float, default=None, help="measured seconds per variant")
    parser.add_argument("--out", type=Path, default=None, help=f"the report (default: {DEFAULT_OUT}; smoke: logs dir)")
    parser.add_argument("--log-dir", type=Path, default=None, help="where process logs go (default: a temp dir)")
    parser.add_argument(
        "--profile", action="store_true", help="sample the servers with py-spy (summaries in the logs dir; slower)"
    )
    parser.add_argument(
        "--persisted", action="store_true", help="benchmark 1 sends its query as a persisted hash (decision 0066)"
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Start the stack, run the chosen benchmarks in order, write the report; 1 when a benchmark failed."""
    config = SMOKE if args.smoke else FULL
    if args.duration is not None:
        config = RunConfig(config.smoke, args.duration, config.warmup, config.concurrency, config.rounds)
    if args.persisted:
        config = dataclasses.replace(config, persisted=True)
    only = {int(part) for part in args.only.split(",") if part.strip()}
    chosen = [b for b in sorted(BENCHMARKS, key=lambda b: b.number) if not only or b.number in only]
    info = RunInfo.collect(config, " ".join(["uv run python -m bench", *sys.argv[1:]]))
    info.customers = SMOKE_CUSTOMERS if config.smoke else FULL_CUSTOMERS
    results: list[Result] = []
    failures: dict[int, str] = {}
    started = time.monotonic()
    async with Stack(config, args.log_dir, seed_customers=info.customers) as stack:
        print(f"bench: stack up in {time.monotonic() - started:.1f}s; logs in {stack.log_dir}", flush=True)
        info.log_dir = str(stack.log_dir)
        stack.profile = args.profile
        for benchmark in chosen:
            begun = time.monotonic()
            print(f"bench: {benchmark.number}. {benchmark.name} ...", flush=True)
            try:
                rows = await benchmark.run(stack, config)
            except Exception:
                failures[benchmark.number] = traceback.format_exc()
                print(f"bench: {benchmark.number} FAILED\n{failures[benchmark.number]}", file=sys.stderr, flush=True)
                continue
            results.extend(rows)
            print(f"bench: {benchmark.number} done in {time.monotonic() - begun:.1f}s", flush=True)
    info.finish()
    skipped = {n: why for n, why in SKIPPED.items() if not only or n in only}
    out = args.out or (Path(info.log_dir) / "RESULTS-smoke.md" if config.smoke else DEFAULT_OUT)
    write_report(out, info, chosen, results, failures, skipped)
    print(render_table(chosen, results, failures, skipped))
    print(f"bench: report written to {out} ({time.monotonic() - started:.1f}s in all)")
    return 1 if failures else 0


def main() -> None:
    """Entry point."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(asyncio.run(run(parse_args())))


if __name__ == "__main__":
    main()
