"""Hand-written baselines: what a competent engineer would write by hand for each benchmarked job (bench only)."""
