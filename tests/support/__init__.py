"""Plain helpers for the test suite: processes, ports, the Stripe emulator, the gateway, GraphQL.

Nothing here is a fixture; the conftest modules wrap these helpers into fixtures.
"""
