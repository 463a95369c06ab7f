"""The gateway's WebSocket view: what a connected socket keeps while it is idle.

The handler's part (the `connection_init` timeout task) is tested in tests/runtime/test_ws_results.py.
"""

from __future__ import annotations

import gc

from base.principals import Principal, Scope, effective_scopes
from gateway import app as gateway_app
from gateway.app import _shared_principal


def test_sockets_of_one_principal_share_one_object_while_any_holds_it() -> None:
    def principal(key: str) -> Principal:
        return Principal(kind="api_key", id=key, scopes=effective_scopes([Scope.READ]))

    first = _shared_principal(principal("key-1"))
    same = _shared_principal(principal("key-1")) is first
    other = _shared_principal(principal("key-2"))
    distinct = other is not first and other != first
    assert same and distinct
    del other
    gc.collect()
    assert list(gateway_app._socket_principals.values()) == [first], "only held principals are kept"
    del first
    gc.collect()
    assert len(gateway_app._socket_principals) == 0
