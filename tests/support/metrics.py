"""Reading a gateway's `GET /metrics`, and polling it until a sample satisfies a condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

POLL_INTERVAL_SECONDS = 0.1


async def scrape(base_url: str) -> Samples:
    """Every sample of `base_url/metrics`, by (name, labels)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, have), value in samples.items() if sample == name and wanted <= have)


async def wait_for_metric(
    base_url: str, name: str, condition: Callable[[float], bool], *, timeout: float, **labels: str
) -> float:
    """Poll `/metrics` until `condition(total(name, labels))` holds; return it (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = total(await scrape(base_url), name, **labels)
        if condition(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels or ''} = {value} after {timeout:.0f} s")
        await asyncio.sleep(POLL_INTERVAL_SECONDS)
