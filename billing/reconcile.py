"""Reconcile: pull Stripe's objects into the mirror and report the drift that fixed.

Webhooks keep the mirror true as long as every event arrives; `reconcile` is the
repair path for everything else (the gateway was down longer than Stripe retries, the
mirror was restored from a backup, a new installation over an existing account). It
lists every object type, parents first, so that each upsert finds its parent:

    meters (Billing Meters, no parent) → prices (plans on emulators) → coupons → promotion codes
    → customers → payment methods (per customer) → subscriptions → invoices → payments (PaymentIntents)
    → refunds → disputes

Drift is measured on the mirror rows themselves: the columns the `*_fields` mappers
write (plus the row's links) are read before and after each upsert. Bookkeeping
columns (`synced_at`, `updated_at`, ...) are never compared, so a second run over the
same Stripe data reports no change. Rows the mirror has but Stripe no longer lists are
reported as missing at Stripe and left alone: deleting customer data is a decision for
a human, not for a sync job.

Emulator (localstripe) differences handled here: its list endpoints reject `created`
filters (so `since` is applied client-side, which is also done as a safety net on real
Stripe), it has Plans instead of Prices, and it does not expand `data.payments` or
`data.latest_charge` (its older shapes carry those links anyway).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from tortoise.models import Model

from billing.mirror import (
    MissingParentError,
    coupon_fields,
    customer_fields,
    dispute_fields,
    invoice_fields,
    payment_fields,
    payment_method_fields,
    price_fields,
    promotion_code_fields,
    refund_fields,
    subscription_fields,
    upsert_coupon,
    upsert_customer,
    upsert_dispute,
    upsert_invoice,
    upsert_payment,
    upsert_payment_method,
    upsert_price,
    upsert_promotion_code,
    upsert_refund,
    upsert_subscription,
)
from billing.parents import fetch_parent
from billing.usage import meter_fields, upsert_meter
from models import (
    Coupon,
    Customer,
    Dispute,
    Invoice,
    Meter,
    Payment,
    PaymentMethod,
    Price,
    PromotionCode,
    Refund,
    Subscription,
)
from stripe_provider.adapter import StripeAdapter

__all__ = ["KINDS", "Change", "KindCounts", "ReconcileReport", "reconcile"]

Kind = Literal[
    "meters",
    "prices",
    "coupons",
    "promotion_codes",
    "customers",
    "payment_methods",
    "subscriptions",
    "invoices",
    "payments",
    "refunds",
    "disputes",
]

KINDS: Final[tuple[Kind, ...]] = (
    "meters",
    "prices",
    "coupons",
    "promotion_codes",
    "customers",
    "payment_methods",
    "subscriptions",
    "invoices",
    "payments",
    "refunds",
    "disputes",
)
"""Object types in the order they are pulled: every type after the ones it links to."""

PAGE_SIZE: Final = 100
"""Stripe's maximum page size: fewer round trips for the same objects."""

# Mirror columns the mappers do not produce but that the upserts set from Stripe's data
# (links to other rows, derived figures). Drift in them is drift too.
_EXTRA_COLUMNS: Final[Mapping[Kind, tuple[str, ...]]] = {
    "meters": (),
    "prices": (),
    "coupons": (),
    "promotion_codes": (),
    "customers": (),
    "payment_methods": ("customer_id", "detached_at"),
    "subscriptions": ("customer_id",),
    "invoices": ("customer_id", "subscription_id"),
    "payments": ("customer_id", "invoice_id", "amount_refunded"),
    "refunds": ("payment_id",),
    "disputes": ("payment_id", "customer_id"),
}

# Never compared: they change on every write whatever Stripe says.
_VOLATILE_COLUMNS: Final = frozenset({"synced_at", "updated_at", "created_at", "stripe_event_at"})

_MODELS: Final[Mapping[Kind, type[Model]]] = {
    "meters": Meter,
    "prices": Price,
    "coupons": Coupon,
    "promotion_codes": PromotionCode,
    "customers": Customer,
    "payment_methods": PaymentMethod,
    "subscriptions": Subscription,
    "invoices": Invoice,
    "payments": Payment,
    "refunds": Refund,
    "disputes": Dispute,
}

