"""What every mirror mapper shares: timestamps, references, amounts, currencies, errors.

Exceptions raised by the mirror:

- `MissingParentError`: the object needs a parent row (a customer, a payment) that is
  not mirrored yet. The caller fetches the parent from Stripe, upserts it, and retries.
- `InvalidStripeObjectError` (a `ValueError`): the object lacks something the mirror
  cannot do without (a subscription item without a price, an invoice without a customer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.models import Model

StripeObject = Mapping[str, Any]
"""A Stripe object as a plain mapping (`StripeClient` answers and webhook payloads are plain dicts)."""


class MissingParentError(LookupError):
    """A required parent of the object is not in the mirror yet.

    `object_type` is Stripe's name for the parent (`customer`, `payment_intent`, `charge`)
    and `stripe_id` its id: fetch that object from Stripe, upsert it, then retry.
    """

    def __init__(self, object_type: str, stripe_id: str) -> None:
        super().__init__(f"{object_type} {stripe_id} is not mirrored yet")
        self.object_type = object_type
        self.stripe_id = stripe_id


class InvalidStripeObjectError(ValueError):
    """The Stripe object lacks a value the mirror requires."""


def from_timestamp(value: Any) -> datetime | None:
    """A Stripe unix timestamp as an aware UTC datetime."""
    if value is None:
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def stripe_id_of(value: Any) -> str | None:
    """The id of a Stripe reference, whether it came expanded or as a bare id."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        ref = value.get("id")
        return str(ref) if ref is not None else None
    return str(value)


def expanded(value: Any) -> StripeObject | None:
    """The referenced object when the reference came expanded, else None (a bare id tells nothing more)."""
    return value if isinstance(value, Mapping) else None


def dig(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]…`, or None as soon as a step is missing or not an object."""
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def list_data(value: Any) -> list[StripeObject]:
    """The objects of a Stripe list (`{"object": "list", "data": […]}`), or of a plain list; [] when absent."""
    data = value.get("data") if isinstance(value, Mapping) else value
    if not isinstance(data, Sequence) or isinstance(data, str):
        return []
    return [entry for entry in data if isinstance(entry, Mapping)]


def amount_of(value: Any, default: int = 0) -> int:
    """An amount in minor units as an int (`default` when Stripe, or an emulator, leaves it out)."""
    return default if value is None else int(value)


def optional_int(value: Any) -> int | None:
    """An int, or None when the value is absent."""
    return None if value is None else int(value)


def currency_of(value: Any) -> str:
    """A currency code as stored: lower case (Stripe's own form; emulators may echo `USD`)."""
    return str(value).strip().lower() if value is not None else ""


def mirror_fields(obj: StripeObject, parent: StripeObject | None = None) -> dict[str, Any]:
    """The `StripeMirrorModel` columns Stripe gives us (livemode, created).

    A nested object (a subscription item) may omit `livemode`: it inherits its parent's.
    """
    livemode = obj.get("livemode")
    if livemode is None and parent is not None:
        livemode = parent.get("livemode")
    return {"livemode": bool(livemode), "stripe_created": from_timestamp(obj.get("created"))}


def synced_now() -> dict[str, Any]:
    """The `synced_at` column: when we last wrote the row from Stripe's answer."""
    return {"synced_at": datetime.now(UTC)}


def without_none(fields: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """`fields` minus those of `keys` whose value is None.

    For links Stripe only sometimes sends (an invoice's payment, a payment's invoice):
    their absence means "not included in this answer", not "removed", so an update
    must keep what an earlier answer told us.
    """
    return {k: v for k, v in fields.items() if not (k in keys and v is None)}


def object_id(obj: StripeObject) -> str:
    """The object's own id (required)."""
    value = obj.get("id")
    if not value:
        raise InvalidStripeObjectError(f"a Stripe {obj.get('object', 'object')} without an id")
    return str(value)


def required_str(obj: StripeObject, key: str) -> str:
    """`obj[key]` as a string; the mirror cannot store the object without it."""
    value = obj.get(key)
    if value is None or value == "":
        raise InvalidStripeObjectError(f"{obj.get('object', 'object')} {obj.get('id')} has no {key}")
    return str(value)


# --- single statements, portable across asyncpg and SQLite ------------------------------------------------


class Statement:
    """One SQL statement's parameters, with the placeholders of `connection`'s driver.

    `param(value)` appends a parameter and returns its placeholder (`$n` for asyncpg, `?`
    for SQLite), so a statement built left to right is valid on both. Values go in as the
    database expects them: convert them with `db_value` (what Tortoise's own queries do).
    """

    __slots__ = ("_numbered", "params")

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        dialect = connection.capabilities.dialect
        if dialect not in ("postgres", "sqlite"):
            raise NotImplementedError(f"no placeholders for the {dialect} dialect")
        self._numbered = dialect == "postgres"
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self._numbered else "?"


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """`value` of the field `name` as Tortoise would send it to the database."""
    return model._meta.fields_map[name].to_db_value(value, model)


def python_value(model: type[Model], name: str, value: Any) -> Any:
    """A column's value as read from the database, as Tortoise would hand it to Python."""
    return model._meta.fields_map[name].to_python_value(value)


def in_transaction_now(connection: BaseDBAsyncClient) -> bool:
    """True when `connection` (from `Tortoise.get_connection`) is this task's open transaction."""
    return isinstance(connection, TransactionalDBClient)


def quoted(names: Iterable[str]) -> str:
    """`"a", "b"`: fixed column names (never user input)."""
    return ", ".join(f'"{name}"' for name in names)
