"""What the suite's guards found in pytest-xdist workers, carried to the controller that reports it.

The suite runs on several workers (`-n`, pyproject's addopts). A worker's terminal summary is
never shown and its session's exit status is not the run's, so a guard that collects findings
in a worker (the secret scan of the databases it dropped, the audit check's counts) puts them in
`send(config, key, values)` at the worker's session end; the controller gathers every worker's
with `gather(node)` when the worker goes down, before its own session end reports and judges them.
Without xdist (`-n 0`, `-p no:xdist`) there is one process: what it sends is received at once. Either
way the summary reads `received(key)`: every worker's values, or the one process's.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["gather", "is_worker", "received", "send"]

_KEY = "bgw_guards"
_received: dict[str, list[Any]] = {}


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker (its reports go to a controller)."""
    return hasattr(config, "workerinput")


def send(config: pytest.Config, key: str, values: list[Any]) -> None:
    """Add `values` under `key` to what this worker hands the controller (JSON-like values only)."""
    if not is_worker(config):
        _received.setdefault(key, []).extend(values)
        return
    output: dict[str, Any] = config.workeroutput  # type: ignore[attr-defined]
    output.setdefault(_KEY, {}).setdefault(key, []).extend(values)


def gather(node: Any) -> dict[str, list[Any]]:
    """What a worker that went down sent (`node` is xdist's `WorkerController`), now received too."""
    output: dict[str, Any] = getattr(node, "workeroutput", None) or {}
    sent: dict[str, list[Any]] = output.get(_KEY, {})
    for key, values in sent.items():
        _received.setdefault(key, []).extend(values)
    return sent


def received(key: str) -> list[Any]:
    """Every value sent under `key` so far, by the workers that went down or by this one process."""
    return _received.get(key, [])