_FIELDS: Final[Mapping[Kind, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "meters": meter_fields,
    "prices": price_fields,
    "coupons": coupon_fields,
    "promotion_codes": promotion_code_fields,
    "customers": customer_fields,
    "payment_methods": payment_method_fields,
    "subscriptions": subscription_fields,
    "invoices": invoice_fields,
    "payments": payment_fields,
    "refunds": refund_fields,
    "disputes": dispute_fields,
}

# The parent `billing.parents.fetch_parent` found → the kind it is counted as.
_PARENT_KINDS: Final[Mapping[str, Kind]] = {"customer": "customers", "payment_intent": "payments"}


@dataclass(frozen=True)
class Change:
    """One mirror row that reconcile created or changed."""

    kind: Kind
    stripe_id: str
    action: Literal["created", "updated"]
    fields: tuple[str, ...]
    """The columns whose value changed (all compared columns for a created row)."""


@dataclass
class KindCounts:
    """Per object type: what reconcile did, and what the mirror has that Stripe no longer lists."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    missing_at_stripe: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        """How many objects of this type Stripe listed (and the mirror now holds)."""
        return self.created + self.updated + self.unchanged


@dataclass
class ReconcileReport:
    """What one reconcile run found and fixed."""

    since: datetime | None
    counts: dict[Kind, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the run created or updated at least one mirror row."""
        return bool(self.changes)

    def summary_lines(self) -> list[str]:
        """One line per type, e.g. `customers: 3 created, 1 updated, 10 unchanged`."""
        lines = []
        for kind in KINDS:
            counts = self.counts[kind]
            line = f"{kind}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
            if counts.missing_at_stripe:
                line += f", {len(counts.missing_at_stripe)} missing at Stripe (kept)"
            lines.append(line)
        return lines


Upsert = Callable[[dict[str, Any]], Awaitable[object]]
"""One of the mirror's `upsert_*` functions (their optional parent arguments are left to look-ups)."""

ProgressCallback = Callable[[str, int], None]
"""`progress(kind, done)`: `done` objects of `kind` processed so far (totals are unknown up front)."""


class _Reconciler:
    """One run: the adapter, the report being built, and the ids seen per type."""

    def __init__(self, stripe: StripeAdapter, since: datetime | None, progress: ProgressCallback | None) -> None:
        self.stripe = stripe
        self.since = since
        self.since_ts = int(since.timestamp()) if since is not None else None
        self.progress = progress
        self.report = ReconcileReport(since=since)
        self.seen: dict[Kind, set[str]] = {kind: set() for kind in KINDS}
        self.pulled_customers: list[str] = []

    # --- listing ------------------------------------------------------------------------------------------

    async def _list(
        self, resource: str, params: dict[str, Any], *, filter_created: bool = True, server_filter: bool = True
    ) -> AsyncIterator[dict[str, Any]]:
        """Every object of `resource`, created at or after `since` when given.

        Real Stripe filters server-side (`created[gte]`, unless `server_filter` is False: a list
        without that parameter); localstripe rejects that parameter on most lists, so the same
        filter is applied here on every object.
        """
        query = {"limit": PAGE_SIZE, **params}
        if self.since_ts is not None and filter_created and server_filter and not self.stripe.is_emulator:
            query["created"] = {"gte": self.since_ts}
        async for obj in self.stripe.list_all(resource, query):
            created = obj.get("created")
            if filter_created and self.since_ts is not None and created is not None and int(created) < self.since_ts:
                continue
            yield obj

    def _tick(self, kind: Kind) -> None:
        if self.progress is not None:
            self.progress(kind, self.report.counts[kind].seen)

    # --- drift --------------------------------------------------------------------------------------------

    @staticmethod
    def _columns(kind: Kind, obj: Mapping[str, Any]) -> list[str]:
        mapped = [name for name in _FIELDS[kind](obj) if name not in _VOLATILE_COLUMNS]
        return [*mapped, *_EXTRA_COLUMNS[kind]]

    @staticmethod
    async def _snapshot(kind: Kind, stripe_id: str, columns: list[str]) -> dict[str, Any] | None:
        rows = await _MODELS[kind].filter(stripe_id=stripe_id).values(*columns)
        return rows[0] if rows else None

    async def apply(self, kind: Kind, obj: dict[str, Any], upsert: Upsert) -> None:
        """Upsert one object, resolving a missing parent once, and record what changed in its row."""
        stripe_id = str(obj["id"])
        if stripe_id in self.seen[kind]:
            return  # already applied in this run (fetched earlier as someone's missing parent)
        columns = self._columns(kind, obj)
        before = await self._snapshot(kind, stripe_id, columns)
        try:
            await upsert(obj)
        except MissingParentError as missing:
            # Possible with `since` (a parent older than the cut-off) or an object created
            # at Stripe between two list calls: fetch the parent, then try once more.
            await self._fetch_parent(missing)
            await upsert(obj)
        after = await self._snapshot(kind, stripe_id, columns)
        self.seen[kind].add(stripe_id)
        counts = self.report.counts[kind]
        if before is None:
            counts.created += 1
            self.report.changes.append(Change(kind, stripe_id, "created", tuple(columns)))
        else:
            changed = tuple(name for name in columns if after is None or before.get(name) != after.get(name))
            if changed:
                counts.updated += 1
                self.report.changes.append(Change(kind, stripe_id, "updated", changed))
            else:
                counts.unchanged += 1
        self._tick(kind)

    async def _fetch_parent(self, missing: MissingParentError) -> None:
        """Pull the parent an upsert lacked (`billing.parents`), counted in this run's report like any object."""
        parent = await fetch_parent(missing, self.stripe)
        await self.apply(_PARENT_KINDS[parent.object_type], parent.obj, parent.upsert)

    # --- the types, parents first ----------------------------------------------------------------------------

    async def meters(self) -> None:
        # Stripe's meter list has no `created` filter: `since` is applied here only.
        async for obj in self._list("billing.meters", {}, server_filter=False):
            await self.apply("meters", obj, upsert_meter)

    async def prices(self) -> None:
        resource = "plans" if self.stripe.is_emulator else "prices"
        async for obj in self._list(resource, {}):
            await self.apply("prices", obj, upsert_price)

    async def coupons(self) -> None:
        async for obj in self._list("coupons", {}):
            await self.apply("coupons", obj, upsert_coupon)

    async def promotion_codes(self) -> None:
        async for obj in self._list("promotion_codes", {}):
            await self.apply("promotion_codes", obj, upsert_promotion_code)

    async def customers(self) -> None:
        async for obj in self._list("customers", {}):
            if obj.get("deleted"):
                continue
            await self.apply("customers", obj, upsert_customer)
            self.pulled_customers.append(str(obj["id"]))

    async def payment_methods(self) -> None:
        # Stripe lists payment methods per customer only (and `type` is required on
        # localstripe); the list has no `created` filter anywhere, hence client-side.
        for customer_id in self.pulled_customers:
            async for obj in self._list("payment_methods", {"customer": customer_id, "type": "card"}):
                await self.apply("payment_methods", obj, upsert_payment_method)

    async def subscriptions(self) -> None:
        # Without `status=all` Stripe (and localstripe) leave canceled subscriptions out.
        async for obj in self._list("subscriptions", {"status": "all"}):
            await self.apply("subscriptions", obj, upsert_subscription)

    async def invoices(self) -> None:
        # Current API versions only link an invoice to its payment through the `payments` list.
        params: dict[str, Any] = {} if self.stripe.is_emulator else {"expand": ["data.payments"]}
        async for obj in self._list("invoices", params):
            await self.apply("invoices", obj, upsert_invoice)

    async def payments(self) -> None:
        # The expanded charge carries Stripe's own refunded figure.
        params: dict[str, Any] = {} if self.stripe.is_emulator else {"expand": ["data.latest_charge"]}
        async for obj in self._list("payment_intents", params):
            await self.apply("payments", obj, upsert_payment)

    async def refunds(self) -> None:
        async for obj in self._list("refunds", {}):
            await self.apply("refunds", obj, upsert_refund)

    async def disputes(self) -> None:
        async for obj in self._list("disputes", {}):
            await self.apply("disputes", obj, upsert_dispute)

    # --- what Stripe no longer lists ----------------------------------------------------------------------

    async def find_missing(self) -> None:
        """Record mirror rows in the range this run listed that Stripe did not list."""
        for kind in KINDS:
            query = _MODELS[kind].all()
            if self.since is not None:
                query = query.filter(stripe_created__gte=self.since)
            if kind in ("customers", "coupons"):
                query = query.filter(deleted=False)  # Stripe never lists deleted ones
            if kind == "payment_methods":
                # Listed per pulled customer, attached ones only: compare like with like.
                query = query.filter(detached_at__isnull=True, customer__stripe_id__in=self.pulled_customers)
            mirrored = await query.values_list("stripe_id", flat=True)
            missing = sorted(sid for sid in map(str, mirrored) if sid not in self.seen[kind])
            self.report.counts[kind].missing_at_stripe = missing


async def reconcile(
    stripe: StripeAdapter,
    *,
    since: datetime | None,
    progress: ProgressCallback | None = None,
) -> ReconcileReport:
    """Pull every object Stripe lists (created at or after `since`, when given) into the mirror.

    Needs Tortoise initialised. Raises `ProviderError` when Stripe fails (pages are not
    retried beyond what the adapter does; re-running is safe: upserts are idempotent).
    """
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    run = _Reconciler(stripe, since, progress)
    await run.meters()
    await run.prices()
    await run.coupons()
    await run.promotion_codes()
    await run.customers()
    await run.payment_methods()
    await run.subscriptions()
    await run.invoices()
    await run.payments()
    await run.refunds()
    await run.disputes()
    await run.find_missing()
    return run.report
