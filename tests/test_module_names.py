"""No two product modules share a name, but one feature's modules across the layers.

A reader finds a feature by its name: `models/customers.py`, `billing/mirror/customers.py`,
`resolvers/customers.py` and `schema/customers.py` are the customer feature in four layers
(each layer at most once). Any other name (`live`, `metrics`, `errors`, …) names one module.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.support.product import PACKAGES, ROOT

FEATURES = frozenset(
    {
        "audit",
        "customers",
        "disputes",
        "inbox",
        "invoices",
        "payment_methods",
        "payments",
        "prices",
        "sessions",
        "subscriptions",
        "dunning",
        "discounts",
        "usage",
        # Revenue analytics (issue 16).
        "analytics",
        "outbox",
        "outgoing",
        "event_sink",
    }
)
"""The billing features: each may name one module per layer package."""


def clashes(paths: list[Path]) -> list[str]:
    """Module names held by more than one module, beyond a feature's one module per layer."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        if path.name != "__init__.py":
            by_name[path.stem].append(path)
    found = []
    for name, holders in sorted(by_name.items()):
        if len(holders) < 2:
            continue
        layers = [holder.parts[0] for holder in holders]
        if name in FEATURES and len(set(layers)) == len(layers):
            continue
        found.append(f"{name}: " + ", ".join(str(holder) for holder in holders))
    return found


def product_modules() -> list[Path]:
    return [path.relative_to(ROOT) for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_no_two_modules_share_a_name() -> None:
    assert clashes(product_modules()) == []


def test_the_rule_catches_a_shared_name() -> None:
    assert clashes([Path("gateway/live.py"), Path("live/hub.py"), Path("schema/live.py")]) == [
        "live: gateway/live.py, schema/live.py"
    ]
    assert clashes([Path("billing/mirror/customers.py"), Path("billing/customers.py")]) == [
        "customers: billing/mirror/customers.py, billing/customers.py"
    ]
    assert clashes([Path("models/customers.py"), Path("schema/customers.py")]) == []
