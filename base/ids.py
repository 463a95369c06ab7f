"""Opaque global ids and page cursors: what clients see instead of primary keys."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

import strawberry

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class InvalidIdError(ValueError):
    """A global id or cursor that this gateway did not issue."""


def _b64encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _b64decode(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidIdError("not an id issued by this gateway") from exc


def to_global_id(type_name: str, pk: UUID) -> strawberry.ID:
    """The opaque id clients see for one row of one type."""
    return strawberry.ID(_b64encode(f"{type_name}:{pk}"))


def parse_global_id(value: str) -> tuple[str, UUID]:
    """(type name, primary key) of a global id; raises InvalidIdError."""
    type_name, sep, raw_pk = _b64decode(value).partition(":")
    if not sep or not type_name:
        raise InvalidIdError("not an id issued by this gateway")
    try:
        return type_name, UUID(raw_pk)
    except ValueError as exc:
        raise InvalidIdError("not an id issued by this gateway") from exc


def parse_typed_id(value: str, type_name: str) -> UUID:
    """The primary key of a global id that must name `type_name`; raises InvalidIdError."""
    found, pk = parse_global_id(value)
    if found != type_name:
        raise InvalidIdError(f"expected the id of a {type_name}")
    return pk


def encode_cursor(pk: UUID) -> str:
    return _b64encode(f"cursor:{pk}")


def decode_cursor(value: str) -> UUID:
    """The primary key behind a cursor; raises InvalidIdError."""
    kind, _, raw_pk = _b64decode(value).partition(":")
    if kind != "cursor":
        raise InvalidIdError("not a cursor issued by this gateway")
    try:
        return UUID(raw_pk)
    except ValueError as exc:
        raise InvalidIdError("not a cursor issued by this gateway") from exc
