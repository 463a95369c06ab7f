"""Upstream internals in one quarantined package: code replicating strawberry, graphql-core, Tortoise and Dramatiq.

Each module leans on a library's private code for speed and says so; each guards the version
range it was written against (`base.versions.require`, kept equal to pyproject.toml's bounds by
tests/test_versions.py). It imports only `base` and libraries.
"""
