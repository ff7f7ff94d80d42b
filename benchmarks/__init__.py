"""Benchmarks, run by hand: ``python -m benchmarks`` (see benchmarks/run.py)."""
