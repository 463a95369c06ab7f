"""`bench.b9_slo.capacity`: hosts per tier and the rate one host should hold, from a held window's CPU per request."""

from __future__ import annotations

import pytest

from bench import b9_slo
from bench.b9_slo import Window, capacity
from bench.load import LoadOutcome

# bench/RESULTS.md's best held window (275 req/s for 60 s, 84.9% of 2 cores busy) as CPU seconds per role.
MS_PER_REQUEST = {"gateway": 3.52, "worker": 0.82, "postgres": 0.57, "redis": 0.08, "localstripe": 0.62, "load": 0.28}


def held_window(cores: int) -> Window:
    completed = 275 * 60
    outcome = LoadOutcome(completed=completed, errors=0, window_seconds=60.0, latencies_ms=[10.0], client_cpu_seconds=1)
    return Window(
        rate=275.0,
        seconds=60.0,
        outcome=outcome,
        cpu_by_role={role: ms * completed / 1000.0 for role, ms in MS_PER_REQUEST.items()},
        machine_busy_seconds=0.849 * cores * 60.0,
    )


@pytest.mark.parametrize(
    ("cores", "hosts", "predicted"),
    [
        (2, "5 (gateway 3.52 cores -> 3; worker 0.82 cores -> 1; database 0.65 cores -> 1)", 288.3),
        (4, "4 (gateway 3.52 cores -> 2; worker 0.82 cores -> 1; database 0.65 cores -> 1)", 576.6),
    ],
)
def test_hosts_are_counted_in_this_machines_cores(
    cores: int, hosts: str, predicted: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(b9_slo, "MACHINE_CORES", cores)
    figures = capacity(held_window(cores), 1000.0)
    assert figures["host_busy_ceiling_pct"] == 84.9
    assert figures["cpu_ms_per_request_ours"] == 4.99
    assert figures["hosts_for_1000_rps"] == hosts
    assert figures["one_host_predicted_rps"] == predicted
