"""Measured runs: `python -m benchmarks.run` discovers and runs every `bench_*.py` module here."""
