"""Relay plumbing: the Node interface, opaque global ids, connections and cursors."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar
from uuid import UUID

import strawberry

T = TypeVar("T")

# Descriptions shared by the fields every mirrored object has.
ID_DESCRIPTION = "The object's id: opaque and stable; use it wherever the API asks for this object's id."
CREATED_AT_DESCRIPTION = "When the object was created at Stripe."
CURRENCY_DESCRIPTION = "Three-letter ISO 4217 currency code, lower case (e.g. `usd`)."

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class InvalidIdError(ValueError):
    """A global id or cursor that this gateway did not issue."""


@strawberry.interface(description="An object with an opaque, stable id.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's id: opaque and stable; `node(id:)` fetches it.")


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


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow: ask with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(description="True when items come before this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item; null on an empty page.")


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass it as `after` to get the items after this one.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, newest first; ask for the next one with `after: endCursor`.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, newest first.")
    page_info: PageInfo = strawberry.field(description="Whether there are more pages, and their cursors.")
