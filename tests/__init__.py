"""The billing gateway's tests (a package, so `tests.support.*` and `tests.pg` import by name)."""
