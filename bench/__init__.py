"""Benchmarks of the gateway against hand-written baselines (`uv run python -m bench`, see bench/RESULTS.md)."""
