"""Benchmarks (speed, memory): run from the repository root, e.g. ``python -m bench.speed``."""
