"""End-to-end tests: the real `billing-gateway` processes, PostgreSQL and the localstripe emulator."""
