"""`billing.authorization`'s decisions that need no database: rights, and the customers a status stream carries."""

from __future__ import annotations

import uuid

import pytest

from base.principals import Principal, Scope, effective_scopes
from billing.authorization import is_admin, may_read, may_read_all, may_write, may_write_own, watched_customers

MINE, THEIRS = uuid.uuid4(), uuid.uuid4()
SESSION = Principal(kind="customer_session", id="s", customer_id=MINE)


def key(*scopes: Scope) -> Principal:
    return Principal(kind="api_key", id="k", scopes=effective_scopes(scopes))


@pytest.mark.parametrize(
    ("principal", "rights"),
    [
        (SESSION, {"read", "write_own"}),
        (key(), set()),
        (key(Scope.READ), {"read", "read_all"}),
        (key(Scope.WRITE), {"read", "read_all", "write", "write_own"}),
        (key(Scope.ADMIN), {"read", "read_all", "write", "write_own", "admin"}),
    ],
    ids=["session", "no scope", "read", "write", "admin"],
)
def test_rights(principal: Principal, rights: set[str]) -> None:
    decided = {
        "read": may_read(principal),
        "read_all": may_read_all(principal),
        "write": may_write(principal),
        "write_own": may_write_own(principal),
        "admin": is_admin(principal),
    }
    assert {name for name, allowed in decided.items() if allowed} == rights


def test_watched_customers() -> None:
    assert watched_customers(key(Scope.READ), None) is None, "an API key: every customer's"
    assert watched_customers(key(Scope.READ), THEIRS) == {THEIRS}
    assert watched_customers(SESSION, None) == {MINE}, "a session: its own, even unasked"
    assert watched_customers(SESSION, MINE) == {MINE}
    assert watched_customers(SESSION, THEIRS) == frozenset(), "another customer's: nothing"
